"""At 80 columns: the store, the ONLINE/OFFLINE badge and the backlog are never cut, the footer holds every key it
shows in full, a failed scan rings the bell, and the backlog reads well in the light theme."""

import pytest

from tests.processes import ASSOCIATE
from tests.tui.conftest import SHOP
from tests.tui.pilot_helpers import scan, sign_in, until
from tests.tui.test_colours import contrast
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.screens.sell import SellScreen
from tui.text import shorten

SCREENS = ["sell", "stock", "returns", "pickups", "shipments", "reprint", "printers", "transfers"]
READABLE_SMALL_TEXT = 4.5


def rows(app) -> list[str]:
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]


def footer_keys(screen) -> list[str]:
    """What the footer should show in full: each shown key as the footer writes it, with its description."""
    shown = []
    for key, active in screen.active_bindings.items():
        if active.binding.show and active.enabled:
            shown.append(f"{screen.app.get_key_display(active.binding)} {active.binding.description}")
    return shown


async def busy_offline_counter(pilot, app) -> None:
    """The in-process store is offline from the start and its opening stock waits to be sent: a backlog."""
    await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
    await until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.link_state == "offline"
                and (app.sync or {}).get("backlog"))
    app.associate = {**app.associate, "name": "Annegret-Friederike Lange-Oberhauser"}  # shown from the next screen


async def test_at_80_columns_nothing_that_matters_is_cut(store):
    app = StoreApp(EdgeClient(store.url))
    async with app.run_test(size=(80, 24)) as pilot:
        await busy_offline_counter(pilot, app)
        for name in ["home"] + SCREENS:
            if name != "home":
                app.open_screen(name)
            await until(pilot, lambda n=name: type(app.screen).__name__.lower().startswith(n[:5])
                        and len(rows(app)) == 24 and " to sync" in rows(app)[0] and rows(app)[-1].strip())
            await pilot.pause(0.2)
            top, bottom = rows(app)[0], rows(app)[-1]
            assert f"Ottensen · {SHOP}" in top, (name, top)
            assert f"{app.sync['backlog']} to sync" in top, (name, top)
            assert "● OFFLINE · selling on" in top and top.rstrip().endswith("selling on"), (name, top)
            assert name == "home" or "Annegret-Fr" in top and "…" in top  # the long name gave way
            for key in footer_keys(app.screen):
                assert key in bottom, (name, key, bottom)


async def test_a_failed_scan_rings_the_bell(store):
    app = StoreApp(EdgeClient(store.url))
    rung = []
    app.bell = lambda: rung.append(True)  # headless, the bell would write to no terminal
    async with app.run_test(size=(80, 24)) as pilot:
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, SellScreen))
        await scan(pilot, "0000000000000")
        await until(pilot, lambda: rung)


@pytest.mark.parametrize("theme", ["light", "dark"])
async def test_the_backlog_reads_well_in_both_themes(store, theme):
    app = StoreApp(EdgeClient(store.url), theme=theme)
    async with app.run_test(size=(100, 30)) as pilot:
        await busy_offline_counter(pilot, app)
        await until(pilot, lambda: rows(app) and "to sync" in rows(app)[0])
        await pilot.pause(0.2)
        ratios = [contrast(tuple(s.style.color.get_truecolor(app.ansi_theme)),
                           tuple(s.style.bgcolor.get_truecolor(app.ansi_theme)))
                  for s in app.screen._compositor.render_strips()[0] if "sync" in s.text]
        assert ratios and min(ratios) >= READABLE_SMALL_TEXT, ratios


def test_long_text_shortens_with_an_ellipsis():
    assert shorten("Organic cotton T-shirt, size M, in a gift box", 20) == "Organic cotton T-sh…"
    assert shorten("Mug", 20) == "Mug"
