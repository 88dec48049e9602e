"""How the main screens look at 80×24 (and the sell screen larger). The sign-in against the in-process agent;
the others against the real network, whose link and sync state the status bar shows (ONLINE, nothing to sync).

Update after an intended change with `uv run pytest tests/tui/test_snapshots.py --snapshot-update`.
"""

import pytest

from tests.processes import ASSOCIATE
from tests.tui.conftest import PRODUCTS
from tests.tui.pilot_helpers import scan, sign_in, text_of, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.modals.payment import Payment
from tui.screens.home import HomeScreen
from tui.screens.sell import SellScreen

TEE, MUG, TEA = PRODUCTS


async def settled_home(pilot) -> None:
    app = pilot.app
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.link_state == "online"
                and app.sync is not None and app.sync["applied_seq"] == app.sync["last_seq"]
                and "Pickups to prepare" in text_of(app, "#work"))
    await pilot.pause(0.2)


def test_the_sign_in_screen(store, snap_compare):
    async def store_name_shown(pilot):
        await until(pilot, lambda: "Ottensen" in text_of(pilot.app, "#store"))
    assert snap_compare(StoreApp(EdgeClient(store.url)), terminal_size=(80, 24), run_before=store_name_shown)


@pytest.mark.slow
def test_the_home_screen(shop, snap_compare):
    assert snap_compare(StoreApp(EdgeClient(shop.edge.url)), terminal_size=(80, 24), run_before=settled_home)


@pytest.mark.slow
def test_the_home_screen_in_the_light_theme(shop, snap_compare):
    app = StoreApp(EdgeClient(shop.edge.url), theme="light")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled_home)


@pytest.mark.slow
def test_the_sell_screen_with_two_lines(shop, snap_compare):
    async def two_lines(pilot):
        await settled_home(pilot)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pilot.app.screen, SellScreen))
        await scan(pilot, TEE["gtin"])
        await scan(pilot, f"2*{MUG['sku']}")
        await until(pilot, lambda: len(pilot.app.screen.lines) == 2)
        await pilot.pause(0.2)
    assert snap_compare(StoreApp(EdgeClient(shop.edge.url)), terminal_size=(100, 30), run_before=two_lines)


@pytest.mark.slow
def test_the_payment_dialog(shop, snap_compare):
    async def paying(pilot):
        await settled_home(pilot)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(pilot.app.screen, SellScreen))
        await scan(pilot, TEA["gtin"])
        await until(pilot, lambda: len(pilot.app.screen.lines) == 1)
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(pilot.app.screen, Payment))
        await pilot.pause(0.2)
    assert snap_compare(StoreApp(EdgeClient(shop.edge.url)), terminal_size=(80, 24), run_before=paying)
