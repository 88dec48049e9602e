"""Taking payment: cash given, card amount with the terminal's reference; change is worked out as you type."""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from tui import money


class Payment(ModalScreen[list[dict] | None]):
    """Dismisses with the tenders (`[{type, amount, reference?}]`) or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("f10", "pay", "Take payment", priority=True)]

    def __init__(self, total: int, currency: str):
        super().__init__()
        self.total, self.currency = total, currency

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"To pay: {money.show(self.total, self.currency)}", id="due")
            yield Label("Card amount (leave empty for cash only)")
            yield Input(id="card", placeholder="0.00")
            yield Label("Card terminal reference")
            yield Input(id="card-ref", placeholder="approval code")
            yield Label("Cash given")
            yield Input(id="cash", value=f"{self.total / 100:.2f}")
            yield Static("", id="change")
            yield Static("", id="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#cash", Input).focus()

    def tenders(self) -> list[dict]:
        card_text = self.query_one("#card", Input).value.strip()
        cash_text = self.query_one("#cash", Input).value.strip()
        card = money.parse(card_text) if card_text else 0
        cash = money.parse(cash_text) if cash_text else 0
        tenders = []
        if card:
            reference = self.query_one("#card-ref", Input).value.strip()
            if not reference:
                raise ValueError("Type the card terminal's reference for the card payment.")
            tenders.append({"type": "card", "amount": card, "reference": reference})
        if cash:
            tenders.append({"type": "cash", "amount": cash})
        if card > self.total:
            raise ValueError("A card cannot pay more than the total.")
        if card + cash < self.total:
            raise ValueError(f"{money.show(self.total - card - cash, self.currency)} still to pay.")
        return tenders

    @on(Input.Changed)
    def recompute(self) -> None:
        error, change = self.query_one("#error", Static), self.query_one("#change", Static)
        try:
            tenders = self.tenders()
        except ValueError as e:
            error.update(str(e))
            change.update("")
            return
        error.update("")
        paid = sum(t["amount"] for t in tenders)
        change.update(f"Change due: [b]{money.show(paid - self.total, self.currency)}[/b]")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "card" and event.value.strip():
            self.query_one("#card-ref", Input).focus()
        elif event.input.id == "card-ref":
            self.query_one("#cash", Input).focus()
        else:
            self.action_pay()

    def action_pay(self) -> None:
        try:
            self.dismiss(self.tenders())
        except ValueError as e:
            self.query_one("#error", Static).update(str(e))

    def action_cancel(self) -> None:
        self.dismiss(None)
