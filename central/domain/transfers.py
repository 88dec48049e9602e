"""Transfers between nodes at head office (docs/transfers.md), as pure rules.

Head office asks one node to send units to another. The lifecycle at central:
`requested → accepted → shipped → received`; `requested | accepted → rejected` (the sender can send none of it);
`requested | accepted → cancel_requested → cancelled` (head office's cancel, confirmed by the sender). A shipment
always wins over a cancel: the units have left the shelf, so a cancel that arrives after it is recorded as too late,
never applied.

Where the units are counted while they move (each unit in exactly one place):
- `requested` (or `cancel_requested`) and not yet answered by the sender: *pending* at the sender, as a
  not-yet-accepted allocation's units are; once the sender's `transfer.accepted` is applied its `reserved` holds them;
- `shipped`: *in transit*, inbound supply at the receiver, never part of ATP;
- `received`: in the receiver's on-hand; units shipped but not counted in form the *discrepancy*.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.contract.errors import InvalidInput, InvalidTransition


class TransferStatus(StrEnum):
    REQUESTED = "requested"                # sent to the sender, not answered yet
    ACCEPTED = "accepted"                  # the sender reserved the units
    CANCEL_REQUESTED = "cancel_requested"  # head office cancelled; the sender has not confirmed yet
    SHIPPED = "shipped"                    # units in transit
    RECEIVED = "received"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


S = TransferStatus
BEFORE_SHIPPING = frozenset({S.REQUESTED, S.ACCEPTED, S.CANCEL_REQUESTED})
# While the sender has not answered, these statuses keep the asked units pending at it.
PENDING_STATUSES = frozenset({S.REQUESTED, S.CANCEL_REQUESTED})
FINAL = frozenset({S.RECEIVED, S.REJECTED, S.CANCELLED})
REJECT_REASONS = ("not_found", "damaged", "other")


def units_pending(status: str, answered: bool) -> bool:
    """Are the asked units pending at the sender (counted against its ATP before its store reserves them)?"""
    return status in PENDING_STATUSES and not answered


@dataclass(frozen=True)
class Step:
    """What one event of a store does to a transfer: its status after, whether the event is applied (a late or
    out-of-place event is only recorded), and a sentence for the history when something was unusual."""

    status: TransferStatus
    applies: bool
    note: str | None = None
    cancel_too_late: bool = False  # head office's cancel lost to this shipment: the history says so


def on_event(status: str, event_type: str) -> Step:
    """The transfer's next status on a store's `transfer.*` event."""
    status = S(status)
    kind = event_type.removeprefix("transfer.")
    if kind == "accepted":
        if status is S.REQUESTED:
            return Step(S.ACCEPTED, True)
        if status is S.CANCEL_REQUESTED:  # reserved before the cancel reached it: the cancel follows
            return Step(status, True)
        return Step(status, False, f"acceptance came while the transfer was {status}: recorded only")
    if kind in ("rejected", "cancelled"):
        if status in BEFORE_SHIPPING:
            return Step(S.REJECTED if kind == "rejected" else S.CANCELLED, True)
        return Step(status, False, f"{kind} came while the transfer was {status}: recorded only")
    if kind == "shipped":
        if status in (S.REQUESTED, S.ACCEPTED):
            return Step(S.SHIPPED, True)
        if status is S.CANCEL_REQUESTED:
            return Step(S.SHIPPED, True, "cancel came too late: the sender had shipped already", cancel_too_late=True)
        if status in (S.REJECTED, S.CANCELLED):  # the units left the shelf all the same: a shipment wins
            return Step(S.SHIPPED, True, f"shipped although {status} at central: the shipment wins")
        return Step(status, False, f"a second shipment came while the transfer was {status}: recorded only")
    if kind == "received":
        if status is S.SHIPPED:
            return Step(S.RECEIVED, True)
        if status is S.RECEIVED:
            return Step(status, False, "a second receipt: recorded only (one receipt per transfer)")
        return Step(S.RECEIVED, True, f"received while {status} at central: the units were counted in all the same")
    raise ValueError(f"not a transfer event: {event_type}")


def cancel(status: str, transfer_id: str) -> TransferStatus:
    """Head office's cancel: the status it leads to (the same status when asked again), or why it cannot."""
    status = S(status)
    if status in (S.REQUESTED, S.ACCEPTED):
        return S.CANCEL_REQUESTED
    if status in (S.CANCEL_REQUESTED, S.CANCELLED):
        return status
    if status in (S.SHIPPED, S.RECEIVED):
        raise InvalidTransition(f"Transfer {transfer_id} is {status}: too late to cancel, the units have left the "
                                "sender. Receive them and send them back with a new transfer.", status=status)
    raise InvalidTransition(f"Transfer {transfer_id} was rejected by the sender: there is nothing to cancel.",
                            status=status)


@dataclass(frozen=True)
class NodeFacts:
    """What a request needs to know of a node."""

    node_id: str
    node_type: str  # store | warehouse


def check_request(from_node: NodeFacts | None, to_node: NodeFacts | None, from_id: str, to_id: str,
                  unknown_skus: Iterable[str]) -> None:
    """Refuse a transfer head office cannot ask for, with a sentence saying why."""
    if from_id == to_id:
        raise InvalidInput(f"A transfer goes from one node to another; {from_id} is both. Pick another receiver.",
                           field="to_node")
    for field, node_id, node in (("from_node", from_id, from_node), ("to_node", to_id, to_node)):
        if node is None:
            raise InvalidInput(f"No store or warehouse {node_id} is registered; register it first.", field=field)
    if from_node.node_type != "store":
        raise InvalidInput(f"{from_id} is a warehouse: transfers are sent from stores (a warehouse's own system "
                           "ships its stock).", field="from_node")
    unknown = sorted(set(unknown_skus))
    if unknown:
        raise InvalidInput(f"No product has the SKU {', '.join(unknown)}; add it with PUT /v1/products/{{sku}} first.",
                           field="lines", skus=unknown)


def units_by_sku(lines: Iterable) -> dict[str, int]:
    """A message's lines as sku → units (a SKU on two lines counts once, with both quantities)."""
    units: dict[str, int] = {}
    for line in lines:
        units[line.sku] = units.get(line.sku, 0) + line.qty
    return units


def discrepancy(shipped: dict[str, int], received: dict[str, int]) -> list[dict]:
    """Per SKU where they differ, sorted: {sku, shipped, received, missing}; `missing` < 0 when more arrived."""
    return [{"sku": sku, "shipped": shipped.get(sku, 0), "received": received.get(sku, 0),
             "missing": shipped.get(sku, 0) - received.get(sku, 0)}
            for sku in sorted(set(shipped) | set(received)) if shipped.get(sku, 0) != received.get(sku, 0)]


def expected_at(asked: datetime | None, shipped_at: datetime, transit_s: float) -> datetime:
    """When shipped units are due at the receiver: the date head office gave, else shipping time + transit time."""
    return asked if asked is not None else shipped_at + timedelta(seconds=transit_s)
