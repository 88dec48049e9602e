"""A basket is never thrown away without asking, and a sale can be parked and recalled — several of them, across a
change of screen."""

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import scan, sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.basket import LeaveBasket, RecallBasket
from tui.screens.home import HomeScreen
from tui.screens.sell import SellScreen
from tui.screens.stock import StockScreen

TEE, MUG, TEA = PRODUCTS


async def selling(pilot, app) -> SellScreen:
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.press("f2")
    await until(pilot, lambda: isinstance(app.screen, SellScreen))
    return app.screen


def skus(sell: SellScreen) -> dict:
    return {line["sku"]: line["qty"] for line in sell.lines}


async def test_escape_and_a_new_sale_ask_before_throwing_a_basket_away(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        sell = await selling(pilot, app)
        await scan(pilot, MUG["gtin"])
        await until(pilot, lambda: len(sell.lines) == 1)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, LeaveBasket))
        await pilot.press("escape")  # keep selling
        await until(pilot, lambda: app.screen is sell)
        assert skus(sell) == {MUG["sku"]: 1}
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, LeaveBasket))
        await pilot.press("enter")  # yes, throw it away
        await until(pilot, lambda: app.screen is sell and sell.lines == [])
        await pilot.press("escape")  # an empty basket: nothing to ask
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_parked_sales_survive_a_stock_look_up_and_are_recalled_one_of_several(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        sell = await selling(pilot, app)
        await scan(pilot, f"2*{MUG['gtin']}")
        await until(pilot, lambda: len(sell.lines) == 1)
        await pilot.press("f5")  # the customer forgot something
        await until(pilot, lambda: sell.lines == [] and "Parked" in text_of(app, "#message"))
        await scan(pilot, TEA["gtin"])
        await until(pilot, lambda: len(sell.lines) == 1)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, LeaveBasket))
        await pilot.press("f5")  # leaving parks it
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, StockScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, SellScreen))
        sell = app.screen
        assert "2 parked" in text_of(app, "#total")
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, RecallBasket))
        await pilot.press("enter")  # the first one parked
        await until(pilot, lambda: app.screen is sell and skus(sell) == {MUG["sku"]: 2})
        await pilot.press("f6")  # the only one left: the basket on the counter is parked in its place
        await until(pilot, lambda: app.screen is sell and skus(sell) == {TEA["sku"]: 1})
        assert [p["lines"][0]["sku"] for p in app.parked_sales] == [MUG["sku"]]
