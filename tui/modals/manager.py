"""A manager approves on the spot: id and PIN typed (or badge scanned) into a small dialog."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static


class ManagerApprovalDialog(ModalScreen[dict | None]):
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

    @on(Input.Submitted, "#manager-id")
    def id_entered(self) -> None:
        self.query_one("#manager-pin", Input).focus()

    @on(Input.Submitted, "#manager-pin")
    def pin_entered(self) -> None:
        manager_id = self.query_one("#manager-id", Input).value.strip()
        pin = self.query_one("#manager-pin", Input).value
        if manager_id and pin:
            self.dismiss({"id": manager_id, "pin": pin})

    def action_cancel(self) -> None:
        self.dismiss(None)
