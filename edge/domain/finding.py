"""Finding an order at the counter from whatever the associate has in hand: the customer's pickup code (checked
against its hash), the order number (also what a bag tag's QR holds), or part of the customer's name."""

from dataclasses import dataclass

from shared.contract import pickup_codes as pickup
from shared.contract.models import FulfilmentStatus as S

# Handed over, shipped or gone: not what anyone at the counter is looking for.
DONE = frozenset({S.COLLECTED, S.SHIPPED, S.REJECTED, S.CANCELLED, S.EXPIRED})
MIN_NAME = 2  # letters of a name before it is searched (one letter matches half the shelf)

PICKUP_CODE, ORDER_NUMBER, CUSTOMER_NAME = "pickup_code", "order_number", "customer_name"


@dataclass(frozen=True)
class Candidate:
    allocation_id: str
    order_id: str
    status: str
    customer_name: str
    pickup_code_hash: str | None


def find(q: str, candidates: list[Candidate]) -> tuple[str | None, list[str]]:
    """How `q` matched (the strongest way that found anything) and the allocation ids it found, open ones only.

    A pickup code or an order number is exact and wins; a name matches anywhere in the customer's name, any case."""
    text = q.strip()
    if not text:
        return None, []
    open_ = [c for c in candidates if S(c.status) not in DONE]
    code = pickup.code_hash(text)
    by_code = [c.allocation_id for c in open_ if c.pickup_code_hash and c.pickup_code_hash.lower() == code]
    if by_code:
        return PICKUP_CODE, by_code
    by_order = [c.allocation_id for c in open_ if c.order_id.upper() == text.upper()]
    if by_order:
        return ORDER_NUMBER, by_order
    if len(text) >= MIN_NAME:
        by_name = [c.allocation_id for c in open_ if text.casefold() in c.customer_name.casefold()]
        if by_name:
            return CUSTOMER_NAME, by_name
    return None, []
