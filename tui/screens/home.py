"""The store at a glance: link state, what is waiting to sync and for how long."""

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.age import describe_age
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.widgets.link_badge import OFFLINE, ONLINE, UNREACHABLE, LinkBadge

POLL_SECONDS = 2.0


class HomeScreen(Screen):
    BINDINGS = [
        Binding("f5", "refresh", "Refresh"),
        Binding("ctrl+l", "sign_out", "Sign out", priority=True),
        Binding("ctrl+q", "app.quit", "Quit", priority=True),
    ]
    DEFAULT_CSS = """
    HomeScreen { layout: vertical; }
    #top { height: 1; background: $panel; }
    #store { width: 1fr; text-style: bold; padding: 0 1; }
    #who { width: auto; padding: 0 1; color: $text-muted; }
    #body { padding: 1 2; height: 1fr; }
    #sync { border: round $accent; padding: 0 1; height: auto; max-width: 80; }
    #problem { color: $error; margin-top: 1; height: auto; }
    """

    def __init__(self, client: EdgeClient, associate: dict):
        super().__init__()
        self.client = client
        self.associate = associate
        self.store_label = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static("", id="store")
            yield Static(f"{self.associate['name']} ({self.associate['role']})", id="who")
            yield LinkBadge(id="link")
        with Vertical(id="body"):
            yield Static("Sync", id="sync")
            yield Static("", id="problem")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()
        self.set_interval(POLL_SECONDS, self.action_refresh)

    def action_refresh(self) -> None:
        self.poll()

    def action_sign_out(self) -> None:
        self.client.logout()
        self.dismiss("signed_out")

    @work(exclusive=True, group="poll")
    async def poll(self) -> None:
        badge = self.query_one(LinkBadge)
        problem = self.query_one("#problem", Static)
        try:
            health = await self.client.health()
            status = await self.client.sync_status()
        except EdgeUnreachable as e:
            badge.state = UNREACHABLE
            problem.update(f"{e} Retrying every {POLL_SECONDS:.0f} s …")
            return
        except EdgeError as e:
            if e.status == 401:
                self.client.logout()
                self.dismiss("expired")
                return
            problem.update(str(e))
            return
        problem.update("")
        self.query_one("#store", Static).update(f"{health['store_name']} · {health['store_id']}")
        badge.state = ONLINE if status["online"] else OFFLINE
        self.query_one("#sync", Static).update(self.describe_sync(status))

    @staticmethod
    def describe_sync(status: dict) -> str:
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
                f"applied at head office: #{status.get('applied_seq', 0)}")
