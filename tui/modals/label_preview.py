"""The shipping label as it will print, shown before the order ships: Enter prints it and ships, Esc goes back."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class LabelPreviewDialog(ModalScreen[bool]):
    """Dismisses True to print the label and ship, False to go back to the order."""

    BINDINGS = [Binding("enter", "ship", "Print & ship", priority=True),
                Binding("f10", "ship", "Print & ship", show=False, priority=True),
                Binding("escape", "back", "Back")]

    def __init__(self, order_id: str, label_text: str):
        super().__init__()
        self.order_id, self.label_text = order_id, label_text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"Label for order {self.order_id} — check the address", id="title")
            with VerticalScroll(id="label"):
                yield Static(self.label_text, id="label-text", markup=False)
        yield Footer(compact=True)

    def action_ship(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
