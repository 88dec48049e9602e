"""An order's allocations and status at central (DESIGN §6), as pure rules.

An allocation is the fulfilment at one node. It is *live* while central counts it (pending, or in
progress at the store, or done); a rejected, cancelled, timed-out or expired one is not, and a
store's later acceptance of it must be undone with a compensating cancel.
"""

from collections.abc import Iterable
from dataclasses import dataclass

PENDING = "pending"
IN_PROGRESS = frozenset({"accepted", "picked", "packed", "ready"})
DONE = frozenset({"shipped", "collected"})
CLOSED = frozenset({"rejected", "cancelled", "timed_out", "expired"})

# How far along a store's fulfilment is; a status never moves back.
_RANK = {"pending": 0, "accepted": 1, "picked": 2, "packed": 3, "ready": 3, "shipped": 4, "collected": 4}

EVENT_STATUS = {"fulfilment.accepted": "accepted", "fulfilment.rejected": "rejected",
                "fulfilment.picked": "picked", "fulfilment.cancelled": "cancelled", "pickup.ready": "ready",
                "pickup.collected": "collected", "pickup.expired": "expired", "shipment.packed": "packed",
                "shipment.shipped": "shipped"}


def is_live(status: str) -> bool:
    return status not in CLOSED


@dataclass(frozen=True)
class Transition:
    status: str             # the allocation's status after the event (maybe unchanged)
    reroute: bool = False   # its lines need another node
    compensate: bool = False  # a store took on an allocation central no longer counts: cancel it there
    note: str | None = None  # why the event changed nothing


def on_event(current: str, event_type: str, cancel_sent: bool) -> Transition:
    """What a store's fulfilment event does to an allocation central has in `current`."""
    target = EVENT_STATUS[event_type]
    if current in CLOSED:
        if target in IN_PROGRESS and not cancel_sent:
            return Transition(current, compensate=True, note=f"allocation is {current} at central")
        return Transition(current, note=f"allocation already {current}")
    if current in DONE:
        return Transition(current, note=f"allocation already {current}")
    if target in CLOSED:
        # A rejection, or a cancel the store made on its own, leaves the lines to be routed again;
        # a cancel central asked for (the order is being cancelled) does not.
        return Transition(target, reroute=target in ("rejected", "cancelled") and not cancel_sent)
    if _RANK[target] <= _RANK[current]:
        return Transition(current, note=f"allocation already {current}")
    return Transition(target)


@dataclass(frozen=True)
class AllocationState:
    status: str
    cancel_sent: bool = False


def order_status(allocations: Iterable[AllocationState], unfilled: int, cancel_requested: bool,
                 held: bool) -> str:
    """The order's status from its allocations, its unfilled units and whether a cancel was asked for."""
    allocations = list(allocations)
    live = [a for a in allocations if is_live(a.status)]
    if cancel_requested:
        if any(a.status != PENDING and a.status not in DONE for a in live):
            return "cancel_requested"  # a store still has to confirm
        return "completed" if any(a.status in DONE for a in live) else "cancelled"
    if not live:
        if any(a.status == "expired" for a in allocations):
            return "cancelled"  # the customer never came: the reservation went back to the shelf
        return "held" if held else "backordered"
    statuses = {a.status for a in live}
    if statuses <= DONE and unfilled == 0:
        return "completed"
    if statuses & DONE:
        return "partially_shipped"
    if "ready" in statuses and statuses <= {"ready", "collected"}:
        return "ready_for_pickup"
    if statuses & IN_PROGRESS:
        return "in_fulfilment"
    return "partially_allocated" if unfilled else "allocated"


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
