"""An order's allocations and status at central (DESIGN §6), as pure rules.

An allocation is the fulfilment at one node. It is *live* while central counts it (pending, or in
progress at the store, or done); a rejected, cancelled, timed-out or expired one is closed, and a
store's later acceptance of it must be undone with a compensating cancel.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class AllocationStatus(StrEnum):
    """An allocation at central: a store's fulfilment as far as central has heard, or a DC's shipment."""

    PENDING = "pending"      # sent to the store, not yet accepted there
    ACCEPTED = "accepted"
    PICKED = "picked"
    PACKED = "packed"
    READY = "ready"
    SHIPPED = "shipped"
    COLLECTED = "collected"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"  # no answer by accept_by plus the margin
    EXPIRED = "expired"      # a pickup the customer never came for


class OrderStatus(StrEnum):
    """An order's lifecycle at central, DESIGN §6 (the API's `status` values)."""

    CREATED = "created"
    ALLOCATED = "allocated"
    PARTIALLY_ALLOCATED = "partially_allocated"
    BACKORDERED = "backordered"
    AWAITING_STOCK = "awaiting_stock"  # backordered with inbound units claimed: allocated when they arrive
    HELD = "held"
    IN_FULFILMENT = "in_fulfilment"
    READY_FOR_PICKUP = "ready_for_pickup"
    PARTIALLY_SHIPPED = "partially_shipped"
    COMPLETED = "completed"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"


_A = AllocationStatus
IN_PROGRESS = frozenset({_A.ACCEPTED, _A.PICKED, _A.PACKED, _A.READY})
DONE = frozenset({_A.SHIPPED, _A.COLLECTED})
# Allocations central no longer counts; every other one is live (its units are promised).
CLOSED_ALLOCATIONS = frozenset({_A.REJECTED, _A.CANCELLED, _A.TIMED_OUT, _A.EXPIRED})
LIVE_ALLOCATIONS = frozenset(AllocationStatus) - CLOSED_ALLOCATIONS

# Orders that are over; every other one may still take units (a cancel being asked for aside).
CLOSED_ORDERS = frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED})
LIVE_ORDERS = frozenset(OrderStatus) - CLOSED_ORDERS

# How far along a store's fulfilment is; a status never moves back.
_RANK = {_A.PENDING: 0, _A.ACCEPTED: 1, _A.PICKED: 2, _A.PACKED: 3, _A.READY: 3, _A.SHIPPED: 4, _A.COLLECTED: 4}

EVENT_STATUS = {"fulfilment.accepted": _A.ACCEPTED, "fulfilment.rejected": _A.REJECTED,
                "fulfilment.picked": _A.PICKED, "fulfilment.cancelled": _A.CANCELLED, "pickup.ready": _A.READY,
                "pickup.collected": _A.COLLECTED, "pickup.expired": _A.EXPIRED, "shipment.packed": _A.PACKED,
                "shipment.shipped": _A.SHIPPED}


def is_live(status: str) -> bool:
    return status in LIVE_ALLOCATIONS


@dataclass(frozen=True)
class Transition:
    status: str             # the allocation's status after the event (maybe unchanged)
    reroute: bool = False   # its lines need another node
    compensate: bool = False  # a store took on an allocation central no longer counts: cancel it there
    note: str | None = None  # why the event changed nothing


def on_event(current: str, event_type: str, cancel_sent: bool) -> Transition:
    """What a store's fulfilment event does to an allocation central has in `current`."""
    target = EVENT_STATUS[event_type]
    if current in CLOSED_ALLOCATIONS:
        if target in IN_PROGRESS and not cancel_sent:
            return Transition(current, compensate=True, note=f"allocation is {current} at central")
        return Transition(current, note=f"allocation already {current}")
    if current in DONE:
        return Transition(current, note=f"allocation already {current}")
    if target in CLOSED_ALLOCATIONS:
        # A rejection, or a cancel the store made on its own, leaves the lines to be routed again;
        # a cancel central asked for (the order is being cancelled) does not.
        return Transition(target, reroute=target in (_A.REJECTED, _A.CANCELLED) and not cancel_sent)
    if _RANK[target] <= _RANK[current]:
        return Transition(current, note=f"allocation already {current}")
    return Transition(target)


@dataclass(frozen=True)
class AllocationState:
    status: str
    cancel_sent: bool = False
    partly_shipped: bool = False  # a warehouse shipped some of its units, not yet all


def order_status(allocations: Iterable[AllocationState], unfilled: int, cancel_requested: bool,
                 held: bool, wanted: int | None = None, awaiting: bool = False) -> OrderStatus:
    """The order's status from its allocations, its unfilled units and whether a cancel was asked for;
    `wanted` is the units the customer still wants (every unit given up: the order is cancelled); `awaiting`
    says its unfilled units hold claims on inbound supply."""
    allocations = list(allocations)
    live = [a for a in allocations if is_live(a.status)]
    if cancel_requested:
        if any(a.status != _A.PENDING and a.status not in DONE for a in live):
            return OrderStatus.CANCEL_REQUESTED  # a store still has to confirm
        return OrderStatus.COMPLETED if any(a.status in DONE for a in live) else OrderStatus.CANCELLED
    if not live:
        if wanted == 0 or any(a.status == _A.EXPIRED for a in allocations):
            return OrderStatus.CANCELLED  # the customer never came: the reservation went back to the shelf
        if awaiting:
            return OrderStatus.AWAITING_STOCK
        return OrderStatus.HELD if held else OrderStatus.BACKORDERED
    statuses = {a.status for a in live}
    if statuses <= DONE and unfilled == 0:
        return OrderStatus.COMPLETED
    if statuses & DONE or any(a.partly_shipped for a in live):
        return OrderStatus.PARTIALLY_SHIPPED
    if _A.READY in statuses and statuses <= {_A.READY, _A.COLLECTED}:
        return OrderStatus.READY_FOR_PICKUP
    if statuses & IN_PROGRESS:
        return OrderStatus.IN_FULFILMENT
    return OrderStatus.PARTIALLY_ALLOCATED if unfilled else OrderStatus.ALLOCATED


def cancel_refusal(allocation_statuses: Iterable[str]) -> str | None:
    """Why an order can no longer be cancelled, or None."""
    done = sorted({s for s in allocation_statuses if s in DONE})
    return f"part of it is already {' and '.join(done)}" if done else None


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: nothing to misread over the phone


def order_number(unix_ms: int, random_byte: int) -> str:
    """The order's id as people read it out: ORD-XXXXX-XXXXX, 42 bits of milliseconds and 8 random bits in
    Crockford base32. Ids sort in time order (the list pages by id) and never repeat after a rebuilt central."""
    value = ((unix_ms & (2**42 - 1)) << 8) | (random_byte & 0xFF)
    chars = "".join(CROCKFORD[(value >> shift) & 31] for shift in range(45, -5, -5))
    return f"ORD-{chars[:5]}-{chars[5:]}"
