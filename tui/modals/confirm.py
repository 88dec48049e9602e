"""A yes-or-no question before something that cannot be taken back: Enter goes ahead, Esc goes back."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class ConfirmDialog(ModalScreen[bool]):
    """Dismisses True to go ahead, False to go back; `question` says what will happen, `yes` names the action."""

    BINDINGS = [Binding("enter", "answer(True)", "Confirm", priority=True),
                Binding("f10", "answer(True)", "Confirm", show=False, priority=True),
                Binding("escape", "answer(False)", "Back", priority=True)]

    def __init__(self, title: str, question: str, yes: str = "Confirm"):
        super().__init__()
        self.title_text, self.question, self.yes = title, question, yes

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="title", markup=False)
            yield Static(self.question, id="question", markup=False)
            yield Static(f"Enter: {self.yes} · Esc: back", id="keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.app.release_keys()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
