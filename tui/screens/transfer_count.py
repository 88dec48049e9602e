"""A transfer opened at the counter, counted by scanning: each scan counts one unit of the line whose SKU or barcode
(GTIN) it is (`3*SKU` three), F3 types the chosen line's count, F10 ships or receives it. A short shipment or a
receipt that differs from what was shipped is confirmed first; the request keeps its Idempotency-Key until the agent
answers, so F10 after a timeout sends exactly the same again."""

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
from tui.modals.confirm import ConfirmDialog
from tui.modals.form import FormDialog, FormField
from tui.text import shorten
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.scan_input import ScanInput
from tui.widgets.status_bar import StatusBar


def short_id(transfer_id: str) -> str:
    """A transfer id short enough for a table cell: its end tells transfers apart (ids are time-ordered)."""
    return transfer_id if len(transfer_id) <= 14 else f"{transfer_id[:3]}…{transfer_id[-8:]}"



class TransferCount(ShowsFailures, SaysMessages, Screen[str | None]):
    """One transfer counted by scanning; subclasses name the step and the figure counted against."""

    step = "ship"
    expected_label = "Asked"
    done_word = "shipped"

    def __init__(self, client: EdgeClient, transfer: dict):
        super().__init__()
        self.client, self.transfer = client, transfer
        self.expected = {line["sku"]: line["qty"] for line in transfer["lines"]}
        self.names = {line["sku"]: line.get("name") or line["sku"] for line in transfer["lines"]}
        self.codes = {code: line["sku"] for line in transfer["lines"] for code in (line["sku"], line.get("gtin"))
                      if code}
        self.counts = {sku: 0 for sku in self.expected}
        self.extra: dict = {}  # what the step sends besides the lines (a carrier)
        self._pending: PendingRequest | None = None  # sent, not yet answered: F10 sends exactly this again

    def title_text(self) -> str:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static(self.title_text(), id="title", markup=False)
            yield ScanInput(id="scan", placeholder="scan each unit (3*SKU for three)")
            yield DataTable(id="lines", cursor_type="row", zebra_stripes=True)
            yield Static("", id="summary")
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("SKU", "Item", self.expected_label, "Counted", "Left")
        focus_now(self.query_one("#scan", ScanInput))
        self.show_counts()

    def show_counts(self, chosen: str | None = None) -> None:
        table = self.query_one(DataTable)
        row = list(self.expected).index(chosen) if chosen else table.cursor_row
        table.clear()
        for sku, expected in self.expected.items():
            left = expected - self.counts[sku]
            table.add_row(sku, shorten(self.names[sku], 28), str(expected), str(self.counts[sku]),
                          str(left) if left >= 0 else f"+{-left}", key=sku)
        table.move_cursor(row=max(0, min(row or 0, len(self.expected) - 1)))
        counted, expected = sum(self.counts.values()), sum(self.expected.values())
        self.query_one("#summary", Static).update(f"Counted {counted} of {expected} units")

    def differences(self) -> list[tuple[str, int, int]]:
        return [(sku, expected, self.counts[sku]) for sku, expected in self.expected.items()
                if self.counts[sku] != expected]

    @on(ScanInput.Scanned, "#scan")
    def scanned(self, event: ScanInput.Scanned) -> None:
        if not event.code:
            return
        sku = self.codes.get(event.code)
        if sku is None:
            self.app.bell()
            self.say(f"{event.code} is not on this transfer: set it aside. This transfer carries "
                     f"{', '.join(self.expected)}.", error=True)
            return
        self.set_count(sku, self.counts[sku] + event.qty)

    def set_count(self, sku: str, units: int) -> None:
        if not self.allowed(sku, units):
            return
        self.counts[sku] = units
        self._pending = None  # another count is another request
        self.show_counts(chosen=sku)
        self.say(f"{sku}: {units} of {self.expected[sku]}" + self.remark(sku, units), done=units == self.expected[sku])

    def allowed(self, sku: str, units: int) -> bool:
        return True

    def remark(self, sku: str, units: int) -> str:
        return ""

    def chosen_sku(self) -> str:
        table = self.query_one(DataTable)
        return list(self.expected)[min(table.cursor_row or 0, len(self.expected) - 1)]

    def action_choose_line(self, step: int) -> None:
        table = self.query_one(DataTable)
        table.move_cursor(row=max(0, min((table.cursor_row or 0) + step, len(self.expected) - 1)))

    def action_type_count(self) -> None:
        if not self.expected:
            self.say("This transfer has no lines to count.", error=True)
            return
        self.app.hold_keys()  # the count typed next belongs to the dialog on its way
        self.type_count()

    @work(exit_on_error=False, exclusive=True, group="form")
    async def type_count(self) -> None:
        sku = self.chosen_sku()
        body = await self.app.push_screen_wait(FormDialog(
            f"Count of {sku} ({self.expected_label.lower()} {self.expected[sku]})",
            [FormField("units", "Units counted", placeholder=f"{self.counts[sku]} so far", restrict=r"[0-9]{0,7}")],
            lambda v: {"units": int(v["units"]) if v["units"] else self.counts[sku]}))
        if body is not None:
            self.set_count(sku, body["units"])
        focus_now(self.query_one("#scan", ScanInput))

    def confirm_text(self, found: list[tuple[str, int, int]]) -> tuple[str, str, str]:
        """The title, question and the name of the yes of the dialog confirming a count that differs."""
        raise NotImplementedError

    def ready(self) -> str | None:
        """Why the count cannot be sent as it is, or None."""
        return None

    def action_finish(self) -> None:
        if self._pending is None and self.ready() is None and self.differences():
            self.app.hold_keys()  # Enter or Esc typed next answers the dialog on its way
        self.finish()

    # Exclusive: a second F10 while the first waits for the agent takes its place, with the same Idempotency-Key.
    @work(exit_on_error=False, exclusive=True, group="send")
    async def finish(self) -> None:
        if self._pending is None:
            problem = self.ready()
            if problem:
                self.app.bell()
                self.say(problem, error=True)
                return
            found = self.differences()
            if found:
                title, question, yes = self.confirm_text(found)
                if not await self.app.push_screen_wait(ConfirmDialog(title, question, yes)):
                    self.say(f"Nothing {self.done_word}: go on counting, or F10 again.")
                    focus_now(self.query_one("#scan", ScanInput))
                    return
            self._pending = PendingRequest(self.body(confirmed=bool(found)))
        await self.send()

    def body(self, confirmed: bool) -> dict:
        raise NotImplementedError

    async def send(self) -> None:
        request = self._pending
        try:
            answer = await self.client.transfer_step(self.transfer["transfer_id"], self.step, request.body,
                                                     request.key)
        except EdgeUnreachable:
            self.say(f"The store agent did not answer. F10 sends the same again (nothing is {self.done_word} "
                     "twice).", error=True)
            return
        except EdgeError as e:
            self._pending = None
            self.app.bell()
            self.say(str(e), error=True)
            return
        self.dismiss(self.outcome(answer))

    def outcome(self, answer: dict) -> str:
        raise NotImplementedError

    def action_leave(self) -> None:
        self.dismiss(f"Transfer {short_id(self.transfer['transfer_id'])}: nothing {self.done_word}."
                     if self._pending is None else None)


_COUNT_KEYS = [
    Binding("f3", "type_count", "Type count", priority=True, tooltip="Type the chosen line's count"),
    Binding("up", "choose_line(-1)", "Line up", show=False),
    Binding("down", "choose_line(1)", "Line down", show=False),
    Binding("escape", "leave", "Back"),
]


class ShipScreen(TransferCount):
    step, expected_label, done_word = "ship", "Asked", "shipped"
    BINDINGS = [Binding("f10", "finish", "Ship", priority=True),
                Binding("f6", "carrier", "Carrier", priority=True, tooltip="Carrier and tracking number (optional)"),
                *_COUNT_KEYS]

    def title_text(self) -> str:
        t = self.transfer
        return f"Ship {t['transfer_id']} to {t['to_name'] or t['to_node']} ({t['to_node']}) — scan each unit"

    def allowed(self, sku: str, units: int) -> bool:
        if units > self.expected[sku]:
            self.app.bell()
            self.say(f"Only {self.expected[sku]} of {sku} were asked for: that unit is not counted; set it aside.",
                     error=True)
            return False
        return True

    def ready(self) -> str | None:
        if not any(self.counts.values()):
            return "Nothing counted yet: scan the units. If none can be sent, go back (Esc) and reject it (F4)."
        return None

    def confirm_text(self, found: list[tuple[str, int, int]]) -> tuple[str, str, str]:
        short = ", ".join(f"{expected - counted} of {expected} {sku}" for sku, expected, counted in found)
        return (f"Ship {short_id(self.transfer['transfer_id'])} short?",
                f"Not in this shipment: {short}. The units not shipped leave the books and their SKUs are put on "
                "the count list.", "ship short")

    def action_carrier(self) -> None:
        self.app.hold_keys()
        self.ask_carrier()

    @work(exit_on_error=False, exclusive=True, group="form")
    async def ask_carrier(self) -> None:
        body = await self.app.push_screen_wait(FormDialog(
            "Carrier (optional)", [FormField("carrier", "Carrier", value=self.extra.get("carrier", "")),
                                   FormField("tracking", "Tracking number (scan the label)",
                                             value=self.extra.get("tracking_number", ""))],
            lambda v: {"carrier": v["carrier"], "tracking_number": v["tracking"]}))
        if body is not None:
            self.extra = {key: value for key, value in body.items() if value}
            self._pending = None
            self.say("Carrier: " + (" ".join(self.extra.values()) or "none"))
        focus_now(self.query_one("#scan", ScanInput))

    def body(self, confirmed: bool) -> dict:
        return {"lines": [{"sku": sku, "qty": n} for sku, n in self.counts.items()], "confirmed_short": confirmed,
                **self.extra}

    def outcome(self, answer: dict) -> str:
        shipped = sum(line.get("shipped") or 0 for line in answer["lines"])
        return (f"Transfer {short_id(answer['transfer_id'])} shipped: {shipped} units to {answer['to_name']}; "
                "the transfer slip is printing.")


class ReceiveScreen(TransferCount):
    step, expected_label, done_word = "receive", "Shipped", "received"
    BINDINGS = [Binding("f10", "finish", "Receive", priority=True), *_COUNT_KEYS]

    def title_text(self) -> str:
        t = self.transfer
        return f"Receive {t['transfer_id']} from {t['from_name'] or t['from_node']} ({t['from_node']}) — scan each unit"

    def remark(self, sku: str, units: int) -> str:
        more = units - self.expected[sku]
        return f" — {more} more than shipped" if more > 0 else ""

    def confirm_text(self, found: list[tuple[str, int, int]]) -> tuple[str, str, str]:
        parts = [f"{sku}: {counted} counted for {expected} shipped" for sku, expected, counted in found]
        return (f"Receive {short_id(self.transfer['transfer_id'])} as counted?",
                f"{'; '.join(parts)}. Head office follows the difference up.", "receive as counted")

    def body(self, confirmed: bool) -> dict:
        return {"lines": [{"sku": sku, "qty": n} for sku, n in self.counts.items()],
                "confirmed_difference": confirmed}

    def outcome(self, answer: dict) -> str:
        received = sum(line.get("received") or 0 for line in answer["lines"])
        return f"Transfer {short_id(answer['transfer_id'])} received: {received} units are on the shelf."
