"""Find an order from any screen (Ctrl+F) and hand a pickup over: scan the customer's pickup code, Enter, done.

The order number, the bag tag's QR or part of the customer's name find it too; a pickup found that way still needs
the customer's code to be handed over, so the dialog asks for it.
"""

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static

from tui.age import describe_due
from tui.client import EdgeClient, EdgeError, EdgeUnreachable
from tui.failures import ShowsFailures
from tui.fields import focus_now
from tui.widgets.scan_input import ScanInput

PICKUP_CODE = "pickup_code"


def describe(f: dict) -> str:
    customer = (f.get("customer") or {}).get("name") or "—"
    items = ", ".join(f"{line['qty']}×{line['sku']}" for line in f["lines"])
    kind = "Pickup" if f["type"] == "pickup" else "Ship from store"
    due = f" · pick up by {describe_due(f['pickup_by'])}" if f.get("pickup_by") and f["status"] == "ready" else ""
    return f"{kind} {f['order_id']} · {customer} · {f['status']}{due}\n{items}"


class FindOrder(ShowsFailures, ModalScreen[str | None]):
    """Dismisses with what happened (for the screen's message line) or None."""

    BINDINGS = [Binding("escape", "cancel", "Close")]

    def __init__(self, client: EdgeClient, query: str = ""):
        super().__init__()
        self.client, self.query_text = client, query
        self.found: list[dict] = []
        self.chosen: dict | None = None
        self.code: str | None = None  # the customer's pickup code, when that is what was scanned

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("[b]Find an order[/b] — scan the pickup code or bag tag, or type the order number or a "
                         "customer's name", id="title")
            yield ScanInput(id="find", placeholder="pickup code, order number, name")
            yield OptionList(id="matches")
            yield Static("", id="order")
            yield Static("", id="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False
        focus_now(self.query_one("#find", ScanInput))
        self.app.release_keys()
        if self.query_text:
            self.look_up(self.query_text)

    def show(self, text: str, error: str = "") -> None:
        self.query_one("#order", Static).update(text)
        self.query_one("#error", Static).update(error)
        if error:
            self.app.bell()

    @on(ScanInput.Scanned, "#find")
    def scanned(self, event: ScanInput.Scanned) -> None:
        if not event.code:
            if self.chosen is not None:
                self.confirm()  # Enter on an order found: hand it over
            return
        if self.chosen is not None and self.chosen["type"] == "pickup" and self.code is None:
            self.code = event.code  # the customer's code for the order found by number or name
            self.confirm()
            return
        self.look_up(event.code)

    @work(exit_on_error=False, exclusive=True, group="find")
    async def look_up(self, q: str) -> None:
        try:
            answer = await self.client.find_orders(q)
        except (EdgeUnreachable, EdgeError) as e:
            self.show("", str(e))
            return
        self.found, self.chosen, self.code = answer["items"], None, None
        matches = self.query_one(OptionList)
        matches.clear_options()
        matches.display = len(self.found) > 1
        if not self.found:
            self.show("", f"No open pickup or ship-from-store order matches {q!r}.")
        elif len(self.found) == 1:
            self.choose(self.found[0], q if answer["matched_by"] == PICKUP_CODE else None)
        else:
            matches.add_options([describe(f).replace("\n", " · ") for f in self.found])
            matches.highlighted = 0
            focus_now(matches)
            self.show(f"{len(self.found)} orders match: ↑↓ choose, Enter takes it.")

    @on(OptionList.OptionSelected, "#matches")
    def picked(self, event: OptionList.OptionSelected) -> None:
        event.option_list.display = False
        focus_now(self.query_one("#find", ScanInput))
        self.choose(self.found[event.option_index], None)

    def choose(self, fulfilment: dict, code: str | None) -> None:
        self.chosen, self.code = fulfilment, code
        if fulfilment["type"] != "pickup":
            self.show(describe(fulfilment) + "\n\nShip from store (F7 at home) packs and ships it.")
        elif fulfilment["status"] != "ready":
            self.show(describe(fulfilment) + "\n\nNot ready for the customer yet: Pickups (F6 at home) prepares it.")
        elif code is not None:
            self.show(describe(fulfilment) + "\n\n[b]Enter hands it over[/b] · Esc closes")
        else:
            self.show(describe(fulfilment) + "\n\n[b]Scan or type the customer's pickup code[/b] to hand it over")

    def confirm(self) -> None:
        fulfilment = self.chosen
        if fulfilment is None or fulfilment["type"] != "pickup" or fulfilment["status"] != "ready":
            return
        if self.code is None:
            self.show(describe(fulfilment), "The customer's pickup code is needed to hand it over.")
            return
        self.collect(fulfilment, self.code)

    @work(exit_on_error=False, exclusive=True, group="collect")
    async def collect(self, fulfilment: dict, code: str) -> None:
        try:
            answer = await self.client.fulfilment_step(fulfilment["allocation_id"], "collect", {"pickup_code": code})
        except (EdgeUnreachable, EdgeError) as e:
            self.code = None
            self.show(describe(fulfilment), f"{e} Scan the code again, or Esc.")
            return
        self.dismiss(f"Order {answer['order_id']} handed over to {(fulfilment.get('customer') or {}).get('name') or 'the customer'}.")

    def action_cancel(self) -> None:
        self.dismiss(None)
