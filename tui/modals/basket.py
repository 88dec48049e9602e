"""A basket is never thrown away by accident: leaving it asks (throw away, park, or keep selling), and parked baskets
are recalled from a short list."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static

from tui.fields import focus_now

DISCARD, PARK = "discard", "park"


class LeaveBasket(ModalScreen[str | None]):
    """Dismisses with DISCARD, PARK, or None (keep selling)."""

    BINDINGS = [Binding("enter", "answer('discard')", "Throw away", priority=True),
                Binding("f5", "answer('park')", "Park it", priority=True),
                Binding("escape", "answer('')", "Keep selling", priority=True)]

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"[b]This basket is not paid:[/b] {self.what}\n\n"
                         "Enter throws it away · F5 parks it for later · Esc keeps selling", id="question")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.release_keys()

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer or None)


class RecallBasket(ModalScreen[int | None]):
    """Dismisses with the index of the parked basket chosen, or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, labels: list[str]):
        super().__init__()
        self.labels = labels

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("[b]Parked sales[/b] — ↑↓ choose, Enter recalls", id="question")
            yield OptionList(*self.labels, id="parked")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        focus_now(self.query_one(OptionList))
        self.query_one(OptionList).highlighted = 0
        self.app.release_keys()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)
