"""Inbound supply and the backorders that wait for it, as pure rules.

A purchase order brings units to one node on an expected date. Until they arrive they are *outstanding*:
future availability, shown beside ATP and never part of it (routing promises only what is on the shelf).
When the routing policy allows backorders, an order whose units no node can promise today may *claim*
outstanding units; the order then waits in `awaiting_stock` and is allocated at that node the moment the
units are received.

The invariant: an inbound unit is promised at most once. For every purchase-order line,
Σ open claims ≤ outstanding = max(0, ordered − received); a receipt of r units turns the oldest
min(r, claimed) claimed units into allocations, which keeps the sum within the smaller outstanding.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InboundLine:
    """One SKU of one open purchase order (or of a transfer in transit), as a claim sees it."""

    supply_id: str
    node_id: str
    sku: str
    expected_at: datetime
    outstanding: int     # ordered − received, never below 0
    claimed: int         # units open claims hold
    kind: str = "purchase_order"  # or "transfer": units shipped from another node, in transit

    @property
    def free(self) -> int:
        return max(0, self.outstanding - self.claimed)


@dataclass(frozen=True)
class Claim:
    claim_id: int
    order_id: str
    qty: int


def outstanding(ordered: int, received: int) -> int:
    return max(0, ordered - received)


def node_can_serve(node_type: str, capabilities: Iterable[str], node_id: str, delivery_type: str,
                   pickup_store: str | None) -> bool:
    """Can units arriving at this node fill an order of this delivery type (whatever its stock today)?"""
    if delivery_type == "pickup":
        return node_id == pickup_store
    return ("ship_from_store" if node_type == "store" else "ship") in set(capabilities)


def plan_claims(wanted: dict[str, int], lines: Iterable[InboundLine]) -> list[tuple[InboundLine, int]]:
    """Which inbound units to claim for `wanted` (sku → units), the earliest expected first (then the oldest
    purchase order), never more than a line has free."""
    left = dict(wanted)
    taken = []
    for line in sorted(lines, key=lambda x: (x.expected_at, x.supply_id)):
        qty = min(left.get(line.sku, 0), line.free)
        if qty > 0:
            taken.append((line, qty))
            left[line.sku] -= qty
    return taken


def serve_claims(claims: Iterable[Claim], received: int) -> list[tuple[Claim, int]]:
    """Arriving units go to the open claims on their line, oldest claim first: (claim, units served) for each
    claim served, at most `received` units in all."""
    served, left = [], received
    for claim in sorted(claims, key=lambda c: c.claim_id):
        if left <= 0:
            break
        qty = min(claim.qty, left)
        served.append((claim, qty))
        left -= qty
    return served


def excess_claims(claims: Iterable[Claim], keep: int) -> list[tuple[Claim, int]]:
    """Claims beyond the `keep` units an order still needs, newest first: (claim, units to release)."""
    held = sum(c.qty for c in claims)
    release, extra = [], held - keep
    for claim in sorted(claims, key=lambda c: c.claim_id, reverse=True):
        if extra <= 0:
            break
        qty = min(claim.qty, extra)
        release.append((claim, qty))
        extra -= qty
    return release
