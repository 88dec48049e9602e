"""The ship-from-store screen at 80×24: the chosen order's address under the queue, and on F8 the label as it will
print — Esc goes back without shipping, Enter prints and ships."""

from datetime import timedelta

from shared.runtime.clock import utc_now
from shared.runtime.ids import uuid7
from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import keys, ship_queue_of, text_of, until
from tests.tui.test_fulfilments import select_order
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.form import FormDialog
from tui.modals.label_preview import LabelPreviewDialog

MUG = PRODUCTS[1]
ADDRESS = {"name": "Zoë Ångström", "line1": "Bahrenfelder Str. 1", "line2": "c/o Meier", "city": "Hamburg",
           "region": "HH", "postal_code": "22765", "country": "DE", "phone": "+49 40 123456"}


def packed_ship_order(store) -> tuple[str, str]:
    allocation_id = uuid7()
    order_id = f"ORD-{allocation_id[-5:].upper()}"
    store.deliver("fulfilment.assign", {
        "allocation_id": allocation_id, "order_id": order_id, "type": "ship", "lines": [{"sku": MUG["sku"], "qty": 1}],
        "customer": {"name": "Zoë Ångström"}, "ship_to": ADDRESS,
        "accept_by": (utc_now() + timedelta(hours=1)).isoformat()})
    for step, body in (("accept", None), ("pick", None), ("pack", {"parcels": [{"weight_g": 700}]})):
        answer = store.api.post(f"/v1/fulfilments/{allocation_id}/{step}", json=body)  # accepted already: 200
        assert answer.status_code == 200, answer.text
    return allocation_id, order_id


async def test_the_address_shows_and_the_label_is_checked_before_the_parcel_ships(store):
    allocation_id, order_id = packed_ship_order(store)
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        queue = await ship_queue_of(pilot, app, ASSOCIATE)
        await select_order(pilot, queue, order_id)
        await until(pilot, lambda: "Zoë Ångström" in text_of(app, "#ship-to"))
        assert text_of(app, "#ship-to") == ("Ship to: Zoë Ångström · Bahrenfelder Str. 1 · c/o Meier · 22765 Hamburg"
                                            " · HH · DE · Tel +49 40 123456")
        for answer, status in (("<escape>", "packed"), ("<enter>", "shipped")):
            await select_order(pilot, queue, order_id)
            await pilot.press("f8")
            await until(pilot, lambda: isinstance(app.screen, FormDialog))
            await keys(pilot, "<enter>", "JJD000390007", "<enter>")
            await until(pilot, lambda: isinstance(app.screen, LabelPreviewDialog))
            label = text_of(app, "#label-text")
            assert ("SHIP TO\n  Zoë Ångström\n  Bahrenfelder Str. 1\n  c/o Meier\n  22765 Hamburg\n  HH\n  DE\n"
                    "  Tel +49 40 123456\n") in label and "Weight 0.70 kg" in label and "JJD000390007" in label
            await keys(pilot, answer)
            await until(pilot, lambda: app.screen is queue)
            await until(pilot, lambda: store.api.get(f"/v1/fulfilments/{allocation_id}").json()["status"] == status)
    shipped = store.api.get(f"/v1/fulfilments/{allocation_id}").json()
    assert (shipped["carrier"], shipped["tracking_number"]) == ("DHL", "JJD000390007")
    labels = [p.read_text(encoding="utf-8") for p in store.prints.glob("*-label.txt")]
    assert [text for text in labels if order_id in text and "Zoë Ångström" in text]
