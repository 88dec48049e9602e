"""Stock rules of a store (DESIGN §5): what a receipt or an adjustment does to a SKU's levels.

Negative on-hand is recorded, never refused: the shelf is the truth, the books catch up.
"""

from dataclasses import dataclass

from shared.contract.models import AdjustReason

# damaged: units leave the shelf for the damaged pile; shrink: units are gone (theft, loss);
# found: units turned up; other: a correction either way, explained in the note.


class StockRuleBroken(ValueError):
    """A stock change that makes no sense as asked; the message says how to ask instead."""


@dataclass(frozen=True)
class Levels:
    on_hand: int = 0
    reserved: int = 0
    damaged: int = 0

    @property
    def available(self) -> int:
        """Units a walk-in sale may take without touching reservations."""
        return max(0, self.on_hand - self.reserved)


@dataclass(frozen=True)
class Movement:
    """The ledger's view of one change: how much each level moved."""

    on_hand: int = 0
    reserved: int = 0
    damaged: int = 0

    def applied_to(self, levels: Levels) -> Levels:
        return Levels(on_hand=levels.on_hand + self.on_hand, reserved=levels.reserved + self.reserved,
                      damaged=levels.damaged + self.damaged)


@dataclass(frozen=True)
class Change:
    movement: Movement
    levels: Levels


MAX_QTY = 1_000_000


def receive(levels: Levels, qty: int) -> Change:
    """A delivery: `qty` more units on the shelf."""
    if qty <= 0:
        raise StockRuleBroken(f"A delivery must bring at least one unit; {qty} was given.")
    if qty > MAX_QTY:
        raise StockRuleBroken(f"A delivery of {qty} units is more than {MAX_QTY}; check the quantity.")
    movement = Movement(on_hand=qty)
    return Change(movement, movement.applied_to(levels))


def adjust(levels: Levels, delta: int, reason: AdjustReason) -> Change:
    """A correction of on-hand by `delta` units, for a reason that says which way it may go."""
    if delta == 0:
        raise StockRuleBroken("An adjustment of 0 units changes nothing; give the number of units gained or lost.")
    if abs(delta) > MAX_QTY:
        raise StockRuleBroken(f"An adjustment of {delta} units is larger than {MAX_QTY}; check the quantity.")
    if reason in (AdjustReason.DAMAGED, AdjustReason.SHRINK) and delta > 0:
        raise StockRuleBroken(f"A {reason} adjustment takes units off the shelf: give a negative delta "
                              f"(e.g. {-delta}).")
    if reason is AdjustReason.FOUND and delta < 0:
        raise StockRuleBroken(f"A found adjustment adds units: give a positive delta (e.g. {-delta}).")
    if reason is AdjustReason.DAMAGED:
        movement = Movement(on_hand=delta, damaged=-delta)
    else:
        movement = Movement(on_hand=delta)
    return Change(movement, movement.applied_to(levels))


def count(levels: Levels, counted: int) -> Change:
    """A cycle count: the shelf holds `counted` sellable units; the variance moves on-hand there."""
    if counted < 0:
        raise StockRuleBroken(f"A count is the number of units on the shelf, 0 or more; {counted} was given.")
    if counted > MAX_QTY:
        raise StockRuleBroken(f"A count of {counted} units is more than {MAX_QTY}; check the number.")
    movement = Movement(on_hand=counted - levels.on_hand)
    return Change(movement, movement.applied_to(levels))
