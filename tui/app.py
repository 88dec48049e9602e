"""StoreApp: the counter UI of one store, a client of its edge agent.

The app polls the agent every two seconds for every screen, so the ONLINE/OFFLINE badge and the sync
backlog are always in sight, and a lapsed session brings the associate back to the sign-in.
"""

import dataclasses

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive
from textual.theme import BUILTIN_THEMES
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.commands import StoreCommands
from tui.failures import report_failure
from tui.fields import EnterMovesOn
from tui.modals.find_order import FindOrder
from tui.screens.fulfilments import PickupsScreen, ShipmentsScreen
from tui.screens.home import HomeScreen
from tui.screens.login import LoginScreen
from tui.screens.printing import PrintersScreen, ReprintScreen
from tui.screens.returns import ReturnsScreen
from tui.screens.sell import SellScreen
from tui.screens.stock import StockScreen
from tui.screens.transfers import TransfersScreen
from tui.widgets.link_badge import OFFLINE, ONLINE, UNKNOWN, UNREACHABLE
from tui.widgets.message_line import MessageLine

POLL_SECONDS = 2.0
# Textual paints its own colours; pick the set that suits the room (a bright shop floor reads light better).
# The light one is Textual's with darker footer keys (its blue keys on grey fall short of 3:1 contrast) and a darker
# warning text (its amber "N to sync" on the grey status bar reads at about 1.3:1; this one above 4.5:1).
LIGHT = dataclasses.replace(BUILTIN_THEMES["textual-light"], name="omnistore-light",
                            variables={**BUILTIN_THEMES["textual-light"].variables,
                                       "footer-key-foreground": "#004578", "text-warning": "#7a4100"})
THEMES = {"dark": "textual-dark", "light": LIGHT.name}
# Keys held for a dialog on its way are let go after this long at most, so the keyboard never goes dead.
HOLD_KEYS_AT_MOST = 3.0


class StoreApp(App):
    TITLE = "omnistore"
    CSS_PATH = "store.tcss"
    COMMANDS = App.COMMANDS | {StoreCommands}
    # Tab moves on before the next key is handled (a screen's own Tab would move it only after the keys already
    # typed reached the field being left).
    BINDINGS = [Binding("tab", "focus_next", show=False, priority=True),
                Binding("shift+tab", "focus_previous", show=False, priority=True),
                Binding("ctrl+f", "find_order", "Find order", priority=True, show=False,
                        tooltip="A pickup or ship-from-store order by its code, number, bag tag or name")]

    link_state: reactive[str] = reactive(UNKNOWN)
    sync: reactive[dict | None] = reactive(None, always_update=True)
    store_label: reactive[str] = reactive("")
    problem: reactive[str] = reactive("")

    def __init__(self, client: EdgeClient, login_hint: str | None = None, theme: str = "dark"):
        super().__init__()
        self.register_theme(LIGHT)
        self.theme = THEMES[theme]
        self.client = client
        self.login_hint = login_hint
        self.associate: dict | None = None
        # Parked baskets live as long as the counter runs, across screens and sign-ins (see docs/counter.md).
        self.parked_sales: list[dict] = []
        self._held_keys: list[events.Key] | None = None
        self._releasing = False
        self._holds = 0  # which hold a timer belongs to

    def on_mount(self) -> None:
        self.ask_for_login()
        self.set_interval(POLL_SECONDS, self.poll_status)

    def ask_for_login(self, message: str = "") -> None:
        self.associate = None
        self.push_screen(LoginScreen(self.client, self.login_hint, message), self.signed_in)

    def signed_in(self, associate: dict) -> None:
        self.associate = associate
        self.show(HomeScreen(self.client))
        self.poll_status()

    SCREENS_BY_NAME = {"sell": SellScreen, "stock": StockScreen, "returns": ReturnsScreen, "pickups": PickupsScreen,
                       "shipments": ShipmentsScreen, "reprint": ReprintScreen, "printers": PrintersScreen,
                       "transfers": TransfersScreen}

    def open_screen(self, name: str) -> None:
        """Go to a working screen from anywhere, through home, so Escape always leads back there."""
        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()
        if name in self.SCREENS_BY_NAME:
            self.show(self.SCREENS_BY_NAME[name](self.client))

    def show(self, screen, callback=None) -> None:
        """Push `screen`, holding the keys typed meanwhile until it is mounted and has put the focus in its field
        (an associate scans as soon as F2 is pressed)."""
        self.hold_keys()
        self.run_worker(self._release_when_mounted(self.push_screen(screen, callback)), exit_on_error=False)

    async def _release_when_mounted(self, mounted) -> None:
        try:
            await mounted
        finally:
            self.release_keys()

    def action_find_order(self, query: str = "") -> None:
        """From any screen once signed in: find an order and hand a pickup over."""
        if self.associate is None or isinstance(self.screen, FindOrder):
            return
        self.show(FindOrder(self.client, query), self._order_found)  # the scan that follows belongs to the dialog

    def _order_found(self, outcome: str | None) -> None:
        if outcome:
            lines = self.screen.query(MessageLine)
            lines.first().say(outcome, done=True) if lines else self.notify(outcome)

    def sign_out(self, message: str = "Signed out.") -> None:
        self.client.logout()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.ask_for_login(message)

    @work(exit_on_error=False, exclusive=True, group="status")
    async def poll_status(self) -> None:
        if self.associate is None:
            return
        try:
            health = await self.client.health()
            sync = await self.client.sync_status()
        except EdgeUnreachable as e:
            self.link_state = UNREACHABLE
            self.problem = f"{e} Retrying every {POLL_SECONDS:.0f} s …"
            return
        except EdgeError as e:
            if e.status == 401 and self.associate is not None:
                self.sign_out("Your session lapsed. Sign in again.")
                return
            self.problem = str(e)
            return
        self.problem = ""
        self.store_label = f"{health['store_name']} · {health['store_id']}"
        self.link_state = ONLINE if sync["online"] else OFFLINE
        self.sync = sync

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers never take the counter down (exit_on_error=False); a surprise is shown, logged, and work goes on.
        if event.state == WorkerState.ERROR:
            report_failure(self, event.worker)

    def hold_keys(self) -> None:
        """Keep the keys typed from now on for the dialog a worker is about to open (a scanner or a fast typist is
        quicker than the agent's answer); `release_keys` hands them to it, in order."""
        if self._held_keys is None:
            self._held_keys, self._holds = [], self._holds + 1
            hold = self._holds
            self.set_timer(HOLD_KEYS_AT_MOST, lambda: self._holds == hold and self.release_keys())

    def release_keys(self) -> None:
        """Let the held keys go to whatever has the focus now (call it once the dialog has taken the focus).

        Keys go on being held until the replay runs on the app's own queue: a key still waiting in that queue would
        otherwise overtake the ones held before it."""
        if self._held_keys is not None and not self._releasing:
            self._releasing = True
            self.call_later(self._replay)

    async def _replay(self) -> None:
        held, self._held_keys, self._releasing = self._held_keys or [], None, False
        for event in held:
            await self.on_event(event)  # a replayed key may start a hold of its own; the rest then waits too

    async def on_event(self, event: events.Event) -> None:
        if self._held_keys is not None and isinstance(event, events.Key) and not event.is_forwarded:
            self._held_keys.append(event)
            return
        if isinstance(event, events.Key) and event.key == "enter" and not event.is_forwarded \
                and isinstance(self.screen, EnterMovesOn) and isinstance(self.focused, Input):
            self.hold_keys()  # until the field has handled this Enter and the focus moved on (tui.fields)
        await super().on_event(event)

    async def on_unmount(self) -> None:
        await self.client.aclose()
