"""Keys typed quickly are never lost nor sent to the wrong field: Enter and Tab move on as a scanner and a fast typist
expect, across a change of focus and across a dialog opening."""


from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import burst, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.sell import SellScreen

TEE, MUG, TEA = PRODUCTS


async def signed_in_by_burst(pilot, app, *parts: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.focused is not None)
    await burst(pilot, *parts)
    await until(pilot, lambda: isinstance(app.screen, HomeScreen))


async def test_an_id_and_pin_typed_in_one_burst_with_enter_sign_in(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in_by_burst(pilot, app, ASSOCIATE["id"], "<enter>", ASSOCIATE["pin"], "<enter>")


async def test_tab_moves_from_the_id_to_the_pin_even_when_typed_fast(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in_by_burst(pilot, app, ASSOCIATE["id"], "<tab>", ASSOCIATE["pin"], "<enter>")


async def test_shift_tab_goes_back_to_the_previous_field(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.focused is not None)
        await burst(pilot, "X", "<tab>", "1", "<shift+tab>")
        await until(pilot, lambda: app.screen.query_one("#pin").value == "1"
                    and app.focused is app.screen.query_one("#associate"))
        assert (app.screen.query_one("#associate").value, app.screen.query_one("#pin").value) == ("X", "1")


async def test_a_burst_of_twenty_scans_at_ten_ms_a_character_loses_none(store):
    app = StoreApp(EdgeClient(store.url))
    codes = [p["gtin"] for p in (TEE, MUG, TEA)]
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in_by_burst(pilot, app, ASSOCIATE["id"], "<enter>", ASSOCIATE["pin"], "<enter>")
        await burst(pilot, "<f2>")
        await until(pilot, lambda: isinstance(app.screen, SellScreen))
        sell = app.screen
        for n in range(20):
            await burst(pilot, codes[n % 3], "<enter>", gap=0.01)
        await until(pilot, lambda: sum(line["qty"] for line in sell.lines) == 20, timeout=10)
        assert {line["sku"]: line["qty"] for line in sell.lines} == {TEE["sku"]: 7, MUG["sku"]: 7, TEA["sku"]: 6}
        assert "20 items" in text_of(app, "#total") and app.focused is sell.query_one("#scan")


async def test_scans_arriving_back_to_back_stay_apart(store):
    """A terminal often hands over several scans in one read: the keys then reach the field with no gap at all, and
    each Enter must still close its own code before the next code's characters come in."""
    app = StoreApp(EdgeClient(store.url))
    codes = [p["gtin"] for p in (TEE, MUG, TEA)]
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in_by_burst(pilot, app, ASSOCIATE["id"], "<enter>", ASSOCIATE["pin"], "<enter>")
        await burst(pilot, "<f2>")
        await until(pilot, lambda: isinstance(app.screen, SellScreen))
        sell = app.screen
        await burst(pilot, *[part for n in range(6) for part in (codes[n % 3], "<enter>")])
        await until(pilot, lambda: sum(line["qty"] for line in sell.lines) == 6)
        assert {line["sku"]: line["qty"] for line in sell.lines} == {TEE["sku"]: 2, MUG["sku"]: 2, TEA["sku"]: 2}
        assert sell.query_one("#scan").value == ""
