"""Transfers between stores at the counter: the lists "To send" (picked by scanning, shipped with F10, a transfer
slip prints) and "To receive" (counted in by scanning, received with F10); Enter opens one to count
(tui.screens.transfer_count), F4 rejects a transfer to send."""

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.approval import PendingRequest
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.fields import focus_now
from tui.modals.form import FormDialog, FormField
from tui.screens.transfer_count import ReceiveScreen, ShipScreen, short_id
from tui.text import shorten
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.status_bar import StatusBar

REJECT_REASONS = {"n": "not_found", "d": "damaged", "o": "other"}


def items_text(transfer: dict) -> str:
    return ", ".join(f"{line['qty']}×{line['sku']}" for line in transfer["lines"])


def reject_form(transfer_id: str) -> FormDialog:
    def build(v: dict) -> dict:
        reason = REJECT_REASONS.get(v["reason"][:1].lower())
        if reason is None:
            raise ValueError("Reason: n not found · d damaged · o other.")
        return {"reason": reason}
    return FormDialog(f"Reject transfer {short_id(transfer_id)}: none of it can be sent",
                      [FormField("reason", "n not found · d damaged · o other")], build)


class TransfersScreen(ShowsFailures, SaysMessages, Screen):
    BINDINGS = [
        # Enter on a row opens it too (the list's own Enter, which keeps it out of the footer).
        Binding("f3", "open_transfer", "Open"),
        Binding("f4", "reject", "Reject", tooltip="None of the chosen transfer to send can be sent"),
        Binding("f5", "reload", "Refresh"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client
        self.lists: dict[str, list[dict]] = {"out": [], "in": []}

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static("[b]Transfers[/b] — ↑↓ choose · Tab the other list · Enter opens it to scan", id="title")
            yield Static("To send", classes="heading", id="out-heading")
            yield DataTable(id="out", cursor_type="row", zebra_stripes=True)
            yield Static("To receive", classes="heading", id="in-heading")
            yield DataTable(id="in", cursor_type="row", zebra_stripes=True)
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#out", DataTable).add_columns("Transfer", "To", "Units", "Items")
        self.query_one("#in", DataTable).add_columns("Transfer", "From", "Units", "Carrier", "Items")
        focus_now(self.query_one("#out", DataTable))
        self.reload()
        self.set_interval(5, self.reload)

    def action_reload(self) -> None:
        self.reload()

    @work(exit_on_error=False, exclusive=True, group="reload")
    async def reload(self) -> None:
        try:
            waiting = await self.client.transfers(open_only=True)
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        if not self.is_attached:
            return
        for direction in ("out", "in"):
            self.lists[direction] = [t for t in waiting if t["direction"] == direction]
            table = self.query_one(f"#{direction}", DataTable)
            row = table.cursor_row
            table.clear()
            for t in self.lists[direction]:
                there = shorten(t["to_name"] if direction == "out" else t["from_name"] or t["from_node"], 16)
                cells = [short_id(t["transfer_id"]), there, str(t["units"])]
                if direction == "in":
                    cells.append(shorten(t.get("carrier") or "", 10))
                table.add_row(*cells, shorten(items_text(t), 30), key=t["transfer_id"])
            if row is not None and self.lists[direction]:
                table.move_cursor(row=min(row, len(self.lists[direction]) - 1))
            count = len(self.lists[direction])
            self.query_one(f"#{direction}-heading", Static).update(
                f"[b]{'To send' if direction == 'out' else 'To receive'}[/b] ({count or 'none'})")

    def chosen(self) -> dict | None:
        """The transfer under the cursor of the list that has the focus (To send, if neither has)."""
        table = self.focused if isinstance(self.focused, DataTable) else self.query_one("#out", DataTable)
        items = self.lists[table.id]
        if not items or table.cursor_row is None:
            return None
        return items[min(table.cursor_row, len(items) - 1)]

    @on(DataTable.RowSelected)
    def row_selected(self, _: DataTable.RowSelected) -> None:
        self.action_open_transfer()

    def action_open_transfer(self) -> None:
        transfer = self.chosen()
        if transfer is None:
            self.say("Nothing to open: the list is empty.", error=True)
            return
        screen = ShipScreen if transfer["direction"] == "out" else ReceiveScreen
        self.app.show(screen(self.client, transfer), self.counted)

    def counted(self, outcome: str | None) -> None:
        if outcome:
            self.say(outcome, done=True)
        self.reload()

    def action_reject(self) -> None:
        transfer = self.chosen()
        if transfer is None or transfer["direction"] != "out":
            self.say("Choose a transfer to send (only those can be rejected).", error=True)
            return
        self.app.hold_keys()
        self.reject(transfer)

    @work(exit_on_error=False, exclusive=True, group="step")
    async def reject(self, transfer: dict) -> None:
        body = await self.app.push_screen_wait(reject_form(transfer["transfer_id"]))
        if body is None:
            return
        request = PendingRequest(body)
        try:
            await self.client.transfer_step(transfer["transfer_id"], "reject", request.body, request.key)
        except EdgeUnreachable:
            self.say("The store agent did not answer; nothing was rejected. Try F4 again.", error=True)
            return
        except EdgeError as e:
            self.say(str(e), error=True)
            return
        self.say(f"Transfer {short_id(transfer['transfer_id'])} rejected ({body['reason']}).", done=True)
        self.reload()

    def action_leave(self) -> None:
        self.dismiss(None)
