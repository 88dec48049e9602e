"""Returns at the counter through the real app: by receipt, without one with a manager's approval, and an online
order's (head office must know it: on the real network)."""

import pytest

from tests.processes import ASSOCIATE, MANAGER
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import scan, sign_in, text_of, type_text, until
from tests.waiting import poll
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.form import FormDialog
from tui.modals.manager import ManagerApprovalDialog
from tui.screens.home import HomeScreen
from tui.screens.returns import ReturnsScreen

TEE, MUG, TEA = PRODUCTS


def sell(store, sku: str, qty: int, price: int) -> str:
    answer = store.api.post("/v1/sales", json={"lines": [{"sku": sku, "qty": qty}],
                                              "tenders": [{"type": "cash", "amount": qty * price}]})
    assert answer.status_code == 201, answer.text
    return answer.json()["receipt_number"]


async def open_returns(pilot, app) -> ReturnsScreen:
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.press("f4")
    await until(pilot, lambda: isinstance(app.screen, ReturnsScreen))
    return app.screen


async def test_a_line_of_a_scanned_receipt_is_returned_and_refunded_in_cash(store):
    receipt = sell(store, MUG["sku"], 2, MUG["price"])
    before = store.on_hand(MUG["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        returns = await open_returns(pilot, app)
        await scan(pilot, receipt)
        await until(pilot, lambda: len(returns.lines) == 1)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#qty").value = "1"
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ReturnsScreen) and returns.lines[0]["chosen"])
        await pilot.press("f10")
        await until(pilot, lambda: "recorded" in text_of(app, "#message"))
        assert "€11.99 to cash" in text_of(app, "#message")
    assert store.on_hand(MUG["sku"]) == before + 1


async def test_more_than_was_sold_is_refused_in_the_dialog(store):
    receipt = sell(store, TEA["sku"], 1, TEA["price"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        returns = await open_returns(pilot, app)
        await scan(pilot, receipt)
        await until(pilot, lambda: len(returns.lines) == 1)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#qty").value = "3"
        await pilot.press("f10")
        await until(pilot, lambda: "Only 1 can come back" in text_of(app, "#error"))


async def test_a_return_without_receipt_asks_a_manager_on_the_spot(store):
    before = store.on_hand(TEE["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        returns = await open_returns(pilot, app)
        await pilot.press("f7")
        await scan(pilot, TEE["gtin"])
        await until(pilot, lambda: len(returns.lines) == 1)
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ManagerApprovalDialog))
        await type_text(pilot, MANAGER["id"])
        await pilot.press("enter")
        await type_text(pilot, MANAGER["pin"])
        await pilot.press("enter")
        await until(pilot, lambda: "recorded" in text_of(app, "#message"))
    assert store.on_hand(TEE["sku"]) == before + 1


async def test_a_repeated_item_without_receipt_is_one_line_and_exactly_what_is_refunded(store):
    before = store.on_hand(MUG["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        returns = await open_returns(pilot, app)
        await pilot.press("f7")
        for _ in range(3):
            await scan(pilot, MUG["gtin"])
        await until(pilot, lambda: returns.lines and returns.lines[0]["chosen"]["qty"] == 3)
        assert len(returns.lines) == 1 and returns.query_one("#lines").row_count == 1
        assert "refund €35.97 to cash" in text_of(app, "#summary") and "about" not in text_of(app, "#summary")
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ManagerApprovalDialog))
        await type_text(pilot, MANAGER["id"])
        await pilot.press("enter")
        await type_text(pilot, MANAGER["pin"])
        await pilot.press("enter")
        await until(pilot, lambda: "recorded" in text_of(app, "#message"))
        assert "€35.97 to cash" in text_of(app, "#message")
    assert store.on_hand(MUG["sku"]) == before + 3


@pytest.mark.slow
async def test_an_online_order_is_returned_by_scanning_its_receipt_token(shop):
    order = shop.head_office.post("/v1/orders", headers={"Idempotency-Key": f"ui-return-{TEA['sku']}"}, json={
        "channel": "web", "customer": {"name": "Ole Hansen"}, "lines": [{"sku": TEA["sku"], "qty": 2}],
        "delivery": {"type": "pickup", "store_id": "S005"}}).json()
    poll(lambda: any(f["order_id"] == order["id"] for f in
                     shop.api.get("/v1/fulfilments", params={"type": "pickup"}).json()["items"]),
         what="the order reaches the store")
    allocation = next(f for f in shop.api.get("/v1/fulfilments", params={"type": "pickup"}).json()["items"]
                      if f["order_id"] == order["id"])["allocation_id"]
    for step, body in [("accept", None), ("pick", None), ("ready", None),
                       ("collect", {"pickup_code": order["pickup_code"]})]:
        assert shop.api.post(f"/v1/fulfilments/{allocation}/{step}", json=body).status_code == 200
    before = shop.on_hand(TEA["sku"])
    app = StoreApp(EdgeClient(shop.url))
    async with app.run_test(size=(100, 30)) as pilot:
        returns = await open_returns(pilot, app)
        app.screen.query_one("#scan").value = order["receipt_token"]  # a scanner types the QR's text
        await pilot.press("enter")
        await until(pilot, lambda: len(returns.lines) == 1 and returns.lines[0]["sold"] == 2)
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        app.screen.query_one("#qty").value = "1"
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ReturnsScreen) and returns.lines[0]["chosen"])
        await pilot.press("f10")
        await until(pilot, lambda: "recorded" in text_of(app, "#message"))
        assert "to online" in text_of(app, "#message")
    assert shop.on_hand(TEA["sku"]) == before + 1
