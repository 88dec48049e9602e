"""The line at the top of every working screen: store, associate, sync backlog, and the link badge."""

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.age import describe_age
from tui.widgets.link_badge import LinkBadge


def backlog_text(sync: dict | None) -> str:
    if not sync or not sync.get("backlog"):
        return ""
    age = describe_age(sync.get("oldest_unsent_at"))
    return f"{sync['backlog']} to sync" + (f" ({age})" if age else "")


class StatusBar(Horizontal):
    # At 80 columns the store, the backlog and the link badge keep their full width; who is signed in shortens
    # with an ellipsis. The backlog's colour is the theme's warning text, readable on the panel in both themes.
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; }
    StatusBar #store { width: auto; text-style: bold; padding: 0 1; text-wrap: nowrap; }
    StatusBar #who { width: 1fr; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    StatusBar #backlog { width: auto; padding: 0 1; color: $text-warning; text-style: bold; text-wrap: nowrap; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="store")
        yield Static("", id="who")
        yield Static("", id="backlog")
        yield LinkBadge(id="link")

    def on_mount(self) -> None:
        # The app polls the agent once for every screen; each bar follows the app's state.
        self.watch(self.app, "link_state", self._link, init=True)
        self.watch(self.app, "sync", self._sync, init=True)
        self.watch(self.app, "store_label", self._store, init=True)
        associate = getattr(self.app, "associate", None)
        for who in self.query("#who").results(Static) if associate else []:
            who.update(f"{associate['name']} ({associate['role']})")

    # The app's state may change while this bar is being put up or taken down: then there is nothing to update.
    def _link(self, state: str) -> None:
        for badge in self.query(LinkBadge):
            badge.state = state

    def _sync(self, sync: dict | None) -> None:
        for backlog in self.query("#backlog").results(Static):
            backlog.update(backlog_text(sync))

    def _store(self, label: str) -> None:
        for store in self.query("#store").results(Static):
            store.update(label)
