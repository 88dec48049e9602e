"""A manager approves on the spot: id and PIN typed (or badge scanned) into a small dialog."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from tui.fields import EnterMovesOn, focus_now


class ManagerApprovalDialog(EnterMovesOn, ModalScreen[dict | None]):
    """Dismisses with `{id, pin}` or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, reason: str):
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"[b]Manager approval[/b]\n{self.reason}", id="why")
            yield Label("Manager id")
            yield Input(id="manager-id", placeholder="scan or type the manager's id")
            yield Label("PIN")
            yield Input(id="manager-pin", password=True, restrict=r"[0-9]*", max_length=8)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        focus_now(self.query_one("#manager-id", Input))
        self.app.release_keys()

    def moves_on(self, field: Input) -> bool:
        return bool(field.value.strip())

    def submit(self) -> None:
        manager_id = self.query_one("#manager-id", Input).value.strip()
        pin = self.query_one("#manager-pin", Input).value
        if manager_id and pin:
            self.dismiss({"id": manager_id, "pin": pin})

    def action_cancel(self) -> None:
        self.dismiss(None)
