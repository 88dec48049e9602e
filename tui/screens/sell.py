"""Selling at the counter: scan lines, take payment, hand over the receipt.

Each sale attempt carries one Idempotency-Key, kept until the agent answers: a retry after a timeout
is the same sale, never a second one.
"""

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui import money
from tui.approval import NotApproved, PendingRequest, send_with_manager
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.modals.form import FormDialog, FormField
from tui.modals.payment import Payment
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.scan_input import ScanInput
from tui.widgets.status_bar import StatusBar


def sale_line(line: dict) -> dict:
    body = {"sku": line["sku"], "qty": line["qty"]}
    if line["price"] != line["catalog_price"]:
        body.update(price_override=line["price"], override_reason=line.get("override_reason") or "price override")
    return body


class SellScreen(SaysMessages, Screen):
    BINDINGS = [
        Binding("f10", "pay", "Pay", priority=True),
        Binding("f8", "remove_line", "Remove line", priority=True),
        Binding("delete", "remove_line", "Remove line", show=False),
        # The scan field keeps the focus; the arrows still choose the line F8 or Ctrl+O acts on.
        Binding("up", "choose_line(-1)", "Line up", show=False),
        Binding("down", "choose_line(1)", "Line down", show=False),
        Binding("ctrl+o", "override_price", "Price", priority=True,
                tooltip="Override the chosen line's price (a manager approves)"),
        Binding("ctrl+n", "new_sale", "New sale", priority=True),
        Binding("ctrl+r", "reprint", "Reprint", priority=True, tooltip="Print the last receipt again"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client
        self.lines: list[dict] = []
        self.currency = "EUR"
        self._pending: PendingRequest | None = None  # the sale being recorded
        self.last_receipt: str | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static("[b]Sell[/b] — scan or type a barcode or SKU (3*SKU for three)", id="title")
            yield ScanInput(id="scan", placeholder="scan here")
            yield DataTable(id="lines", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="bottom"):
                yield Static("", id="total")
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("SKU", "Item", "Qty", "Price", "Total")
        self.query_one("#scan", ScanInput).focus()
        self.refresh_lines()

    @property
    def total(self) -> int:
        return sum(line["qty"] * line["price"] for line in self.lines)

    def refresh_lines(self, chosen: int | None = None) -> None:
        """Redraw the lines, keeping the chosen one (or choosing `chosen`, e.g. the line just scanned)."""
        table = self.query_one(DataTable)
        row = table.cursor_row if chosen is None else chosen
        table.clear()
        for line in self.lines:
            table.add_row(line["sku"], line["name"], str(line["qty"]), money.show(line["price"], self.currency),
                          money.show(line["qty"] * line["price"], self.currency), key=line["sku"])
        if self.lines:
            table.move_cursor(row=max(0, min(row or 0, len(self.lines) - 1)))
        count = sum(line["qty"] for line in self.lines)
        self.query_one("#total", Static).update(
            f"{count} item{'s' if count != 1 else ''}   Total {money.show(self.total, self.currency)}")

    @on(ScanInput.Scanned, "#scan")
    def scanned(self, event: ScanInput.Scanned) -> None:
        if event.code:
            self.add_line(event.code, event.qty)

    @work(exit_on_error=False, group="scan")
    async def add_line(self, code: str, qty: int) -> None:
        try:
            product = await self.client.find_product(code)
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        if product is None:
            self.say(f"No product has the barcode or SKU {code!r}. Check the label, or type the SKU.", error=True)
            return
        self.currency = product["currency"]
        for index, line in enumerate(self.lines):
            if line["sku"] == product["sku"]:
                line["qty"] += qty
                break
        else:
            index = len(self.lines)
            self.lines.append({"sku": product["sku"], "name": product["name"], "qty": qty, "price": product["price"],
                               "catalog_price": product["price"]})
        self._pending = None
        self.say(f"{qty} × {product['name']}")
        self.refresh_lines(chosen=index)

    def action_choose_line(self, step: int) -> None:
        if self.lines:
            table = self.query_one(DataTable)
            table.move_cursor(row=max(0, min((table.cursor_row or 0) + step, len(self.lines) - 1)))

    def action_remove_line(self) -> None:
        table = self.query_one(DataTable)
        if not self.lines or table.cursor_row is None:
            return
        removed = self.lines.pop(min(table.cursor_row, len(self.lines) - 1))
        self._pending = None
        self.say(f"Removed {removed['name']}")
        self.refresh_lines()

    def action_override_price(self) -> None:
        table = self.query_one(DataTable)
        if not self.lines or table.cursor_row is None:
            self.say("Scan something first, then choose its line.", error=True)
            return
        self.override(min(table.cursor_row, len(self.lines) - 1))

    @work(exit_on_error=False, exclusive=True, group="override")
    async def override(self, index: int) -> None:
        line = self.lines[index]

        def build(values: dict) -> dict:
            if not values["reason"]:
                raise ValueError("Say why the price changes (a manager approves it).")
            return {"price": money.parse(values["price"]), "reason": values["reason"]}
        answer = await self.app.push_screen_wait(FormDialog(f"New price for {line['name']}", [
            FormField("price", f"Unit price (catalog {money.show(line['catalog_price'], self.currency)})"),
            FormField("reason", "Reason (e.g. damaged packaging)")], build))
        if answer is None:
            return
        line["price"], line["override_reason"] = answer["price"], answer["reason"]
        self._pending = None
        self.refresh_lines()
        self.say(f"{line['name']}: {money.show(answer['price'], self.currency)} — a manager approves at payment.")

    def action_new_sale(self) -> None:
        self.lines.clear()
        self._pending = None
        self.say("")
        self.refresh_lines()
        self.query_one("#scan", ScanInput).focus()

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_pay(self) -> None:
        if not self.lines:
            self.say("Scan something first.", error=True)
            return
        self.pay()

    @work(exit_on_error=False, exclusive=True, group="pay")
    async def pay(self) -> None:
        if self._pending is None:
            tenders = await self.app.push_screen_wait(Payment(self.total, self.currency))
            if tenders is None:
                return
            body = {"lines": [sale_line(line) for line in self.lines], "tenders": tenders}
            self._pending = PendingRequest(body)
        await self.submit()

    async def submit(self) -> None:
        self.say("Recording the sale …")
        try:
            receipt = await send_with_manager(self.app, self.client.record_sale, self._pending)
        except EdgeUnreachable:
            self.say("The store agent did not answer. Press F10 to try again: the same sale will not be "
                     "recorded twice.", error=True)
            return
        except NotApproved:
            self._pending = None
            self.say("Not recorded: a manager did not approve.", error=True)
            return
        except EdgeError as e:
            self._pending = None
            self.say(str(e), error=True)
            return
        self.finished(receipt)

    def action_reprint(self) -> None:
        if self.last_receipt is None:
            self.say("No receipt yet at this screen; F8 at home reprints any.", error=True)
            return
        self.reprint(self.last_receipt)

    @work(exit_on_error=False, exclusive=True, group="reprint")
    async def reprint(self, number: str) -> None:
        try:
            await self.client.print_again("receipt", number)
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        self.say(f"Receipt {number} printing again.", done=True)

    def finished(self, receipt: dict) -> None:
        self.last_receipt = receipt["receipt_number"]
        currency = receipt.get("currency", self.currency)
        change = receipt.get("change_due", 0)
        self.lines.clear()
        self._pending = None
        self.refresh_lines()
        self.say(f"Receipt {receipt['receipt_number']}: {money.show(receipt['total'], currency)} paid"
                 + (f" — change due [b]{money.show(change, currency)}[/b]" if change else "")
                 + ".   Ctrl+R prints it again; scan for the next customer.", done=True)
        self.query_one("#scan", ScanInput).focus()
