"""Stock at the counter through the real app: look up, receive, adjust, count — and the ledger says why."""

from textual.widgets import DataTable

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import keys, scan, sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.form import FormDialog
from tui.screens.home import HomeScreen
from tui.screens.stock import StockScreen

TEE, MUG, TEA = PRODUCTS


async def open_stock(pilot, app) -> StockScreen:
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    await pilot.press("f3")
    await until(pilot, lambda: isinstance(app.screen, StockScreen))
    return app.screen


async def test_a_scanned_barcode_shows_the_levels_and_the_ledger(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        stock = await open_stock(pilot, app)
        await scan(pilot, MUG["gtin"])
        await until(pilot, lambda: stock.sku == MUG["sku"])
        assert "Enamel mug" in text_of(app, "#levels") and "on hand" in text_of(app, "#levels")
        assert stock.query_one("#ledger", DataTable).row_count >= 1


async def test_a_name_with_several_matches_offers_a_choice(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        stock = await open_stock(pilot, app)
        await scan(pilot, "UI-")
        await until(pilot, lambda: stock.query_one("#matches", DataTable).row_count == len(PRODUCTS))
        await pilot.press("down", "enter")
        await until(pilot, lambda: stock.sku is not None)


async def test_receiving_and_counting_change_the_levels_once_each(store):
    before = store.on_hand(TEA["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        stock = await open_stock(pilot, app)
        await scan(pilot, TEA["sku"])
        await until(pilot, lambda: stock.sku == TEA["sku"])
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await keys(pilot, "12", "<enter>", "DN-7781", "<enter>")
        await until(pilot, lambda: "Receive recorded" in text_of(app, "#message"))
        assert store.on_hand(TEA["sku"]) == before + 12

        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await keys(pilot, "abc", "<enter>", "<enter>")  # restricted to digits: nothing typed, a clear error
        await until(pilot, lambda: "whole number" in text_of(app, "#error"))
        await pilot.click("#counted")
        await keys(pilot, "5", "<enter>", "<enter>")
        await until(pilot, lambda: "Count recorded" in text_of(app, "#message"))
        assert store.on_hand(TEA["sku"]) == 5


async def test_an_adjustment_needs_a_known_reason(store):
    before = store.on_hand(MUG["sku"])
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(100, 30)) as pilot:
        stock = await open_stock(pilot, app)
        await scan(pilot, MUG["gtin"])
        await until(pilot, lambda: stock.sku == MUG["sku"])
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, FormDialog))
        await pilot.press("-", "2", "enter", "x", "enter", "enter")
        await until(pilot, lambda: "Reason" in text_of(app, "#error"))
        reason = app.screen.query_one("#reason")
        reason.value = ""
        await pilot.click("#reason")
        await pilot.press("d", "enter", "enter")
        await until(pilot, lambda: "Adjust recorded" in text_of(app, "#message"))
    assert store.on_hand(MUG["sku"]) == before - 2
