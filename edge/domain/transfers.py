"""Transfers between nodes at the store (docs/edge.md, "Transfers"): what each step may do and what it does
to stock. Head office moves units from one node to another; this store is the sender or the receiver.

To send:    reserved → shipped | rejected | cancelled   (`transfer.send` reserves the units at once)
To receive: in_transit → received                     (`transfer.inbound` says what the sender shipped)

A shipment takes the shipped units off the shelf and ends the whole reservation; units asked for but not shipped
were not on the shelf: like a short pick they leave on-hand and the SKU is counted (edge.domain.shortfalls). A
receipt puts the units counted in on the shelf; fewer or more than shipped is a difference head office follows up.
A cancel that comes once the units left is too late and changes nothing.
"""

from dataclasses import dataclass
from enum import StrEnum

from edge.domain import shortfalls
from edge.domain.fulfilment import StockRule, hand_over, release, reserve, totals
from edge.domain.stock import Change, Levels, Movement
from shared.contract.models import MAX_QTY


class Direction(StrEnum):
    OUT = "out"  # this store sends
    IN = "in"    # this store receives


class Status(StrEnum):
    RESERVED = "reserved"
    SHIPPED = "shipped"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"


# Where each step may start; every other start is refused.
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.SHIPPED: frozenset({Status.RESERVED}),
    Status.REJECTED: frozenset({Status.RESERVED}),
    Status.CANCELLED: frozenset({Status.RESERVED}),
    Status.RECEIVED: frozenset({Status.IN_TRANSIT}),
}
OPEN = frozenset({Status.RESERVED, Status.IN_TRANSIT})  # work waiting at the counter
HOLDING = frozenset({Status.RESERVED})  # the transfer's units are in `reserved`
REJECT_REASONS = ("not_found", "damaged", "other")
SHORT_NOTE = "short when shipping a transfer"
NOT_FOUND_NOTE = "not found for a transfer"


class TransitionRefused(ValueError):
    """A step that is not possible from the transfer's current state."""


class TransferRuleBroken(ValueError):
    """Counts that make no sense for this transfer (more shipped than asked, a SKU it does not carry)."""


_DONE = {Status.SHIPPED: "shipped", Status.REJECTED: "rejected", Status.CANCELLED: "cancelled",
         Status.RECEIVED: "received"}


def check_step(current: Status, target: Status) -> None:
    """`TransitionRefused` unless `target` may follow `current` (a second receipt or shipment included)."""
    if current not in ALLOWED[target]:
        if current in _DONE:
            raise TransitionRefused(f"It was already {_DONE[current]}; nothing changed.")
        raise TransitionRefused(f"A transfer that is {current.replace('_', ' ')} cannot be {_DONE[target]}.")


def cancel_applies(current: Status) -> bool:
    """Head office's cancel is honoured only before the units leave; afterwards (or twice) it changes nothing."""
    return current in ALLOWED[Status.CANCELLED]


def counted(expected: dict[str, int], lines: list[tuple[str, int]], *, what: str) -> dict[str, int]:
    """Units per SKU of the transfer as counted at the counter (a SKU not named: none); `TransferRuleBroken` for a
    SKU the transfer does not carry or a number out of range. `what` names the count in the sentence."""
    units = {sku: 0 for sku in expected}
    for sku, qty in lines:
        if sku not in expected:
            raise TransferRuleBroken(f"{sku} is not part of this transfer; take it out of the {what} units.")
        if qty < 0:
            raise TransferRuleBroken(f"{qty} units of {sku} {what}: give 0 or more.")
        units[sku] += qty
        if units[sku] > MAX_QTY:
            raise TransferRuleBroken(f"{units[sku]} units of {sku} {what} is more than {MAX_QTY}; check the count.")
    return units


@dataclass(frozen=True)
class Difference:
    """One SKU whose count differs from what it should be: `expected` asked (or shipped), `counted` there."""

    sku: str
    expected: int
    counted: int

    @property
    def missing(self) -> int:
        """Units that did not come (negative: more came than expected)."""
        return self.expected - self.counted


def differences(expected: dict[str, int], got: dict[str, int]) -> list[Difference]:
    return [Difference(sku, expected.get(sku, 0), got.get(sku, 0)) for sku in sorted(expected.keys() | got.keys())
            if expected.get(sku, 0) != got.get(sku, 0)]


def shipment(asked: dict[str, int], lines: list[tuple[str, int]]) -> dict[str, int]:
    """Units shipped per SKU: never more than asked, and something at all (else the transfer is rejected)."""
    shipped = counted(asked, lines, what="shipped")
    for sku, qty in shipped.items():
        if qty > asked[sku]:
            raise TransferRuleBroken(f"{qty} units of {sku} shipped, but only {asked[sku]} were asked for; "
                                     "ship at most what head office asked.")
    if not any(shipped.values()):
        raise TransferRuleBroken("Nothing would be shipped: reject the transfer (reason not_found) instead.")
    return shipped


def short_sentence(short: list[Difference]) -> str:
    """"2 of 5 TEE-RED-M and 1 of 1 MUG-01" — what a short shipment leaves behind."""
    parts = [f"{d.missing} of {d.expected} {d.sku}" for d in short]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def difference_sentence(found: list[Difference]) -> str:
    """"3 of 5 TEE-RED-M came (2 missing), 4 MUG-01 came for 3 shipped (1 more)"."""
    parts = []
    for d in found:
        if d.missing > 0:
            parts.append(f"{d.counted} of {d.expected} {d.sku} came ({d.missing} missing)")
        else:
            parts.append(f"{d.counted} {d.sku} came for {d.expected} shipped ({-d.missing} more)")
    return "; ".join(parts)


# ---- what each step does to stock: rules per SKU, applied in order (edge.domain.fulfilment.apply_plan) --------------

Plan = dict[str, list[tuple[StockRule, int]]]


def arrive(levels: Levels, qty: int) -> Change:
    """Units counted in from another node go on the shelf."""
    movement = Movement(on_hand=qty)
    return Change(movement, movement.applied_to(levels))


def reserve_plan(asked: dict[str, int]) -> Plan:
    """What was asked is reserved, even if the shelf seems short (the pick will tell)."""
    return {sku: [(reserve, qty)] for sku, qty in asked.items() if qty}


def ship_plan(held: dict[str, int], shipped: dict[str, int]) -> tuple[Plan, shortfalls.Shortfall]:
    """The shipped units leave the shelf, the whole reservation ends, and the units not shipped leave on-hand
    with a count of the SKU (a short pick's rule); the shortfall names the SKUs to count."""
    short = {sku: qty - shipped.get(sku, 0) for sku, qty in held.items()}
    shortfall = shortfalls.of_short_pick(short, SHORT_NOTE)
    plan: Plan = {}
    for sku, qty in held.items():
        rules = [(hand_over, shipped.get(sku, 0))] if shipped.get(sku, 0) else []
        if short[sku] > 0:
            rules.append((release, short[sku]))
        plan[sku] = rules + shortfall.rules.get(sku, [])
    return plan, shortfall


def release_plan(held: dict[str, int], reason: str | None = None) -> tuple[Plan, shortfalls.Shortfall]:
    """The reservation ends; a rejection's reason then does to the units what a fulfilment's would (not_found:
    off on-hand with a count; damaged: to the damaged pile); a cancel moves nothing more."""
    shortfall = shortfalls.of_rejection(reason, held, held, NOT_FOUND_NOTE) if reason else shortfalls.NOTHING
    plan: Plan = {sku: [(release, qty)] for sku, qty in held.items() if qty}
    for sku, rules in shortfall.rules.items():
        plan.setdefault(sku, []).extend(rules)
    return plan, shortfall


def receive_plan(received: dict[str, int]) -> Plan:
    return {sku: [(arrive, qty)] for sku, qty in received.items() if qty}


def units(lines: list[dict]) -> dict[str, int]:
    """Units per SKU of stored lines `[{sku, qty}]` (a SKU may come on two lines)."""
    return totals([(line["sku"], line["qty"]) for line in lines])
