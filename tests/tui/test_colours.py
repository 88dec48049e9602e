"""Every text the counter shows stays readable in the dark and the light theme: the contrast of each character's
colour against its background, measured on the rendered screen, meets WCAG's 3:1 for bold and large text."""

import pytest

from tests.processes import ASSOCIATE
from tests.tui.pilot_helpers import scan, sign_in, until
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.widgets.link_badge import LinkBadge

READABLE = 3.0


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def unreadable(app) -> list[tuple[str, float]]:
    """Each run of visible text on the screen whose colour is too close to its background."""
    found = []
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if not any(ch.isalnum() for ch in segment.text) or style is None or style.color is None \
                    or style.bgcolor is None:
                continue  # borders, scrollbars and blanks are decoration, not text to read
            fg = style.color.get_truecolor(app.ansi_theme)
            bg = style.bgcolor.get_truecolor(app.ansi_theme)
            ratio = contrast(tuple(fg), tuple(bg))
            if ratio < READABLE:
                found.append((segment.text.strip(), round(ratio, 2)))
    return found


SCREENS = {"f2": "SellScreen", "f3": "StockScreen", "f4": "ReturnsScreen", "f6": "PickupsScreen",
           "f7": "ShipmentsScreen", "f8": "ReprintScreen", "f9": "PrintersScreen"}


# On the real network, as the counter usually is: online with nothing to sync.
@pytest.mark.slow
@pytest.mark.parametrize("theme", ["dark", "light"])
async def test_every_main_screen_every_link_state_and_an_error_read_well(shop, theme):
    app = StoreApp(EdgeClient(shop.url), theme=theme)
    seen: dict[str, list] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.screen.query("#associate"))
        seen["sign-in"] = unreadable(app)
        await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and app.sync is not None)
        await pilot.pause(0.3)
        seen["home"] = unreadable(app)
        badge = app.screen.query_one(LinkBadge)
        for state in ("online", "offline", "unreachable", "unknown"):
            badge.state = state
            await pilot.pause(0.05)
            seen[f"badge {state}"] = unreadable(app)
        for key, screen in SCREENS.items():
            await pilot.press(key)
            await until(pilot, lambda: type(app.screen).__name__ == screen)
            await pilot.pause(0.3)
            seen[screen] = unreadable(app)
            if screen == "SellScreen":
                await scan(pilot, "4006381333931")  # a barcode this store does not sell
                await until(pilot, lambda: "error" in app.screen.query_one("#message").classes)
                seen["a wrong scan"] = unreadable(app)
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, HomeScreen))
    assert {where: found for where, found in seen.items() if found} == {}
    assert len(seen) == 2 + 4 + len(SCREENS) + 1
