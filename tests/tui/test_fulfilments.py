"""A BOPIS order from head office to the customer's hands, worked at the counter through the real app."""

import uuid

import pytest
from textual.command import CommandPalette

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS, SHOP
from tests.tui.pilot_helpers import (
    keys,
    palette_offers,
    ship_queue_of,
    sign_in,
    text_of,
    until,
)
from tests.waiting import poll
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.form import FormDialog
from tui.modals.label_preview import LabelPreviewDialog
from tui.screens.fulfilments import PickupsScreen
from tui.screens.home import HomeScreen

TEE, MUG, TEA = PRODUCTS


def place_pickup_order(shop) -> dict:
    answer = shop.head_office.post("/v1/orders", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "channel": "web", "customer": {"name": "Hanna Krüger", "email": "hanna@example.com"},
        "lines": [{"sku": TEE["sku"], "qty": 1}], "delivery": {"type": "pickup", "store_id": SHOP}})
    assert answer.status_code == 201, answer.text
    return answer.json()


def status_at_store(shop, order_id: str) -> str | None:
    items = shop.api.get("/v1/fulfilments", params={"type": "pickup"}).json()["items"]
    return next((f["status"] for f in items if f["order_id"] == order_id), None)


async def select_order(pilot, screen: PickupsScreen, order_id: str) -> None:
    await until(pilot, lambda: any(f["order_id"] == order_id for f in screen.items))
    index = next(i for i, f in enumerate(screen.items) if f["order_id"] == order_id)
    screen.query_one("#queue").move_cursor(row=index)
    await pilot.pause(0.1)


@pytest.mark.slow
async def test_a_pickup_order_is_accepted_picked_made_ready_and_collected_with_its_code(shop):
    order = place_pickup_order(shop)
    order_id, code = order["id"], order["pickup_code"]
    poll(lambda: status_at_store(shop, order_id), what="the assignment reaches the store")
    app = StoreApp(EdgeClient(shop.url))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, PickupsScreen))
        queue = app.screen
        await select_order(pilot, queue, order_id)
        await pilot.press("f3")
        await until(pilot, lambda: status_at_store(shop, order_id) == "accepted")
        await select_order(pilot, queue, order_id)
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("f10")
        await until(pilot, lambda: status_at_store(shop, order_id) == "picked")
        await select_order(pilot, queue, order_id)
        await pilot.press("f7")
        await until(pilot, lambda: status_at_store(shop, order_id) == "ready")

        await select_order(pilot, queue, order_id)
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await keys(pilot, "WRONG1", "<enter>")
        await until(pilot, lambda: isinstance(app.screen, PickupsScreen) and "code" in text_of(app, "#message"))
        assert status_at_store(shop, order_id) == "ready"
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await keys(pilot, code.lower(), "<enter>")
        await until(pilot, lambda: status_at_store(shop, order_id) == "collected")
    poll(lambda: shop.head_office.get(f"/v1/orders/{order_id}").json()["status"] == "completed", 30,
         what="head office sees the order completed")


@pytest.mark.slow
async def test_a_ship_from_store_order_is_picked_packed_and_shipped(shop):
    answer = shop.head_office.post("/v1/orders", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "channel": "web", "customer": {"name": "Jan Meier"}, "lines": [{"sku": MUG["sku"], "qty": 1}],
        "delivery": {"type": "ship", "address": {"name": "Jan Meier", "line1": "Bahrenfelder Str. 1", "city": "Hamburg",
                                                  "postal_code": "22765", "country": "DE", "lat": 53.556,
                                                  "lon": 9.93}}})
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["id"]

    def ship_status():
        items = shop.api.get("/v1/fulfilments", params={"type": "ship"}).json()["items"]
        return next((f["status"] for f in items if f["order_id"] == order_id), None)
    poll(ship_status, what="the shipment reaches the store")
    app = StoreApp(EdgeClient(shop.url))
    async with app.run_test(size=(100, 30)) as pilot:
        queue = await ship_queue_of(pilot, app, ASSOCIATE)
        for key, form_keys, status in [("f3", None, "accepted"), ("f6", ["<f10>"], "picked"),
                                       ("f7", ["1200,800", "<enter>"], "packed"),
                                       ("f8", ["<enter>", "00340434161234567890", "<enter>"], "shipped")]:
            await select_order(pilot, queue, order_id)
            await pilot.press(key)
            if form_keys:
                await until(pilot, lambda: isinstance(app.screen, FormDialog))
                await keys(pilot, *form_keys)
            if key == "f8":  # the label, from the address central sent, before it prints
                await until(pilot, lambda: isinstance(app.screen, LabelPreviewDialog))
                assert "SHIP TO\n  Jan Meier\n  Bahrenfelder Str. 1\n  22765 Hamburg\n  DE" in text_of(app, "#label-text")
                await keys(pilot, "<enter>")
            await until(pilot, lambda: ship_status() == status)
    poll(lambda: shop.head_office.get(f"/v1/orders/{order_id}").json()["status"] == "completed", 30,
         what="head office sees the order completed")


async def test_the_palette_offers_the_keys_of_the_screen_it_was_opened_from(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, PickupsScreen))
        queue = app.screen
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await keys(pilot, "Finished")
        await until(pilot, lambda: palette_offers(app, "Finished"))
        await pilot.press("enter")
        await until(pilot, lambda: queue.show_finished)
