"""Lifecycle of a fulfilment (= an allocation, DESIGN §6) at the store, and what each step does.

Pickup: assigned → accepted → picked → ready → collected; ready → expired (no-show).
Ship:   assigned → accepted → picked → packed → shipped.
Both:   assigned | accepted | picked → rejected; anything not yet handed over → cancelled.

`STEPS` says, for each step, where it may start, what it does to stock, the event it records, the
ledger reason, the paper it prints and the tasks it opens or closes; the service only carries it out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from edge.domain.stock import Change, Levels, Movement
from shared.contract import pickup_codes as pickup
from shared.contract.models import FulfilmentStatus as S
from shared.contract.models import FulfilmentType, RejectReason

PICKUP, SHIP = FulfilmentType.PICKUP, FulfilmentType.SHIP
_BEFORE_HANDOVER = frozenset({S.ASSIGNED, S.ACCEPTED, S.PICKED})


class StockEffect(StrEnum):
    NONE = "none"
    RESERVE = "reserve"  # the ordered units are promised to the order
    RELEASE_SHORT = "release_short"  # units ordered but not picked go back to the shelf's free units
    RELEASE_HELD = "release_held"  # everything the fulfilment holds goes back (what a rejection's reason does
    # to the units besides: edge.domain.shortfalls)
    HAND_OVER = "hand_over"  # what it holds leaves the shelf, and its reservation ends


class Paper(StrEnum):
    NONE = "none"
    PICK_LIST = "pick_list"
    BAG_TAG = "bag_tag"
    COLLECTION_RECEIPT = "collection_receipt"
    PACKING_SLIP = "packing_slip"
    SHIPPING_LABEL = "shipping_label"


@dataclass(frozen=True)
class Step:
    target: S
    allowed_from: dict[FulfilmentType, frozenset[S]]  # a type missing here does not have the step
    stock: StockEffect
    event_type: str
    ledger_reason: str | None  # None: the step's own reason (a rejection's)
    paper: Paper = Paper.NONE
    closes_accept_task: bool = False
    put_back_from: frozenset[S] = frozenset()  # picked units are off the shelf: someone puts them back
    default_reason: str | None = None  # set for the steps that record why


def _from(pickup_from: set[S] | frozenset[S] | None, ship_from: set[S] | frozenset[S] | None
          ) -> dict[FulfilmentType, frozenset[S]]:
    allowed = {PICKUP: pickup_from, SHIP: ship_from}
    return {type_: frozenset(states) for type_, states in allowed.items() if states is not None}


STEPS: dict[S, Step] = {step.target: step for step in (
    Step(S.ACCEPTED, _from({S.ASSIGNED}, {S.ASSIGNED}), StockEffect.RESERVE, "fulfilment.accepted", "reserve",
         Paper.PICK_LIST, closes_accept_task=True),
    Step(S.REJECTED, _from(_BEFORE_HANDOVER, _BEFORE_HANDOVER), StockEffect.RELEASE_HELD, "fulfilment.rejected",
         None, closes_accept_task=True, default_reason=RejectReason.OTHER),
    Step(S.PICKED, _from({S.ACCEPTED}, {S.ACCEPTED}), StockEffect.RELEASE_SHORT, "fulfilment.picked", "release"),
    Step(S.READY, _from({S.PICKED}, None), StockEffect.NONE, "pickup.ready", "", Paper.BAG_TAG),
    Step(S.COLLECTED, _from({S.READY}, None), StockEffect.HAND_OVER, "pickup.collected", "collected",
         Paper.COLLECTION_RECEIPT),
    Step(S.EXPIRED, _from({S.READY}, None), StockEffect.RELEASE_HELD, "pickup.expired", "release",
         put_back_from=frozenset({S.READY})),
    Step(S.PACKED, _from(None, {S.PICKED}), StockEffect.NONE, "shipment.packed", "", Paper.PACKING_SLIP),
    Step(S.SHIPPED, _from(None, {S.PACKED}), StockEffect.HAND_OVER, "shipment.shipped", "shipped",
         Paper.SHIPPING_LABEL),
    Step(S.CANCELLED, _from(_BEFORE_HANDOVER | {S.READY}, _BEFORE_HANDOVER | {S.PACKED}), StockEffect.RELEASE_HELD,
         "fulfilment.cancelled", "release", closes_accept_task=True,
         put_back_from=frozenset({S.PICKED, S.READY, S.PACKED}), default_reason="cancelled"),
)}
ALLOWED: dict[FulfilmentType, dict[S, frozenset[S]]] = {
    type_: {target: step.allowed_from[type_] for target, step in STEPS.items() if type_ in step.allowed_from}
    for type_ in FulfilmentType}
FINAL = {S.COLLECTED, S.SHIPPED, S.REJECTED, S.CANCELLED, S.EXPIRED}
# Accepted and not yet handed over: the fulfilment reserves units on the shelf.
HOLDING = frozenset({S.ACCEPTED, S.PICKED, S.READY, S.PACKED})


class TransitionRefused(ValueError):
    """A step that is not possible from the fulfilment's current state."""


class FulfilmentRuleBroken(ValueError):
    """A step asked with values that make no sense (e.g. more picked than ordered)."""


def transition(type_: FulfilmentType, current: S, target: S) -> bool:
    """True when the fulfilment moves to `target`; False when it is there already (repeating answers 200)."""
    if current == target:
        return False
    if current not in ALLOWED[type_].get(target, frozenset()):
        raise TransitionRefused(f"A {type_} fulfilment that is {current} cannot become {target}.")
    return True


def pickup_code_matches(code: str, expected_hash: str | None) -> bool:
    return expected_hash is not None and pickup.code_hash(code) == expected_hash.lower()


def accept_expired(accept_by: datetime, now: datetime) -> bool:
    return now >= accept_by


def pickup_deadline(ready_at: datetime, hold_days: int) -> datetime:
    return ready_at + timedelta(days=hold_days)


def totals(lines: list[tuple[str, int]]) -> dict[str, int]:
    """Units per SKU (an order may name a SKU on two lines)."""
    units: dict[str, int] = {}
    for sku, qty in lines:
        units[sku] = units.get(sku, 0) + qty
    return units


def stock_is_there(levels: dict[str, Levels], wanted: dict[str, int]) -> bool:
    """Every SKU has the units free of other reservations (the auto-accept condition)."""
    return all(levels[sku].on_hand - levels[sku].reserved >= qty for sku, qty in wanted.items())


def shortages(wanted: dict[str, int], picked: dict[str, int]) -> dict[str, int]:
    """Units ordered but not picked, per SKU; `FulfilmentRuleBroken` for picks of other or extra units."""
    for sku, qty in picked.items():
        if sku not in wanted:
            raise FulfilmentRuleBroken(f"{sku} is not part of this fulfilment.")
        if qty < 0 or qty > wanted[sku]:
            raise FulfilmentRuleBroken(f"{qty} units of {sku} picked, but {wanted[sku]} were ordered.")
    short = {sku: qty - picked.get(sku, 0) for sku, qty in wanted.items()}
    return {sku: qty for sku, qty in short.items() if qty > 0}


StockRule = Callable[[Levels, int], Change]


def reserve(levels: Levels, qty: int) -> Change:
    movement = Movement(reserved=qty)
    return Change(movement, movement.applied_to(levels))


def release(levels: Levels, qty: int) -> Change:
    movement = Movement(reserved=-min(qty, levels.reserved))
    return Change(movement, movement.applied_to(levels))


def hand_over(levels: Levels, qty: int) -> Change:
    """Collected or shipped: the units leave the shelf and their reservation ends."""
    movement = Movement(on_hand=-qty, reserved=-min(qty, levels.reserved))
    return Change(movement, movement.applied_to(levels))


def write_off_phantom(levels: Levels, qty: int) -> Change:
    """Units the books held that could not be found leave on-hand (never below zero: the count task
    that opens with it finds out the rest)."""
    movement = Movement(on_hand=-min(qty, max(0, levels.on_hand - levels.reserved)))
    return Change(movement, movement.applied_to(levels))


def stock_plan(effect: StockEffect, *, wanted: dict[str, int], held: dict[str, int], short: dict[str, int],
               then: dict[str, list[tuple[StockRule, int]]] | None = None) -> dict[str, list[tuple[StockRule, int]]]:
    """The stock rules a step applies, per SKU and in order: `wanted` the order's units, `held` what the
    fulfilment reserves, `short` the units not picked; `then` the rules that follow the step's own (what a
    shortfall does to the units, edge.domain.shortfalls)."""
    plan: dict[str, list[tuple[StockRule, int]]] = {}
    if effect is StockEffect.RESERVE:
        plan = {sku: [(reserve, qty)] for sku, qty in wanted.items()}
    elif effect is StockEffect.RELEASE_SHORT:
        plan = {sku: [(release, qty)] for sku, qty in short.items()}
    elif effect is StockEffect.HAND_OVER:
        plan = {sku: [(hand_over, qty)] for sku, qty in held.items()}
    elif effect is StockEffect.RELEASE_HELD:
        plan = {sku: [(release, qty)] for sku, qty in held.items()}
    for sku, rules in (then or {}).items():
        plan.setdefault(sku, []).extend(rules)
    return plan


def apply_plan(levels: dict[str, Levels], plan: dict[str, list[tuple[StockRule, int]]]) -> dict[str, Change]:
    """Each SKU's rules applied one after the other to its levels: the whole movement and where it ends."""
    changes = {}
    for sku, rules in plan.items():
        change = Change(Movement(), levels[sku])
        for rule, qty in rules:
            step = rule(change.levels, qty)
            change = Change(change.movement.then(step.movement), step.levels)
        changes[sku] = change
    return changes


def held_after(effect: StockEffect, *, wanted: dict[str, int], held: dict[str, int],
               short: dict[str, int]) -> dict[str, int] | None:
    """What the fulfilment reserves after a step of `effect`; None when the step leaves it as it was."""
    if effect is StockEffect.RESERVE:
        return dict(wanted)
    if effect is StockEffect.RELEASE_SHORT:
        after = {sku: qty - short.get(sku, 0) for sku, qty in held.items()}
        return {sku: qty for sku, qty in after.items() if qty}
    if effect in (StockEffect.RELEASE_HELD, StockEffect.HAND_OVER):
        return {}
    return None
