"""Returns at the counter: scan the receipt, choose lines, reason and condition, refund; or no receipt with a manager."""

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui import money
from tui.approval import NotApproved, PendingRequest, send_with_manager
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.fields import focus_now
from tui.modals.form import FormDialog, FormField
from tui.order_token import peek
from tui.text import shorten
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.scan_input import ScanInput
from tui.widgets.status_bar import StatusBar

CONDITIONS = {"r": "restock", "d": "damaged", "w": "write_off"}


def line_form(line: dict) -> FormDialog:
    def build(v: dict) -> dict:
        if not v["qty"].isdigit() or int(v["qty"]) <= 0:
            raise ValueError("Quantity must be a whole number above 0.")
        if int(v["qty"]) > line["sold"]:
            raise ValueError(f"Only {line['sold']} can come back on this receipt (sold, less those returned).")
        condition = CONDITIONS.get(v["condition"][:1].lower())
        if condition is None:
            raise ValueError("Condition: r = back on the shelf, d = damaged, w = write off.")
        if not v["reason"]:
            raise ValueError("Say why the customer brings it back.")
        return {"qty": int(v["qty"]), "reason": v["reason"], "disposition": condition}
    return FormDialog(f"Return {line['name']}", [
        FormField("qty", f"Quantity (up to {line['sold']})", value=str(line["sold"]), restrict=r"[0-9]*"),
        FormField("reason", "Reason", value="changed mind"),
        FormField("condition", "Condition: r restock · d damaged · w write off", value="r")], build)


def refund_of(lines: list[dict]) -> int | None:
    """What the chosen lines refund at the price paid; None when a price is not known here (the agent works it out)."""
    chosen = [line for line in lines if line["chosen"]]
    if any(line["price"] is None for line in chosen):
        return None
    return sum(line["chosen"]["qty"] * line["price"] for line in chosen)


class ReturnsScreen(ShowsFailures, SaysMessages, Screen):
    BINDINGS = [
        Binding("f4", "choose_line", "Return line", tooltip="Return the chosen line: quantity, reason, condition"),
        Binding("f7", "no_receipt", "No receipt"),
        Binding("f8", "toggle_credit", "Credit", tooltip="Refund as store credit instead of the original payment (press again to undo)"),
        Binding("f10", "submit", "Refund", priority=True),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client
        self.receipt: dict | None = None
        self.lines: list[dict] = []        # {sku, name, sold, price, chosen: {qty, reason, disposition} | None}
        self.no_receipt = False
        self.store_credit = False
        self._pending: PendingRequest | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Vertical():
            yield Static("[b]Returns[/b] — scan the receipt's barcode or the online order's QR (F7: no receipt, scan the items)", id="title")
            yield ScanInput(id="scan", placeholder="receipt number, e.g. S001-000123")
            yield DataTable(id="lines", cursor_type="row")
            yield Static("", id="summary")
            yield MessageLine(id="message")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("SKU", "Item", "Can return", "Return", "Reason", "Condition")
        focus_now(self.query_one("#scan", ScanInput))

    def redraw(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for line in self.lines:
            chosen = line["chosen"] or {}
            table.add_row(line["sku"], shorten(line["name"], 24), str(line["sold"]) if not self.no_receipt else "—",
                          str(chosen.get("qty", "")), shorten(chosen.get("reason", ""), 16), chosen.get("disposition", ""),
                          key=line["sku"])
        chosen = [line for line in self.lines if line["chosen"]]
        refund = refund_of(self.lines)
        target = "store credit" if self.store_credit else "cash" if self.no_receipt else "the original payment"
        if self.receipt and "order_id" in self.receipt:
            where = f"online order {self.receipt['order_id']}"
        elif self.receipt:
            where = f"receipt {self.receipt['receipt_number']}"
        else:
            where = "no receipt (manager needed)"
        units = sum(line["chosen"]["qty"] for line in chosen)
        amount = "the store agent works out the refund" if refund is None else \
            f"refund [b]{money.show(refund)}[/b] to {target}"
        self.query_one("#summary", Static).update(
            f"{where} · {units} unit{'s' if units != 1 else ''} · {amount}" if self.lines else "")

    @on(ScanInput.Scanned, "#scan")
    def scanned(self, event: ScanInput.Scanned) -> None:
        code = event.code
        if not code:
            return
        claims = peek(code)
        if claims is not None:
            self.load_order(code, claims)
        elif self.no_receipt:
            self.add_item(code, event.qty)
        else:
            self.load_receipt(code)

    def load_order(self, token: str, claims: dict) -> None:
        """An online order's receipt token (its QR): the lines as the token states them; the agent checks it."""
        self.receipt = {"order_id": claims["order_id"], "receipt_token": token}
        self.no_receipt, self._pending = False, None
        self.lines = [{"sku": line["sku"], "name": line["sku"], "sold": line["qty"], "price": line.get("unit_price"),
                       "chosen": None} for line in claims["lines"]]
        self.redraw()
        self.query_one(DataTable).focus()
        self.say(f"Online order {claims['order_id']}: pick a line and press F4; F10 refunds.")

    @work(exit_on_error=False, exclusive=True, group="load")
    async def load_receipt(self, number: str) -> None:
        try:
            receipt = await self.client.sale(number)
        except (EdgeUnreachable, EdgeError) as e:
            self.app.bell()
            self.say(str(e), error=True)
            return
        self.receipt, self._pending = receipt, None
        # What may still come back: the receipt's units less those already returned, here or at another store.
        self.lines = [{"sku": line["sku"], "name": line.get("name", line["sku"]),
                       "sold": line["qty"] - line.get("returned", 0), "price": line.get("unit_price", 0),
                       "chosen": None} for line in receipt["lines"]]
        self.redraw()
        self.query_one(DataTable).focus()
        where = f"Receipt of store {receipt['sold_at']}. " if receipt.get("sold_at") else ""
        self.say(where + "Pick a line with ↑↓ and press F4 to return it; F10 refunds.")

    @work(exit_on_error=False, group="load")
    async def add_item(self, code: str, qty: int = 1) -> None:
        try:
            product = await self.client.find_product(code)
        except (EdgeUnreachable, EdgeError) as e:
            self.say(str(e), error=True)
            return
        if product is None:
            self.app.bell()
            self.say(f"No product has the barcode or SKU {code!r}.", error=True)
            return
        # The same item scanned again is one more unit on its line: the screen shows what will be refunded.
        same = next((line for line in self.lines if line["sku"] == product["sku"]), None)
        if same is None:
            self.lines.append({"sku": product["sku"], "name": product["name"], "sold": 9999, "price": product["price"],
                               "chosen": {"qty": qty, "reason": "no receipt", "disposition": "restock"}})
        else:
            same["chosen"]["qty"] += qty
        self._pending = None
        self.redraw()
        self.say(f"{product['name']} × {(same or self.lines[-1])['chosen']['qty']}")

    def action_no_receipt(self) -> None:
        self.no_receipt, self.receipt, self.lines, self._pending = True, None, [], None
        self.query_one("#scan", ScanInput).placeholder = "scan the returned items"
        focus_now(self.query_one("#scan", ScanInput))
        self.redraw()
        self.say("No receipt: scan each item; a manager approves the refund.")

    def action_toggle_credit(self) -> None:
        self.store_credit, self._pending = not self.store_credit, None
        self.redraw()

    def action_choose_line(self) -> None:
        table = self.query_one(DataTable)
        if not self.lines or table.cursor_row is None:
            self.say("Scan a receipt first.", error=True)
            return
        self.choose(min(table.cursor_row, len(self.lines) - 1))

    @work(exit_on_error=False, exclusive=True, group="choose")
    async def choose(self, index: int) -> None:
        chosen = await self.app.push_screen_wait(line_form(self.lines[index]))
        if chosen is not None:
            self.lines[index]["chosen"], self._pending = chosen, None
            self.redraw()

    def action_submit(self) -> None:
        if not any(line["chosen"] for line in self.lines):
            self.say("Choose at least one line to return (F4).", error=True)
            return
        self.submit()

    @work(exit_on_error=False, exclusive=True, group="submit")
    async def submit(self) -> None:
        if self._pending is None:
            body = {"lines": [{"sku": line["sku"], **line["chosen"]} for line in self.lines if line["chosen"]],
                    "refund_to": "store_credit" if self.store_credit else "original"}
            if self.receipt and "order_id" in self.receipt:
                body.update(order_id=self.receipt["order_id"], receipt_token=self.receipt["receipt_token"])
            elif self.receipt:
                body["receipt_number"] = self.receipt["receipt_number"]
            refund = refund_of(self.lines)
            if refund is not None:  # the amount on the screen is the amount refunded, or nothing is
                body["confirmed_refund"] = refund
            self._pending = PendingRequest(body)
        await self.send()

    async def send(self) -> None:
        try:
            answer = await send_with_manager(self.app, self.client.record_return, self._pending)
        except EdgeUnreachable:
            self.say("The store agent did not answer. F10 sends the same return again (never refunded twice).",
                     error=True)
            return
        except NotApproved:
            self._pending = None
            self.say("Not refunded: a manager did not approve.", error=True)
            return
        except EdgeError as e:
            self._pending = None
            self.say(str(e), error=True)
            return
        refunds = ", ".join(f"{money.show(r['amount'], answer.get('currency', 'EUR'))} to {r['tender']}"
                            for r in answer.get("refunds", []))
        self.receipt, self.lines, self._pending, self.no_receipt = None, [], None, False
        self.redraw()
        focus_now(self.query_one("#scan", ScanInput))
        self.say(f"Return {answer['return_number']} recorded. Refund: {refunds or 'nothing'}.")

    def action_leave(self) -> None:
        self.dismiss(None)
