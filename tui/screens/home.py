"""The store at a glance: link state, what is waiting to sync and for how long, and where to go next."""

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.age import describe_age
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.open_work import summarise
from tui.widgets.message_line import MessageLine
from tui.widgets.status_bar import StatusBar


def describe_printers(printers: list[dict]) -> str:
    if not printers:
        return "Printers: none configured"
    parts = []
    for p in printers:
        if p.get("state") == "failing":
            parts.append(f"[b red]{p['name']} FAILING[/] ({p.get('queued', 0)} waiting: {p.get('last_error') or '?'})")
        else:
            parts.append(f"{p['name']} ok" + (f" ({p['queued']} printing)" if p.get("queued") else ""))
    return "Printers: " + " · ".join(parts)


def describe_sync(status: dict | None) -> str:
    if status is None:
        return "[b]Sync[/b]\nAsking the store agent …"
    backlog = status["backlog"]
    if backlog:
        waiting = f"{backlog} event{'s' if backlog != 1 else ''} waiting to sync"
        age = describe_age(status.get("oldest_unsent_at"))
        waiting += f", oldest {age} ago" if age else ""
    else:
        waiting = "Everything sent to head office"
    return (f"[b]Sync[/b]\n{waiting}\n"
            f"Last event written: #{status.get('last_seq', 0)}   "
            f"sent: #{status.get('last_acked_seq', 0)}   "
            f"applied at head office: #{status.get('applied_seq', 0)}\n"
            + describe_printers(status.get("printers") or []))


class HomeScreen(ShowsFailures, Screen):
    # The footer holds what fits in 80 columns; the line of keys on the screen names them all.
    BINDINGS = [
        Binding("f2", "sell", "Sell"),
        Binding("f3", "stock", "Stock"),
        Binding("f4", "returns", "Returns"),
        Binding("f6", "open('pickups')", "Pickup"),
        Binding("f7", "open('shipments')", "Ship"),
        Binding("f8", "open('reprint')", "Reprint"),
        Binding("f9", "open('printers')", "Printers"),
        Binding("f10", "open('transfers')", "Transfers", show=False,
                tooltip="Stock to send to or receive from another store"),
        Binding("f5", "refresh", "Refresh", show=False, tooltip="Ask the store agent for its state now"),
        Binding("ctrl+l", "sign_out", "Sign out", priority=True, show=False, tooltip="Leave the counter"),
        Binding("ctrl+q", "app.quit", "Quit", priority=True, show=False, tooltip="Close the counter program"),
    ]

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical(id="body"):
            yield Static(describe_sync(None), id="sync")
            yield Static("[b]Open work[/b]\n…", id="work")
            # Every key in full here: on an 80-column terminal the footer cannot hold them all.
            yield Static("F2 sell · F3 stock · F4 returns · F6 pickups · F7 ship from store · F8 reprint · "
                         "F9 printers · F10 transfers · F5 refresh · Ctrl+F find an order · Ctrl+L sign out · Ctrl+Q quit · Ctrl+P every action", id="keys")
            yield Static("", id="problem")
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # The app's state may change while this screen is being taken down: then there is nothing to update.
        self.watch(self.app, "sync", lambda sync: [s.update(describe_sync(sync)) for s in
                                                   self.query("#sync").results(Static)], init=True)
        self.watch(self.app, "problem", lambda text: [s.update(text) for s in self.query("#problem").results(Static)],
                   init=True)
        self.load_work()
        self.set_interval(5, self.load_work)

    @work(exit_on_error=False, exclusive=True, group="work")
    async def load_work(self) -> None:
        try:
            pickups = await self.client.fulfilments("pickup")
            shipments = await self.client.fulfilments("ship")
            tasks = await self.client.open_tasks()
        except (EdgeUnreachable, EdgeError):
            return  # the status bar already says what is wrong
        try:
            transfers = await self.client.transfers(open_only=True)
        except (EdgeUnreachable, EdgeError):
            transfers = None  # an agent of an older release has none: the rest still shows
        if self.is_attached:  # the associate may have moved on while the agent answered
            self.query_one("#work", Static).update(summarise(pickups, shipments, tasks, transfers=transfers))

    def action_refresh(self) -> None:
        self.app.poll_status()
        self.load_work()

    def action_sell(self) -> None:
        self.app.open_screen("sell")

    def action_stock(self) -> None:
        self.app.open_screen("stock")

    def action_returns(self) -> None:
        self.app.open_screen("returns")

    def action_open(self, name: str) -> None:
        self.app.open_screen(name)

    def action_sign_out(self) -> None:
        self.app.sign_out()
