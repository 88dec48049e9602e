"""Store credit as a ledger: a credit note's balance, what a sale may hold of it, and what a confirmed
redemption does to it. Pure: the note, the amounts and the time come in, a decision comes out.

A sale at any store first *holds* an amount of a note (asked over NATS while the customer waits); the sale's own
event later *confirms* the hold, which is when the balance goes down. A hold that is never confirmed (the sale
failed after the check, or the store died) stops counting when the store releases it or when it lapses.
"""

from dataclasses import dataclass
from datetime import datetime

from shared.contract.errors import CreditNoteRefused

HELD, REDEEMED, RELEASED = "held", "redeemed", "released"


@dataclass(frozen=True)
class CreditNote:
    number: str
    currency: str
    balance: int
    expires_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


def amount_text(amount: int, currency: str) -> str:
    """Minor units as a sentence shows them: 1990 EUR → "19.90 EUR"."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    return f"{sign}{whole}.{cents:02d} {currency}"


def check_hold(number: str, note: CreditNote | None, amount: int, currency: str, held_by_others: int,
               now: datetime) -> None:
    """Whether `amount` of note `number` may pay a sale in `currency` now, besides what other sales hold of it.

    Refused with `CreditNoteRefused` (and a sentence for the associate) when the note is unknown, in another
    currency, expired, or has less left than asked."""
    if amount <= 0:
        raise CreditNoteRefused(f"A store credit payment must be more than 0; {amount} was asked of {number}.",
                                reason="invalid_amount", number=number)
    if note is None:
        raise CreditNoteRefused(f"There is no credit note {number}; check the number printed on the note (a note "
                                "issued at a store that is offline reaches head office once it is back).",
                                reason="unknown", number=number)
    if note.currency != currency:
        raise CreditNoteRefused(f"Credit note {number} is in {note.currency}; this sale is in {currency}, so it "
                                "cannot pay for it.", reason="currency", number=number)
    if note.expired(now):
        raise CreditNoteRefused(f"Credit note {number} expired on {note.expires_at.date().isoformat()}; it can no "
                                "longer be used.", reason="expired", number=number)
    available = note.balance - held_by_others
    if amount > available:
        left = amount_text(max(0, available), currency)
        raise CreditNoteRefused(f"Credit note {number} has {left} left, not {amount_text(amount, currency)}; take "
                                f"at most {left} from it and the rest with another tender.",
                                reason="insufficient", number=number, available=max(0, available))


def redeem(balance: int, amount: int) -> tuple[int, int]:
    """A confirmed redemption never fails (the customer has the goods): the new balance and by how much it went
    below zero (a hold that lapsed before its sale was confirmed, and was spent meanwhile; reported, not hidden)."""
    after = balance - amount
    return after, max(0, -after) - max(0, -balance)


def is_outstanding(balance: int, expires_at: datetime | None, now: datetime) -> bool:
    """A note still owed to a customer: money left on it and not expired."""
    return balance > 0 and (expires_at is None or now < expires_at)
