"""Selling at the counter: scan lines, take payment, hand over the receipt.

Scans are handled one at a time, in the order they came, so a burst from the scanner loses none. A manager is asked
for when a line needs one (a price override, units promised to online orders) — before the money, never after a
card was charged. Each sale attempt carries one Idempotency-Key, kept until the agent answers: a retry after a
timeout is the same sale, never a second one. A basket is never thrown away without asking; it can be parked.
"""

import asyncio
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui import money
from tui.approval import NotApproved, PendingRequest, send_with_manager
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.fields import focus_now
from tui.modals.basket import PARK, LeaveBasket, RecallBasket
from tui.modals.form import FormDialog, FormField
from tui.modals.payment import Payment
from tui.text import shorten
from tui.widgets.message_line import MessageLine, SaysMessages
from tui.widgets.scan_input import ScanInput
from tui.widgets.status_bar import StatusBar


def sale_line(line: dict) -> dict:
    body = {"sku": line["sku"], "qty": line["qty"]}
    if line["price"] != line["catalog_price"]:
        body.update(price_override=line["price"], override_reason=line.get("override_reason") or "price override")
    return body


class SellScreen(ShowsFailures, SaysMessages, Screen):
    BINDINGS = [
        Binding("f10", "pay", "Pay", priority=True),
        Binding("f8", "remove_line", "Remove", priority=True),
        Binding("delete", "remove_line", "Remove line", show=False),
        # The scan field keeps the focus; the arrows still choose the line F8 or Ctrl+O acts on.
        Binding("up", "choose_line(-1)", "Line up", show=False),
        Binding("down", "choose_line(1)", "Line down", show=False),
        Binding("ctrl+o", "override_price", "Price", priority=True,
                tooltip="Override the chosen line's price (a manager approves)"),
        Binding("f5", "park", "Park", priority=True, tooltip="Put this basket aside; F6 recalls it"),
        Binding("f6", "recall", "Recall", priority=True, tooltip="Take a parked basket back"),
        Binding("ctrl+n", "new_sale", "New", priority=True, tooltip="Start a new sale (asks before throwing away)"),
        Binding("ctrl+r", "reprint", "Reprint", priority=True, show=False, tooltip="Print the last receipt again"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, client: EdgeClient):
        super().__init__()
        self.client = client
        self.lines: list[dict] = []
        self.currency = "EUR"
        self.approval: dict | None = None  # the manager's {id, pin} approving this basket, asked for before paying
        self._pending: PendingRequest | None = None  # the sale being recorded
        self._scans = asyncio.Lock()  # one scan at a time, in the order they came
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
        focus_now(self.query_one("#scan", ScanInput))
        self.refresh_lines()

    @property
    def total(self) -> int:
        return sum(line["qty"] * line["price"] for line in self.lines)

    def basket_text(self) -> str:
        count = sum(line["qty"] for line in self.lines)
        return f"{count} item{'s' if count != 1 else ''}, {money.show(self.total, self.currency)}"

    def refresh_lines(self, chosen: int | None = None) -> None:
        """Redraw the lines, keeping the chosen one (or choosing `chosen`, e.g. the line just scanned)."""
        table = self.query_one(DataTable)
        row = table.cursor_row if chosen is None else chosen
        table.clear()
        for line in self.lines:
            table.add_row(line["sku"], shorten(line["name"], 28), str(line["qty"]), money.show(line["price"], self.currency),
                          money.show(line["qty"] * line["price"], self.currency), key=line["sku"])
        if self.lines:
            table.move_cursor(row=max(0, min(row or 0, len(self.lines) - 1)))
        parked = len(getattr(self.app, "parked_sales", []))
        self.query_one("#total", Static).update(
            f"{self.basket_text().replace(', ', '   Total ')}" + (f"   ({parked} parked: F6)" if parked else ""))

    def changed(self) -> None:
        """The basket changed: a sale being recorded is another sale now."""
        self._pending = None

    @on(ScanInput.Scanned, "#scan")
    def scanned(self, event: ScanInput.Scanned) -> None:
        if event.code:
            self.add_line(event.code, event.qty)

    @work(exit_on_error=False, group="scan")
    async def add_line(self, code: str, qty: int) -> None:
        async with self._scans:
            await self._add_line(code, qty)

    async def _add_line(self, code: str, qty: int) -> None:
        try:
            product = await self.client.find_product(code)
        except (EdgeUnreachable, EdgeError) as e:
            self.app.bell()
            self.say(str(e), error=True)
            return
        if product is None:
            if await self.is_an_order(code):
                return
            self.app.bell()
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
        self.changed()
        self.refresh_lines(chosen=index)
        if not await self.manager_approves():
            line = self.lines[index]
            line["qty"] -= qty
            if line["qty"] <= 0:
                self.lines.pop(index)
            self.refresh_lines()
            self.say(f"Not added: a manager did not approve selling {product['name']}.", error=True)
            return
        self.say(f"{qty} × {product['name']}")

    async def is_an_order(self, code: str) -> bool:
        """A pickup code, order number or bag tag scanned here: the order is found, ready to hand over."""
        try:
            found = await self.client.find_orders(code)
        except (EdgeUnreachable, EdgeError):
            return False
        if found["matched_by"] not in ("pickup_code", "order_number"):
            return False
        self.app.action_find_order(code)
        return True

    async def manager_approves(self, *, anew: bool = False) -> bool:
        """Whether the basket may be sold as it is: the agent says if it needs a manager, and the manager is asked
        here and now. A manager's approval holds for the basket; `anew` asks again (a changed price). False: the
        manager did not approve."""
        if anew:
            self.approval = None
        if self.approval is not None or not self.lines:
            return True
        request = PendingRequest({"lines": [sale_line(line) for line in self.lines]})
        try:
            await send_with_manager(self.app, self.client.check_sale, request)
        except NotApproved:
            return False
        except (EdgeUnreachable, EdgeError) as e:
            # The sale checks again when it is recorded; the associate sees why it could not be checked now.
            self.say(f"Could not check with the store agent: {e}", error=True)
            return True
        finally:
            focus_now(self.query_one("#scan", ScanInput))
        self.approval = request.body.get("manager")
        return True

    def action_choose_line(self, step: int) -> None:
        if self.lines:
            table = self.query_one(DataTable)
            table.move_cursor(row=max(0, min((table.cursor_row or 0) + step, len(self.lines) - 1)))

    def action_remove_line(self) -> None:
        table = self.query_one(DataTable)
        if not self.lines or table.cursor_row is None:
            return
        removed = self.lines.pop(min(table.cursor_row, len(self.lines) - 1))
        self.changed()
        self.say(f"Removed {removed['name']}")
        self.refresh_lines()

    def action_override_price(self) -> None:
        table = self.query_one(DataTable)
        if not self.lines or table.cursor_row is None:
            self.app.bell()
            self.say("Scan something first, then choose its line.", error=True)
            return
        self.app.hold_keys()
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
        before = line["price"], line.get("override_reason")
        line["price"], line["override_reason"] = answer["price"], answer["reason"]
        self.changed()
        self.refresh_lines()
        if not await self.manager_approves(anew=True):
            line["price"], line["override_reason"] = before
            self.refresh_lines()
            self.say(f"{line['name']}: the price stays {money.show(line['price'], self.currency)} — a manager did "
                     "not approve the change.", error=True)
            return
        self.say(f"{line['name']}: {money.show(answer['price'], self.currency)}, approved.", done=True)

    def clear_basket(self) -> None:
        self.lines, self.approval = [], None
        self.changed()
        self.refresh_lines()
        focus_now(self.query_one("#scan", ScanInput))

    def action_new_sale(self) -> None:
        self.leave_basket(then_close=False)

    def action_leave(self) -> None:
        if not self.lines:
            self.dismiss(None)
            return
        self.leave_basket(then_close=True)

    def leave_basket(self, then_close: bool) -> None:
        if not self.lines:
            self.clear_basket()
            return
        self.app.hold_keys()
        self.ask_leave(then_close)

    @work(exit_on_error=False, exclusive=True, group="leave")
    async def ask_leave(self, then_close: bool) -> None:
        answer = await self.app.push_screen_wait(LeaveBasket(self.basket_text()))
        if answer is None:
            focus_now(self.query_one("#scan", ScanInput))
            return
        if answer == PARK:
            self.action_park()
        else:
            self.say(f"Basket thrown away ({self.basket_text()}).")
            self.clear_basket()
        if then_close:
            self.dismiss(None)

    def action_park(self) -> None:
        if not self.lines:
            self.say("Nothing to park: the basket is empty.", error=True)
            return
        what = self.basket_text()
        self.app.parked_sales.append({"lines": self.lines, "approval": self.approval, "currency": self.currency,
                                      "what": what, "at": datetime.now().strftime("%H:%M")})
        self.clear_basket()
        self.say(f"Parked: {what}. F6 recalls it, from here or after another screen.", done=True)

    def action_recall(self) -> None:
        parked = self.app.parked_sales
        if not parked:
            self.app.bell()
            self.say("No sale is parked.", error=True)
            return
        if len(parked) == 1:
            self.recall(0)
            return
        self.app.hold_keys()
        self.choose_parked()

    @work(exit_on_error=False, exclusive=True, group="recall")
    async def choose_parked(self) -> None:
        labels = [f"{p['at']}  {p['what']}  —  {', '.join(line['name'] for line in p['lines'])}"
                  for p in self.app.parked_sales]
        index = await self.app.push_screen_wait(RecallBasket(labels))
        focus_now(self.query_one("#scan", ScanInput))
        if index is not None:
            self.recall(index)

    def recall(self, index: int) -> None:
        taken = self.app.parked_sales.pop(index)
        if self.lines:  # the basket on the counter is parked in its place, never lost
            self.action_park()
        self.lines, self.approval, self.currency = taken["lines"], taken["approval"], taken["currency"]
        self.changed()
        self.refresh_lines(chosen=len(self.lines) - 1)
        self.say(f"Recalled: {taken['what']}.", done=True)

    def action_pay(self) -> None:
        if not self.lines:
            self.app.bell()
            self.say("Scan something first.", error=True)
            return
        self.app.hold_keys()  # keys typed now belong to the payment dialog on its way
        self.pay()

    @work(exit_on_error=False, exclusive=True, group="pay")
    async def pay(self) -> None:
        try:
            if self._pending is None:
                async with self._scans:  # every scan so far is on the basket
                    approved = await self.manager_approves()
                if not approved:
                    self.say("Not paid: a manager did not approve this basket. Change it, or ask again with F10.",
                             error=True)
                    return
                tenders = await self.app.push_screen_wait(Payment(self.total, self.currency))
                focus_now(self.query_one("#scan", ScanInput))
                if tenders is None:
                    return
                body = {"lines": [sale_line(line) for line in self.lines], "tenders": tenders}
                if self.approval is not None:
                    body["manager"] = self.approval
                self._pending = PendingRequest(body)
        finally:
            self.app.release_keys()
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
        self.clear_basket()
        self.say(f"Receipt {receipt['receipt_number']}: {money.show(receipt['total'], currency)} paid"
                 + (f" — change due [b]{money.show(change, currency)}[/b]" if change else "")
                 + ".   Ctrl+R prints it again; scan for the next customer.", done=True)
