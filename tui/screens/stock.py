"""Stock at the counter: look a product up by barcode, SKU or name; its levels here, the ledger, the network's
figures; receive a delivery, adjust, count. Every change is one request with one Idempotency-Key."""

import uuid

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.age import describe_age
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.fields import focus_now
from tui.modals.form import FormDialog, FormField
from tui.text import shorten
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.scan_input import ScanInput
from tui.widgets.status_bar import StatusBar

ADJUST_REASONS = {"d": "damaged", "s": "shrink", "f": "found", "o": "other"}


def _whole(text: str, what: str, *, signed: bool = False) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{what} must be a whole number.") from None
    if not signed and value <= 0:
        raise ValueError(f"{what} must be more than 0.")
    if signed and value == 0:
        raise ValueError(f"{what} cannot be 0.")
    return value


def receive_form(sku: str) -> FormDialog:
    def build(v: dict) -> dict:
        if not v["reference"]:
            raise ValueError("Type the delivery note or transfer number.")
        return {"sku": sku, "qty": _whole(v["qty"], "Quantity"), "reference": v["reference"]}
    return FormDialog(f"Receive {sku}", [FormField("qty", "Units received", restrict=r"[0-9]*"),
                                         FormField("reference", "Delivery note / transfer number")], build)


def adjust_form(sku: str) -> FormDialog:
    def build(v: dict) -> dict:
        reason = ADJUST_REASONS.get(v["reason"][:1].lower())
        if reason is None:
            raise ValueError("Reason: d = damaged, s = shrink, f = found, o = other.")
        return {"sku": sku, "delta": _whole(v["delta"], "Change", signed=True), "reason": reason,
                "note": v["note"] or None}
    return FormDialog(f"Adjust {sku}", [FormField("delta", "Change of on-hand (−3 for three gone)", restrict=r"-?[0-9]*"),
                                        FormField("reason", "Reason: d damaged · s shrink · f found · o other"),
                                        FormField("note", "Note (optional)")], build)


def count_form(sku: str) -> FormDialog:
    def build(v: dict) -> dict:
        if not v["counted"].isdigit():
            raise ValueError("Counted must be a whole number, 0 or more.")
        return {"counts": [{"sku": sku, "counted": int(v["counted"])}], "reference": v["reference"] or None}
    return FormDialog(f"Count {sku}", [FormField("counted", "Units on the shelf", restrict=r"[0-9]*"),
                                       FormField("reference", "Count sheet (optional)")], build)


FORMS = {"receive": receive_form, "adjust": adjust_form, "count": count_form}


class StockScreen(ShowsFailures, SaysMessages, Screen):
    BINDINGS = [
        Binding("f3", "change('receive')", "Receive"),
        Binding("f4", "change('adjust')", "Adjust"),
        Binding("f6", "change('count')", "Count"),
        Binding("ctrl+r", "retry", "Retry", show=False),
        # The scan field keeps the focus; the arrows choose among several matches, Enter takes the chosen one.
        Binding("up", "choose_match(-1)", "Match up", show=False),
        Binding("down", "choose_match(1)", "Match down", show=False),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client
        self.sku: str | None = None
        self._matched: str | None = None  # the text whose matches are listed
        self._pending: tuple[str, dict, str] | None = None  # action, body, Idempotency-Key

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static("[b]Stock[/b] — scan a barcode, or type a SKU or part of a name", id="title")
            yield ScanInput(id="lookup", placeholder="scan or search", clear=False)
            yield DataTable(id="matches", cursor_type="row")
            yield Static("", id="levels")
            yield DataTable(id="ledger", cursor_type="row", zebra_stripes=True)
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#matches", DataTable).add_columns("SKU", "Name", "Barcode")
        self.query_one("#matches", DataTable).display = False
        self.query_one("#ledger", DataTable).add_columns("When", "Why", "On hand", "Reserved", "Damaged", "Who")
        focus_now(self.query_one("#lookup", ScanInput))

    @on(ScanInput.Scanned, "#lookup")
    def looked_up(self, event: ScanInput.Scanned) -> None:
        matches = self.query_one("#matches", DataTable)
        if matches.display and matches.row_count and event.code == self._matched:
            self.pick(matches)  # Enter again on the same text: the match chosen with the arrows
        elif event.code:
            self.search(event.code)

    def action_choose_match(self, step: int) -> None:
        matches = self.query_one("#matches", DataTable)
        if matches.display and matches.row_count:
            matches.move_cursor(row=max(0, min((matches.cursor_row or 0) + step, matches.row_count - 1)))

    def pick(self, matches: DataTable) -> None:
        row_key = matches.coordinate_to_cell_key(matches.cursor_coordinate).row_key
        matches.display, self._matched = False, None
        self.show_worker(row_key.value)

    @work(exit_on_error=False, exclusive=True, group="lookup")
    async def search(self, code: str) -> None:
        try:
            items = await self.client.search_products(code)
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        exact = [p for p in items if code in (p["sku"], p.get("gtin"))]
        matches = self.query_one("#matches", DataTable)
        matches.clear()
        self._matched = None
        if exact or len(items) == 1:
            matches.display = False
            await self.show((exact or items)[0]["sku"])
        elif not items:
            matches.display = False
            self.app.bell()
            self.say(f"Nothing in this store's catalog matches {code!r}.", error=True)
        else:
            for item in items:
                matches.add_row(item["sku"], item["name"], item.get("gtin") or "", key=item["sku"])
            matches.display, self._matched = True, code
            self.say(f"{len(items)} products match: pick one with ↑↓ and Enter, or scan.")

    @on(DataTable.RowSelected, "#matches")
    def picked(self, event: DataTable.RowSelected) -> None:
        self.pick(event.data_table)
        focus_now(self.query_one("#lookup", ScanInput))

    @work(exit_on_error=False, exclusive=True, group="lookup")
    async def show_worker(self, sku: str) -> None:
        await self.show(sku)

    async def show(self, sku: str) -> None:
        try:
            levels = await self.client.stock(sku)
            ledger = await self.client.ledger(levels["sku"])
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        self.sku = levels["sku"]
        network = await self.network_line(levels["sku"])
        self.query_one("#levels", Static).update(
            f"[b]{levels['name']}[/b]  {levels['sku']}\n"
            f"Here: on hand {levels['on_hand']} · reserved {levels['reserved']} · damaged {levels['damaged']} · "
            f"[b]available {levels['available']}[/b]\n{network}")
        table = self.query_one("#ledger", DataTable)
        table.clear()
        for row in ledger:
            table.add_row(describe_age(row.get("at")) + " ago",
                          shorten(f"{row.get('reason', '')} {row.get('reference') or ''}", 24),
                          _delta(row.get("on_hand_delta")), _delta(row.get("reserved_delta")),
                          _delta(row.get("damaged_delta")), shorten(row.get("actor", ""), 12))
        self.say("F3 receive · F4 adjust · F6 count")

    async def network_line(self, sku: str) -> str:
        try:
            atp = await self.client.network_atp(sku)
        except EdgeUnreachable:
            return "Network: the store agent did not answer."
        except EdgeError as e:
            return f"Network: {e}"
        figure = atp.get("network", {}).get("atp", atp.get("atp"))
        if atp.get("source") == "last_known" or atp.get("stale"):
            return f"Network available: {figure} (last known, {describe_age(atp.get('as_of'))} old — head office unreachable)"
        return f"Network available: {figure} (from head office)"

    def action_change(self, action: str) -> None:
        if self.sku is None:
            self.say("Look a product up first.", error=True)
            return
        self.change(action)

    @work(exit_on_error=False, exclusive=True, group="change")
    async def change(self, action: str) -> None:
        body = await self.app.push_screen_wait(FORMS[action](self.sku))
        if body is None:
            return
        self._pending = (action, body, str(uuid.uuid4()))
        await self.send()

    def action_retry(self) -> None:
        if self._pending is not None:
            self.retry_worker()

    @work(exit_on_error=False, exclusive=True, group="change")
    async def retry_worker(self) -> None:
        await self.send()

    async def send(self) -> None:
        action, body, key = self._pending
        try:
            await self.client.stock_change(action, body, key)
        except EdgeUnreachable:
            self.say(f"The store agent did not answer. Ctrl+R sends the same {action} again (it will not count twice).",
                     error=True)
            return
        except EdgeError as e:
            self._pending = None
            self.say(str(e), error=True)
            return
        self._pending = None
        await self.show(self.sku)
        self.say(f"{action.capitalize()} recorded.")

    def action_leave(self) -> None:
        self.dismiss(None)


def _delta(value) -> str:
    if not value:
        return ""
    return f"{value:+d}"
