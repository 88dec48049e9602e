"""Stock rules of a store (DESIGN §5): what a receipt or an adjustment does to a SKU's levels.

Negative on-hand is recorded, never refused: the shelf is the truth, the books catch up.
"""

from dataclasses import dataclass

from shared.contract.models import MAX_QTY, AdjustReason

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

    def undone_from(self, levels: Levels) -> Levels:
        """The levels this movement started from, given where it ended."""
        return Levels(on_hand=levels.on_hand - self.on_hand, reserved=levels.reserved - self.reserved,
                      damaged=levels.damaged - self.damaged)

    def then(self, other: "Movement") -> "Movement":
        """This movement followed by `other`, as one."""
        return Movement(self.on_hand + other.on_hand, self.reserved + other.reserved, self.damaged + other.damaged)


@dataclass(frozen=True)
class Change:
    movement: Movement
    levels: Levels




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


@dataclass(frozen=True)
class CountTask:
    """A job to count a SKU's shelf, opened by the movement named in `reference`."""

    sku: str
    note: str
    reference: str | None


@dataclass(frozen=True)
class Consequences:
    """What the books cannot be right about after a movement (DESIGN §5). `count`: a count task to open;
    `at_risk`: the fulfilments holding the SKU are to be flagged, the shelf has fewer units than they reserve."""

    count: CountTask | None = None
    at_risk: bool = False


def consequences(sku: str, before: Levels, after: Levels, *, reason: str, reference: str | None) -> Consequences:
    """What follows from moving a SKU from `before` to `after`, for a movement of `reason` named `reference`.

    A movement that takes on-hand below zero (or further below) opens a count task carrying the movement's
    reference; only a count closes it, and a count never leaves on-hand negative, so a negative SKU already
    has its task whatever else moves it."""
    count_task = None
    if after.on_hand < 0 and after.on_hand < before.on_hand:
        note = "sold more than the books held: on-hand went negative" if reason == "sale" else "on-hand went negative"
        count_task = CountTask(sku, note, reference)
    return Consequences(count=count_task, at_risk=after.reserved > after.on_hand)
