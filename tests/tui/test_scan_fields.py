"""Stock and reprint: every scan replaces the field's text, the focus stays in the scan field, and the product shown
is always the last one scanned."""

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import scan, sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.screens.printing import ReprintScreen
from tui.screens.stock import StockScreen

TEE, MUG, TEA = PRODUCTS


async def open_screen(pilot, app, key, kind):
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, kind))
    return app.screen


async def test_stock_shows_the_last_product_scanned_even_after_a_list_of_matches(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        stock = await open_screen(pilot, app, "f3", StockScreen)
        lookup = stock.query_one("#lookup")
        await scan(pilot, "UI-")  # several products match: a list to choose from
        await until(pilot, lambda: stock.query_one("#matches").display)
        assert app.focused is lookup
        await scan(pilot, TEA["gtin"])  # the scanner wins over the highlighted match
        await until(pilot, lambda: stock.sku == TEA["sku"])
        assert lookup.value == TEA["gtin"] and app.focused is lookup
        await scan(pilot, MUG["gtin"])
        await until(pilot, lambda: stock.sku == MUG["sku"] and MUG["name"] in text_of(app, "#levels"))
        assert lookup.value == MUG["gtin"] and app.focused is lookup


async def test_stock_arrows_and_enter_still_choose_among_matches(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        stock = await open_screen(pilot, app, "f3", StockScreen)
        await scan(pilot, "UI-")
        await until(pilot, lambda: stock.query_one("#matches").display)
        second = stock.query_one("#matches").get_row_at(1)[0]
        await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: stock.sku == second)


async def test_reprint_keeps_the_focus_and_each_scan_replaces_the_text(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        reprint = await open_screen(pilot, app, "f8", ReprintScreen)
        field = reprint.query_one("#ref")
        await scan(pilot, "S005-999998")
        await until(pilot, lambda: "S005-999998" in text_of(app, "#message"))
        await scan(pilot, "S005-999999")
        await until(pilot, lambda: "S005-999999" in text_of(app, "#message"))
        assert field.value == "S005-999999" and app.focused is field
