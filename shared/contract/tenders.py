"""What each tender of a walk-in sale paid: the one rule the selling store and central must agree on, since both
decide how much a return may give back to a tender."""

from collections.abc import Sequence
from typing import Protocol

CASH = "cash"


class Tendered(Protocol):
    type: str
    amount: int


def paid_per_tender(tenders: Sequence[Tendered], change_due: int) -> list[int]:
    """What each tender actually paid (the change is taken off the cash tenders, last first): refunds
    never give a tender back more than this."""
    paid = [t.amount for t in tenders]
    left = change_due
    for i in reversed(range(len(tenders))):
        if tenders[i].type == CASH and left:
            taken = min(left, paid[i])
            paid[i] -= taken
            left -= taken
    return paid
