"""Changes to an order after it was placed, as pure rules: short picks, a line cancelled or reduced before
picking, a held pickup moved to another store, and the refund due for every unit the customer will not get.

A unit of an order line is, at any time, exactly one of: given up (cancelled, its refund due), covered by a
live allocation, or waiting (unfilled). An order that is over has nothing waiting and nothing in progress, so
what was charged minus the refunds due is the value of what was shipped or collected.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from central.domain.orders import DONE, AllocationStatus

# Allocations whose units are still on the shelf at the node: a line may be cancelled or reduced there.
_A = AllocationStatus
NOT_PICKED = frozenset({_A.PENDING, _A.ACCEPTED})


def reroutes_shortage(delivery_type: str, reroute_shortages: Mapping[str, bool]) -> bool:
    """Whether units a store could not pick go to another node (True) or are given up with a refund due."""
    return bool(reroute_shortages.get(delivery_type, False))


def refund_amount(units: Mapping[str, int], unit_prices: Mapping[str, int | None]) -> int:
    """What the customer gets back for units given up: their catalog price when ordered, tax included."""
    return sum(qty * (unit_prices.get(sku) or 0) for sku, qty in units.items())


def rest_to_give_up(ordered: Mapping[str, int], given_up: Mapping[str, int],
                    done: Mapping[str, int]) -> dict[str, int]:
    """When an order is over, units neither shipped/collected nor given up yet: the customer never gets them."""
    rest = {sku: qty - given_up.get(sku, 0) - done.get(sku, 0) for sku, qty in ordered.items()}
    return {sku: qty for sku, qty in rest.items() if qty > 0}


@dataclass(frozen=True)
class AllocationShare:
    """An allocation's units of one SKU, as a line cancel sees them."""

    allocation_id: str
    status: str
    qty: int


@dataclass(frozen=True)
class LineCancelPlan:
    from_unfilled: int                       # units nobody was fulfilling: given up without a command
    from_allocations: tuple[tuple[str, int], ...]  # (allocation id, units taken out of it), newest first


class LineCancelRefused(ValueError):
    """The line cannot be cancelled or reduced as asked; the message says why."""


def plan_line_cancel(sku: str, open_units: int, unfilled: int, shares: Iterable[AllocationShare],
                     qty: int | None) -> LineCancelPlan:
    """Which units of a line to give up: `qty` of them (None: every open unit), those nobody is fulfilling
    first, then the newest allocations'. Refused once any unit of the line is picked, or beyond what is open."""
    shares = list(shares)
    picked = sorted({s.status for s in shares if s.status not in NOT_PICKED})
    if picked:
        raise LineCancelRefused(f"{sku} can no longer be changed: part of it is already {' and '.join(picked)}.")
    wanted = open_units if qty is None else qty
    if wanted > open_units:
        raise LineCancelRefused(f"Only {open_units} unit(s) of {sku} are left on the order; cancel at most that "
                                "many.")
    take_unfilled = min(wanted, unfilled)
    need, taken = wanted - take_unfilled, []
    for share in reversed(shares):
        if need == 0:
            break
        n = min(need, share.qty)
        taken.append((share.allocation_id, n))
        need -= n
    return LineCancelPlan(take_unfilled, tuple(taken))


def remaining_after(lines: Mapping[str, int], sku: str, taken: int) -> tuple[tuple[str, int], ...]:
    """An allocation's lines once `taken` units of `sku` are out of it (lines that fall to zero go)."""
    after = {s: q - (taken if s == sku else 0) for s, q in lines.items()}
    return tuple((s, q) for s, q in sorted(after.items()) if q > 0)


def move_refusal(*, delivery_type: str, cancel_requested: bool, closed: bool, current_store: str, new_store: str,
                 statuses: Iterable[str], waiting_units: int, last_heard: datetime | None, now: datetime,
                 offline_limit: timedelta) -> str | None:
    """Why a pickup order cannot move to `new_store` now, or None. It may move while it waits for stock at its
    store, or while its store has been silent longer than the policy allows; never once anything was handed over."""
    if delivery_type != "pickup":
        return "only a pickup order can move to another pickup store"
    if closed or cancel_requested:
        return "it is over or being cancelled"
    if new_store == current_store:
        return f"it is already to be collected at {current_store}"
    if any(s in DONE for s in statuses):
        return "part of it was already collected"
    offline = last_heard is None or now - last_heard > offline_limit
    if waiting_units == 0 and not offline:
        minutes = int(offline_limit.total_seconds() // 60)
        return (f"{current_store} holds every unit and is online; an order moves only while it waits for stock, "
                f"or after its store has been offline for more than {minutes} minute(s)")
    return None
