"""Transfers at the counter, through the real app and a real store agent at 80×24: home counts them, a transfer to
send is picked by scanning and shipped short once confirmed (its slip prints), a transfer to receive is counted in
with a typed count and received with the difference confirmed."""

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import keys, scan, sign_in, text_of, until
from tests.tui.test_layout import footer_keys, rows
from tests.waiting import eventually
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.confirm import ConfirmDialog
from tui.modals.form import FormDialog
from tui.screens.home import HomeScreen
from tui.screens.transfer_count import ReceiveScreen, ShipScreen
from tui.screens.transfers import TransfersScreen

TEE, MUG, TEA = PRODUCTS


def transfer(store, transfer_id: str) -> dict:
    return store.api.get(f"/v1/transfers/{transfer_id}").json()


async def transfers_screen(pilot, app) -> TransfersScreen:
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    return app.screen


async def test_a_transfer_is_picked_by_scanning_and_shipped_short_once_confirmed(store):
    store.deliver("transfer.send", {"transfer_id": "TR-UI-SEND", "to_node": "S009", "to_name": "Harbour",
                                    "lines": [{"sku": TEE["sku"], "qty": 2}, {"sku": MUG["sku"], "qty": 1}]})
    tee_before, mug_before = store.on_hand(TEE["sku"]), store.on_hand(MUG["sku"])
    rung = []
    app = StoreApp(EdgeClient(store.url))
    app.bell = lambda: rung.append(True)
    async with app.run_test(size=(80, 24)) as pilot:
        home = await transfers_screen(pilot, app)
        await until(pilot, lambda: "Transfers to send: 1" in text_of(app, "#work"))
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, TransfersScreen) and app.screen.lists["out"])
        assert "To send (1)" in text_of(app, "#out-heading")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ShipScreen))
        ship = app.screen
        bottom = rows(app)[-1]
        assert all(key in bottom for key in footer_keys(ship)), bottom
        await scan(pilot, TEE["gtin"])
        await scan(pilot, TEE["sku"])
        await until(pilot, lambda: ship.counts[TEE["sku"]] == 2)
        await scan(pilot, TEA["gtin"])  # not on this transfer
        await until(pilot, lambda: "not on this transfer" in text_of(app, "#message") and rung)
        await scan(pilot, TEE["gtin"])  # one more than asked
        await until(pilot, lambda: "Only 2 of UI-TEE-M were asked for" in text_of(app, "#message"))
        assert ship.counts == {TEE["sku"]: 2, MUG["sku"]: 0}
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "Not in this shipment: 1 of 1 UI-MUG" in text_of(app, "#question")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TransfersScreen) and "shipped: 2 units to Harbour"
                    in text_of(app, "#message"))
        await until(pilot, lambda: not app.screen.lists["out"])
        await pilot.press("escape", "f5")  # back home, and its figures asked for now
        await until(pilot, lambda: app.screen is home and "Pickups" in text_of(app, "#work")
                    and "Transfers" not in text_of(app, "#work"))
    shipped = transfer(store, "TR-UI-SEND")
    assert shipped["status"] == "shipped" and {ln["sku"]: ln["shipped"] for ln in shipped["lines"]} == {
        TEE["sku"]: 2, MUG["sku"]: 0}
    # the mug was not on the shelf: it leaves the books like a short pick's units
    assert (store.on_hand(TEE["sku"]), store.on_hand(MUG["sku"])) == (tee_before - 2, mug_before - 1)
    await until_printed(store, "TR-UI-SEND")


async def until_printed(store, transfer_id: str) -> None:
    def slip() -> list[str]:
        return [p.read_text(encoding="utf-8") for p in store.prints.glob("*-transfer-slip.txt")
                if transfer_id in p.read_text(encoding="utf-8")]
    await eventually(slip, 10, what="the transfer slip prints")
    assert "TRANSFER SLIP" in slip()[0] and "Harbour" in slip()[0]


async def test_a_transfer_is_counted_in_and_received_with_its_difference_confirmed(store):
    store.deliver("transfer.inbound", {"transfer_id": "TR-UI-IN", "from_node": "S003", "from_name": "Old Town",
                                       "lines": [{"sku": TEA["sku"], "qty": 3}], "carrier": "DHL"})
    before = store.on_hand(TEA["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await transfers_screen(pilot, app)
        await until(pilot, lambda: "to receive: 1" in text_of(app, "#work"))
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, TransfersScreen) and app.screen.lists["in"])
        await pilot.press("tab")  # from the list to send to the list to receive
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReceiveScreen))
        receive = app.screen
        await scan(pilot, TEA["gtin"])
        await until(pilot, lambda: receive.counts[TEA["sku"]] == 1)
        await pilot.press("f3")  # the rest of the box counted by hand
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await keys(pilot, "4", "<enter>")
        await until(pilot, lambda: app.screen is receive and receive.counts[TEA["sku"]] == 4)
        assert "1 more than shipped" in text_of(app, "#message")
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "UI-TEA: 4 counted for 3 shipped" in text_of(app, "#question")
        await pilot.press("escape")  # not yet: nothing is received
        await until(pilot, lambda: app.screen is receive and "Nothing received" in text_of(app, "#message"))
        assert transfer(store, "TR-UI-IN")["status"] == "in_transit"
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TransfersScreen) and "received: 4 units"
                    in text_of(app, "#message"))
    received = transfer(store, "TR-UI-IN")
    assert received["status"] == "received" and received["lines"][0]["received"] == 4
    assert store.on_hand(TEA["sku"]) == before + 4
