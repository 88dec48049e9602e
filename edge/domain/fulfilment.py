"""Lifecycle of a fulfilment (= an allocation, DESIGN §6) at the store, and what each step does to stock.

Pickup: assigned → accepted → picked → ready → collected; ready → expired (no-show).
Ship:   assigned → accepted → picked → packed → shipped.
Both:   assigned | accepted | picked → rejected; anything not yet handed over → cancelled.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from edge.domain.stock import Levels, Movement
from shared.contract import pickup_codes as pickup
from shared.contract.models import FulfilmentStatus as S
from shared.contract.models import FulfilmentType

_BEFORE_HANDOVER = {S.ASSIGNED, S.ACCEPTED, S.PICKED}
ALLOWED: dict[FulfilmentType, dict[S, set[S]]] = {
    FulfilmentType.PICKUP: {S.ACCEPTED: {S.ASSIGNED}, S.PICKED: {S.ACCEPTED}, S.READY: {S.PICKED},
                            S.COLLECTED: {S.READY}, S.EXPIRED: {S.READY}, S.REJECTED: _BEFORE_HANDOVER,
                            S.CANCELLED: _BEFORE_HANDOVER | {S.READY}},
    FulfilmentType.SHIP: {S.ACCEPTED: {S.ASSIGNED}, S.PICKED: {S.ACCEPTED}, S.PACKED: {S.PICKED},
                          S.SHIPPED: {S.PACKED}, S.REJECTED: _BEFORE_HANDOVER,
                          S.CANCELLED: _BEFORE_HANDOVER | {S.PACKED}},
}
FINAL = {S.COLLECTED, S.SHIPPED, S.REJECTED, S.CANCELLED, S.EXPIRED}


class TransitionRefused(ValueError):
    """A step that is not possible from the fulfilment's current state."""


class FulfilmentRuleBroken(ValueError):
    """A step asked with values that make no sense (e.g. more picked than ordered)."""


def transition(type_: FulfilmentType, current: S, target: S) -> bool:
    """True when the fulfilment moves to `target`; False when it is there already (repeating answers 200)."""
    if current == target:
        return False
    if current not in ALLOWED[type_].get(target, set()):
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


@dataclass(frozen=True)
class StockStep:
    movement: Movement
    levels: Levels


def reserve(levels: Levels, qty: int) -> StockStep:
    movement = Movement(reserved=qty)
    return StockStep(movement, movement.applied_to(levels))


def release(levels: Levels, qty: int) -> StockStep:
    movement = Movement(reserved=-min(qty, levels.reserved))
    return StockStep(movement, movement.applied_to(levels))


def hand_over(levels: Levels, qty: int) -> StockStep:
    """Collected or shipped: the units leave the shelf and their reservation ends."""
    movement = Movement(on_hand=-qty, reserved=-min(qty, levels.reserved))
    return StockStep(movement, movement.applied_to(levels))


def write_off_phantom(levels: Levels, qty: int) -> StockStep:
    """Units the books held that could not be found leave on-hand (never below zero: the count task
    that opens with it finds out the rest)."""
    movement = Movement(on_hand=-min(qty, max(0, levels.on_hand - levels.reserved)))
    return StockStep(movement, movement.applied_to(levels))
