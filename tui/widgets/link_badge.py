"""The store's link state, always in sight: ONLINE, OFFLINE (selling on, syncing later) or agent unreachable."""

from textual.reactive import reactive
from textual.widgets import Static

ONLINE, OFFLINE, UNREACHABLE, UNKNOWN = "online", "offline", "unreachable", "unknown"

_LABELS = {
    ONLINE: " ● ONLINE ",
    OFFLINE: " ● OFFLINE · selling on ",
    UNREACHABLE: " ▲ STORE AGENT UNREACHABLE ",
    UNKNOWN: " … CONNECTING ",
}


class LinkBadge(Static):
    DEFAULT_CSS = """
    LinkBadge { width: auto; text-style: bold; padding: 0 1; text-wrap: nowrap; }
    LinkBadge.online { background: $success; color: $text; }
    LinkBadge.offline { background: $warning; color: $text; }
    LinkBadge.unreachable { background: $error; color: $text; }
    LinkBadge.unknown { background: $panel; color: $text; }
    """

    state: reactive[str] = reactive(UNKNOWN)

    def watch_state(self, state: str) -> None:
        for name in _LABELS:
            self.set_class(name == state, name)
        self.update(_LABELS[state])
