"""The counter UI and its edge agent: sign-in, the link badge following NATS, recovery from a lost agent.

What needs the agent's NATS link or its process (online, offline, unreachable) runs against a real agent process.
"""

from datetime import datetime, timedelta, timezone

import pytest
from textual.command import CommandPalette
from textual.widgets import Input

from tests.processes import ASSOCIATE, EdgeProcess
from tests.tui.pilot_helpers import keys, palette_offers, sign_in, text_of, until
from tui.age import describe_age
from tui.app import StoreApp
from tui.client import EdgeClient
from tui.screens.home import HomeScreen
from tui.screens.stock import StockScreen
from tui.widgets.link_badge import OFFLINE, ONLINE, UNREACHABLE, LinkBadge


def badge_state(app) -> str | None:
    """The link badge's state; None while the screen shown has no badge yet (home mounts it just after the switch
    to home, which a busy machine can show between two looks)."""
    badges = app.screen.query(LinkBadge)
    return badges.first().state if badges else None


@pytest.fixture
def edge(tmp_path, nats_up):
    process = EdgeProcess(tmp_path, "S006", nats_up, name="Altona").start()
    yield process
    process.stop()


class TestSignIn:
    async def test_a_wrong_pin_says_so_and_keeps_the_associate_at_the_sign_in(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: "Ottensen" in text_of(app, "#store"))
            await sign_in(pilot, ASSOCIATE["id"], "0000")
            await until(pilot, lambda: "PIN" in text_of(app, "#message") or "not" in text_of(app, "#message"))
            assert not isinstance(app.screen, HomeScreen)
            assert app.screen.query_one("#pin", Input).value == ""

    @pytest.mark.slow
    async def test_the_home_screen_shows_the_store_online_and_its_sync_state(self, edge):
        app = StoreApp(EdgeClient(edge.url))
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
            await until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await until(pilot, lambda: badge_state(app) == ONLINE)
            assert "Altona" in text_of(app, "#store")
            assert "Ana Lange" in text_of(app, "#who")
            await until(pilot, lambda: "Everything sent" in text_of(app, "#sync"))


class TestLinkState:
    @pytest.mark.slow
    async def test_the_badge_turns_offline_when_nats_stops_and_back_online_after(self, edge, nats_up):
        app = StoreApp(EdgeClient(edge.url))
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
            await until(pilot, lambda: isinstance(app.screen, HomeScreen) and badge_state(app) == ONLINE)
            nats_up.stop()
            try:
                await until(pilot, lambda: badge_state(app) == OFFLINE)
            finally:
                nats_up.start()
            await until(pilot, lambda: badge_state(app) == ONLINE)

    @pytest.mark.slow
    async def test_an_unreachable_agent_is_shown_and_the_app_recovers_by_itself(self, tmp_path, nats_up):
        process = EdgeProcess(tmp_path, "S007", nats_up, name="Eppendorf")
        app = StoreApp(EdgeClient(process.url))
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: "does not answer" in text_of(app, "#message"))
            process.start()
            try:
                await until(pilot, lambda: "Eppendorf" in text_of(app, "#store"))
                assert "does not answer" not in text_of(app, "#message")
                await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
                await until(pilot, lambda: isinstance(app.screen, HomeScreen))
                process.stop()
                await until(pilot, lambda: badge_state(app) == UNREACHABLE)
                process.start()
                await until(pilot, lambda: badge_state(app) == ONLINE)
            finally:
                process.stop()


class TestAges:
    @pytest.mark.parametrize("seconds, text", [(5, "5 s"), (125, "2 min"), (3600 * 3 + 300, "3 h 5 min"),
                                               (86400 * 2, "2 days")])
    def test_ages_read_as_an_associate_says_them(self, seconds, text):
        now = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)
        assert describe_age(now - timedelta(seconds=seconds), now) == text

    def test_nothing_to_age_is_empty(self):
        assert describe_age(None) == ""


class TestCommandPalette:
    async def test_the_palette_reaches_the_stock_screen(self, store):
        app = StoreApp(EdgeClient(store.url))
        async with app.run_test(size=(80, 24)) as pilot:
            await sign_in(pilot, ASSOCIATE["id"], ASSOCIATE["pin"])
            await until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("ctrl+p")
            await until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await keys(pilot, "Stock")
            await until(pilot, lambda: palette_offers(app, "Stock"))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, StockScreen))
