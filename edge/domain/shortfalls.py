"""What the store's books do with units a customer order could not have (DESIGN §5, issue 12): units short at
picking, and units of a rejected fulfilment, by the rejection's reason.

- short at picking: the shelf did not hold them, so they leave on-hand and a count of the SKU opens;
- rejected `not_found`: the same, for the units the rejection concerns;
- rejected `damaged`: those units leave on-hand for the damaged pile (not sellable, no count needed);
- rejected `no_capacity`, `accept_expired` or `other`: the units are fine; nothing moves but the reservation.

The units a rejection concerns are those the fulfilment holds, or, before it was accepted, those it asks for.
Each rule runs after the step's own release of the reservation, so it never takes units another order holds.
"""

from dataclasses import dataclass
from enum import StrEnum

from edge.domain.fulfilment import StockRule, write_off_phantom
from edge.domain.stock import Change, Levels, Movement
from shared.contract.models import RejectReason


class Consequence(StrEnum):
    NONE = "none"
    DAMAGED = "damaged"      # the units move from on-hand to damaged
    WRITE_OFF = "write_off"  # the books held units the shelf does not: they leave on-hand and the SKU is counted


REJECTION: dict[RejectReason, Consequence] = {
    RejectReason.NOT_FOUND: Consequence.WRITE_OFF,
    RejectReason.DAMAGED: Consequence.DAMAGED,
    RejectReason.NO_CAPACITY: Consequence.NONE,
    RejectReason.ACCEPT_EXPIRED: Consequence.NONE,
    RejectReason.OTHER: Consequence.NONE,
}


@dataclass(frozen=True)
class Shortfall:
    """Stock rules per SKU (applied after the step's own) and the SKUs whose shelf must be counted."""

    rules: dict[str, list[tuple[StockRule, int]]]
    count: tuple[str, ...] = ()
    note: str = ""


NOTHING = Shortfall({})


def move_to_damaged(levels: Levels, qty: int) -> Change:
    """Units found damaged leave the sellable shelf for the damaged pile (never more than the free on-hand)."""
    moved = min(qty, max(0, levels.on_hand - levels.reserved))
    movement = Movement(on_hand=-moved, damaged=moved)
    return Change(movement, movement.applied_to(levels))


def _by(consequence: Consequence, units: dict[str, int], note: str) -> Shortfall:
    units = {sku: qty for sku, qty in units.items() if qty > 0}
    if not units:
        return NOTHING
    if consequence is Consequence.DAMAGED:
        return Shortfall({sku: [(move_to_damaged, qty)] for sku, qty in units.items()})
    if consequence is Consequence.WRITE_OFF:
        return Shortfall({sku: [(write_off_phantom, qty)] for sku, qty in units.items()}, tuple(sorted(units)), note)
    return NOTHING


def of_rejection(reason: str, held: dict[str, int], wanted: dict[str, int],
                 note: str = "not found for a customer order") -> Shortfall:
    """A rejection's consequence for the units it concerns (a transfer's rejection follows the same rule)."""
    try:
        consequence = REJECTION[RejectReason(reason)]
    except ValueError:
        return NOTHING
    return _by(consequence, held or wanted, note)


def of_short_pick(short: dict[str, int], note: str = "short when picking a customer order") -> Shortfall:
    """Units ordered but not picked were not on the shelf (a transfer shipped short: the same)."""
    return _by(Consequence.WRITE_OFF, short, note)
