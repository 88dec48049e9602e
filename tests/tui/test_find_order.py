"""A pickup found from any screen and handed over: scan the customer's code, Enter, done — or found by its number,
its bag tag or the customer's name, then the code."""

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import keys, scan, sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.find_order import FindOrder
from tui.screens.home import HomeScreen
from tui.screens.sell import SellScreen
from tui.screens.stock import StockScreen

TEE, MUG, TEA = PRODUCTS


async def signed_in(pilot, app):
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_ctrl_f_then_the_pickup_code_then_enter_hands_it_over_from_the_stock_screen(store):
    allocation = store.pickup_ready("ORD-UI-1", "H4ND7V", "Hanna Krüger", MUG["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, app)
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, StockScreen))
        await pilot.press("ctrl+f")
        await scan(pilot, "h4nd7v")
        await until(pilot, lambda: isinstance(app.screen, FindOrder) and "Enter hands it over" in
                    text_of(app, "#order"))
        assert "Hanna Krüger" in text_of(app, "#order")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, StockScreen) and "handed over" in text_of(app, "#message"))
    assert store.fulfilment_status(allocation) == "collected"


async def test_found_by_part_of_the_name_it_asks_for_the_code(store):
    allocation = store.pickup_ready("ORD-UI-2", "N4MEK7", "Ole Hansen", TEA["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, app)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, FindOrder))
        await keys(pilot, "hans", "<enter>")
        await until(pilot, lambda: "customer's pickup code" in text_of(app, "#order"))
        await scan(pilot, "WRONG9")
        await until(pilot, lambda: "code" in text_of(app, "#error"))
        assert store.fulfilment_status(allocation) == "ready"
        await scan(pilot, "N4MEK7")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    assert store.fulfilment_status(allocation) == "collected"


async def test_the_sell_scan_field_recognises_a_bag_tag(store):
    allocation = store.pickup_ready("ORD-UI-3", "B4GT4G", "Jan Meier", TEE["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, app)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, SellScreen))
        await scan(pilot, "ORD-UI-3")  # the bag tag's QR holds the order number
        await until(pilot, lambda: isinstance(app.screen, FindOrder) and "Jan Meier" in text_of(app, "#order"))
        await scan(pilot, "B4GT4G")
        await until(pilot, lambda: isinstance(app.screen, SellScreen) and "handed over" in text_of(app, "#message"))
    assert store.fulfilment_status(allocation) == "collected"
