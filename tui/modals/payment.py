"""Taking payment: cash given (prefilled with the total), a card or a store credit note for the rest with one key,
or a split typed out; change is worked out as you type and only ever comes from cash.

The cash field holds "the rest" until the associate types into it: a card or store credit for the rest replaces the
prefilled cash, so a card sale never also records the cash that was only a suggestion.
"""

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Static

from tui import money
from tui.fields import EnterMovesOn, focus_now

AMOUNT = r"[0-9.,€£$]*"


def amount_text(amount: int) -> str:
    return f"{amount / 100:.2f}" if amount > 0 else ""


class Payment(EnterMovesOn, ModalScreen[list[dict] | None]):
    """Dismisses with the tenders (`[{type, amount, reference?}]`) or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("f2", "card_rest", "Card", priority=True, tooltip="The rest by card; then scan or type the "
                                                                  "terminal's reference if it gives one"),
        Binding("f3", "credit_rest", "Credit note", priority=True, tooltip="The rest from a store credit note"),
        Binding("f10", "pay", "Take payment", priority=True),
    ]

    def __init__(self, total: int, currency: str):
        super().__init__()
        self.total, self.currency = total, currency
        self._cash_auto: str | None = amount_text(total)  # what the cash field was given, until someone types

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(f"To pay: {money.show(self.total, self.currency)}   · Enter pays", id="due")
            for field_id, label, placeholder, restrict in [
                    ("card", "Card", "F2: the rest by card", AMOUNT),
                    ("card-ref", "Terminal ref.", "optional: scan or type", None),
                    ("credit-note", "Credit note", "F3: scan the note", None),
                    ("credit", "Store credit", "0.00", AMOUNT),
                    ("cash", "Cash given", "0.00", AMOUNT)]:
                with Horizontal(classes="row"):
                    yield Label(label)
                    yield Input(id=field_id, placeholder=placeholder, restrict=restrict, compact=True,
                                value=self._cash_auto if field_id == "cash" else "")
            yield Static("", id="change")
            yield Static("", id="error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        focus_now(self.query_one("#cash", Input))
        self.app.release_keys()

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def amount(self, field_id: str) -> int:
        text = self.value(field_id)
        return money.parse(text) if text else 0

    def rest(self, *, besides: str) -> int:
        """What is left to pay once every tender but `besides` (and a cash amount only suggested) is counted."""
        paid = sum(self.amount(f) for f in ("card", "credit", "cash") if f != besides
                   and not (f == "cash" and self._cash_auto is not None))
        return self.total - paid

    def tenders(self) -> list[dict]:
        card, credit, cash = self.amount("card"), self.amount("credit"), self.amount("cash")
        tenders = []
        if card:
            tenders.append({"type": "card", "amount": card, **({"reference": self.value("card-ref")}
                                                                if self.value("card-ref") else {})})
        if credit:
            if not self.value("credit-note"):
                raise ValueError("Scan or type the credit note's number.")
            tenders.append({"type": "store_credit", "reference": self.value("credit-note"), "amount": credit})
        if card + credit > self.total:
            raise ValueError("Card and store credit cannot pay more than the total; only cash can be overpaid.")
        if cash and card + credit >= self.total:
            raise ValueError("The card and credit note already pay it all: clear the cash.")
        if cash:
            tenders.append({"type": "cash", "amount": cash})
        if card + credit + cash < self.total:
            raise ValueError(f"{money.show(self.total - card - credit - cash, self.currency)} still to pay.")
        return tenders

    def set_cash_to_rest(self) -> None:
        if self._cash_auto is not None:
            self._cash_auto = amount_text(self.rest(besides="cash"))
            self.query_one("#cash", Input).value = self._cash_auto

    @on(Input.Changed)
    def recompute(self, event: Input.Changed) -> None:
        current = event.value == event.input.value  # not the echo of a value replaced since
        if event.input.id == "cash" and current and event.value != self._cash_auto:
            self._cash_auto = None  # typed by the associate: theirs from now on
        elif event.input.id in ("card", "credit"):
            self.set_cash_to_rest()
        error, change = self.query_one("#error", Static), self.query_one("#change", Static)
        try:
            tenders = self.tenders()
        except ValueError as e:
            error.update(str(e))
            change.update("")
            return
        error.update("")
        paid = sum(t["amount"] for t in tenders)
        split = " + ".join(f"{t['type'].replace('_', ' ')} {money.show(t['amount'], self.currency)}" for t in tenders)
        change.update(f"{split}   Change due: [b]{money.show(paid - self.total, self.currency)}[/b]")

    def _for_the_rest(self, field_id: str, then: str) -> None:
        rest = self.rest(besides=field_id)
        if rest <= 0:
            self.query_one("#error", Static).update("Nothing is left to pay.")
            return
        self.query_one(f"#{field_id}", Input).value = amount_text(rest)
        if self._cash_auto is not None:  # the suggestion gives way to the tender for the rest
            self._cash_auto = ""
            self.query_one("#cash", Input).value = ""
        focus_now(self.query_one(f"#{then}", Input))

    def action_card_rest(self) -> None:
        self._for_the_rest("card", then="card-ref")

    def action_credit_rest(self) -> None:
        self._for_the_rest("credit", then="credit-note")

    def moves_on(self, field: Input) -> bool:
        return field.id in ("card", "credit-note") and bool(field.value.strip())

    def submit(self) -> None:
        self.action_pay()

    def action_pay(self) -> None:
        try:
            self.dismiss(self.tenders())
        except ValueError as e:
            self.query_one("#error", Static).update(str(e))

    def action_cancel(self) -> None:
        self.dismiss(None)
