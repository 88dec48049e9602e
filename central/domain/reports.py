"""Head office's figures (KPIs) as pure computation: facts read from central's tables in, figures out.

Every figure is defined in docs/reports.md; the names here follow it. Times are central's clock except where a
store's own clock is all central has (a walk-in receipt's or a return's `occurred_at`). A rate is a share between 0
and 1 (returns of earlier sales can take a return rate above 1), rounded to 4 places, and None when nothing was
there to count (0 of 0 is no rate). A duration is in seconds.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from central.domain.orders import AllocationStatus
from shared.contract.errors import InvalidInput

WALK_IN = "walk_in"  # the channel of a store's own receipts


@dataclass(frozen=True)
class Window:
    """Whole UTC days, `first` to `last` inclusive."""

    first: date
    last: date

    def __post_init__(self):
        if self.first > self.last:
            raise InvalidInput(f"The range starts on {self.first}, after it ends on {self.last}; give `from` on or "
                               "before `to`.", **{"from": str(self.first), "to": str(self.last)})

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), timezone.utc)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), timezone.utc)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    channel: str
    placed_at: datetime
    completed_at: datetime | None     # when central first saw it completed (every allocation shipped or collected)
    closed: bool                      # completed or cancelled
    customer_cancelled: bool          # a cancel was asked for through the API
    ordered: int                      # units on its lines
    customer_given_up: int            # units taken off its lines at the customer's request (line cancels)
    done: int                         # units shipped or collected
    nodes: int                        # nodes its live allocations are at
    backordered: bool                 # it was backordered at some point


@dataclass(frozen=True)
class AllocationFacts:
    """An allocation of an order placed in the window; `placed_at` is its order's."""

    placed_at: datetime
    type: str                         # pickup | ship
    status: str
    reason: str | None
    picked: bool                      # the store reported it picked
    short: bool                       # ... with units missing
    ready_at: datetime | None
    collected_at: datetime | None


@dataclass(frozen=True)
class ReturnedLine:
    at: datetime
    reason: str
    disposition: str
    qty: int
    conflict: int = 0                 # units of it refunded beyond what was left to return


@dataclass(frozen=True)
class SoldUnits:
    at: datetime                      # the store reads them per day: midnight of it
    units: int


@dataclass(frozen=True)
class Money:
    """One sale, payment or refund: sales and takings are sums of these."""

    at: datetime
    store_id: str | None              # None: an online order shipped to the customer
    channel: str
    currency: str
    kind: str                         # sale | payment | refund
    amount: int
    tender: str | None = None
    documents: int = 1                # sales: how many documents this amount sums (the store reads them per day)


@dataclass(frozen=True)
class CreditEntry:
    number: str
    currency: str
    expires_at: datetime | None
    kind: str                         # issued | redeemed
    amount: int
    at: datetime


@dataclass(frozen=True)
class StoreSync:
    store_id: str
    last_heartbeat_at: datetime | None
    announced_seq: int | None         # the last seq its latest heartbeat announced (None: no heartbeat yet)
    applied_seq: int                  # what central applied of that heartbeat's epoch
    backlog: int | None               # events the store had not sent yet
    oldest_unsent_at: datetime | None
    gap_since: datetime | None


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percentile(values: Iterable[float], p: int) -> float | None:
    """Nearest rank: the smallest value at or above which `p` percent of the values lie."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def _seconds(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)


def orders_placed(orders: list[OrderFacts]) -> dict:
    return {"placed": len(orders), "completed": sum(o.completed_at is not None for o in orders),
            "customer_cancelled": sum(o.customer_cancelled for o in orders)}


def cycle_time(orders: list[OrderFacts]) -> dict:
    times = [_seconds(o.placed_at, o.completed_at) for o in orders if o.completed_at is not None]
    return {"orders": len(times), "p50_s": percentile(times, 50), "p90_s": percentile(times, 90)}


def fill_rate(orders: list[OrderFacts]) -> dict:
    counted = [o for o in orders if o.closed and not o.customer_cancelled]
    wanted = sum(o.ordered - o.customer_given_up for o in counted)
    done = sum(o.done for o in counted)
    return {"orders": len(counted), "units_wanted": wanted, "units_filled": done, "rate": rate(done, wanted)}


def split_rate(orders: list[OrderFacts]) -> dict:
    routed = [o for o in orders if o.nodes > 0]
    split = sum(o.nodes > 1 for o in routed)
    return {"orders": len(routed), "split": split, "rate": rate(split, len(routed))}


def backorder_rate(orders: list[OrderFacts]) -> dict:
    backordered = sum(o.backordered for o in orders)
    return {"orders": len(orders), "backordered": backordered, "rate": rate(backordered, len(orders))}


REROUTED = frozenset({AllocationStatus.REJECTED, AllocationStatus.TIMED_OUT})


def reroute_rate(allocations: list[AllocationFacts]) -> dict:
    """Allocations their node turned down (a store or a warehouse) or a store left unanswered, so their lines went
    elsewhere."""
    turned = [a for a in allocations if a.status in REROUTED]
    reasons = Counter(a.reason if a.status == AllocationStatus.REJECTED and a.reason else str(a.status)
                      for a in turned)
    return {"allocations": len(allocations), "rerouted": len(turned), "rate": rate(len(turned), len(allocations)),
            "reasons": dict(sorted(reasons.items()))}


def pickups(allocations: list[AllocationFacts]) -> dict:
    ready = [a for a in allocations if a.type == "pickup" and a.ready_at is not None]
    waits = [_seconds(a.ready_at, a.collected_at) for a in ready if a.collected_at is not None]
    no_shows = sum(a.status == AllocationStatus.EXPIRED for a in ready)
    return {"ready": len(ready), "collected": len(waits), "no_shows": no_shows,
            "no_show_rate": rate(no_shows, len(waits) + no_shows),
            "wait_p50_s": percentile(waits, 50), "wait_p90_s": percentile(waits, 90)}


def short_pick_rate(allocations: list[AllocationFacts]) -> dict:
    picked = [a for a in allocations if a.picked]
    short = sum(a.short for a in picked)
    return {"picked": len(picked), "short": short, "rate": rate(short, len(picked))}


def returns(lines: list[ReturnedLine], sold: list[SoldUnits]) -> dict:
    units_sold = sum(s.units for s in sold)
    returned = sum(line.qty for line in lines)
    groups = Counter()
    for line in lines:
        groups[(line.reason, line.disposition)] += line.qty
    return {"units_sold": units_sold, "units_returned": returned,
            "conflict_units": sum(line.conflict for line in lines), "rate": rate(returned, units_sold),
            "by_reason": [{"reason": reason, "disposition": disposition, "units": units,
                           "rate": rate(units, units_sold)}
                          for (reason, disposition), units in sorted(groups.items())]}


def stockouts(demand: Iterable[str], atp: dict[str, int]) -> dict:
    wanted = sorted(set(demand))
    out = [sku for sku in wanted if atp.get(sku, 0) <= 0]
    return {"skus_with_demand": len(wanted), "out_of_stock": len(out), "rate": rate(len(out), len(wanted)),
            "skus": out}


def sales(money: list[Money]) -> list[dict]:
    """Per store, channel and currency: sales, the money taken per tender, refunds paid, and what is left."""
    rows: dict[tuple, dict] = {}
    for m in money:
        row = rows.setdefault((m.store_id or "", m.channel, m.currency), {
            "store_id": m.store_id, "channel": m.channel, "currency": m.currency, "documents": 0, "sales": 0,
            "takings": 0, "refunds": 0, "net_takings": 0, "by_tender": Counter()})
        if m.kind == "sale":
            row["documents"] += m.documents
            row["sales"] += m.amount
        elif m.kind == "payment":
            row["takings"] += m.amount
            row["by_tender"][m.tender or "unknown"] += m.amount
        else:
            row["refunds"] += m.amount
            row["by_tender"][m.tender or "unknown"] -= m.amount
        row["net_takings"] = row["takings"] - row["refunds"]
    return [{**row, "by_tender": dict(sorted(row["by_tender"].items()))} for _, row in sorted(rows.items())]


def credit_liability(entries: list[CreditEntry], at: datetime) -> list[dict]:
    """What the outstanding store-credit notes are worth at `at`, per currency: each note's issued amount less
    its redemptions up to then, counted while it has not expired (a note overdrawn counts as 0)."""
    balances: dict[str, int] = {}
    currency_of: dict[str, str] = {}
    for e in entries:
        if e.at >= at or (e.expires_at is not None and e.expires_at <= at):
            continue
        currency_of[e.number] = e.currency
        balances[e.number] = balances.get(e.number, 0) + (e.amount if e.kind == "issued" else -e.amount)
    per_currency: dict[str, dict] = {}
    for number, balance in balances.items():
        row = per_currency.setdefault(currency_of[number], {"currency": currency_of[number], "notes": 0,
                                                            "outstanding": 0})
        if balance > 0:
            row["notes"] += 1
            row["outstanding"] += balance
    return [per_currency[c] for c in sorted(per_currency)]


def sync_lag(stores: list[StoreSync], now: datetime) -> list[dict]:
    """Per store: how far behind central is, in events and in time."""
    return [{"store_id": s.store_id, "last_heartbeat_at": s.last_heartbeat_at,
             "heartbeat_age_s": _seconds(s.last_heartbeat_at, now) if s.last_heartbeat_at else None,
             "events_behind": max(0, s.announced_seq - s.applied_seq) if s.announced_seq is not None else None,
             "unsent": s.backlog,
             "lag_s": (_seconds(s.oldest_unsent_at, now) if s.backlog and s.oldest_unsent_at else 0.0)
             if s.backlog is not None else None,
             "gap_since": s.gap_since}
            for s in sorted(stores, key=lambda s: s.store_id)]


@dataclass(frozen=True)
class Facts:
    """Everything the figures of one window are computed from."""

    orders: list[OrderFacts]
    allocations: list[AllocationFacts]
    returned: list[ReturnedLine]
    sold: list[SoldUnits]
    money: list[Money]
    demand: list[str]
    atp: dict[str, int]
    credit: list[CreditEntry]
    stores: list[StoreSync]


def kpis(facts: Facts, window: Window, now: datetime) -> dict:
    return {"orders": orders_placed(facts.orders), "cycle_time": cycle_time(facts.orders),
            "fill_rate": fill_rate(facts.orders), "split_rate": split_rate(facts.orders),
            "backorder_rate": backorder_rate(facts.orders), "reroute_rate": reroute_rate(facts.allocations),
            "pickups": pickups(facts.allocations), "short_pick_rate": short_pick_rate(facts.allocations),
            "returns": returns(facts.returned, facts.sold), "stockouts": stockouts(facts.demand, facts.atp),
            "sales": sales(facts.money), "credit_liability": credit_liability(facts.credit, min(now, window.end)),
            "sync_lag": sync_lag(facts.stores, now)}


def _split_by_day(facts: Facts) -> dict[date, Facts]:
    """The window's facts per day: orders and their allocations by the day placed, the rest by when it happened."""
    days: dict[date, dict[str, list]] = {}

    def put(name: str, items: list, when: Callable) -> None:
        for item in items:
            days.setdefault(when(item).date(), {}).setdefault(name, []).append(item)

    put("orders", facts.orders, lambda o: o.placed_at)
    put("allocations", facts.allocations, lambda a: a.placed_at)
    put("returned", facts.returned, lambda r: r.at)
    put("sold", facts.sold, lambda s: s.at)
    put("money", facts.money, lambda m: m.at)
    return {day: Facts(orders=lists.get("orders", []), allocations=lists.get("allocations", []),
                       returned=lists.get("returned", []), sold=lists.get("sold", []), money=lists.get("money", []),
                       demand=[], atp={}, credit=[], stores=[])
            for day, lists in days.items()}


def _one(figure: Callable, source: str, field: str) -> Callable:
    return lambda facts: [(None, figure(getattr(facts, source))[field])]


def _money(kind: str) -> Callable:
    def per_currency(facts: Facts) -> list[tuple[str | None, int]]:
        totals = Counter()
        for m in facts.money:
            if kind == "net_takings" and m.kind in ("payment", "refund"):
                totals[m.currency] += m.amount if m.kind == "payment" else -m.amount
            elif m.kind == kind:
                totals[m.currency] += m.amount
        return sorted(totals.items())
    return per_currency


# Each daily metric: one day's facts → [(currency or None, value)]. Stockouts, credit liability and sync lag are
# states at the time asked, not of a past day: they have no series.
DAILY: dict[str, Callable[[Facts], list[tuple[str | None, float | int | None]]]] = {
    "orders_placed": _one(orders_placed, "orders", "placed"),
    "cycle_time_p50_s": _one(cycle_time, "orders", "p50_s"),
    "cycle_time_p90_s": _one(cycle_time, "orders", "p90_s"),
    "fill_rate": _one(fill_rate, "orders", "rate"),
    "split_rate": _one(split_rate, "orders", "rate"),
    "backorder_rate": _one(backorder_rate, "orders", "rate"),
    "reroute_rate": _one(reroute_rate, "allocations", "rate"),
    "no_show_rate": _one(pickups, "allocations", "no_show_rate"),
    "pickup_wait_p50_s": _one(pickups, "allocations", "wait_p50_s"),
    "short_pick_rate": _one(short_pick_rate, "allocations", "rate"),
    "return_rate": lambda facts: [(None, returns(facts.returned, facts.sold)["rate"])],
    "sales": _money("sale"),
    "takings": _money("payment"),
    "refunds": _money("refund"),
    "net_takings": _money("net_takings"),
}
MONEY_METRICS = frozenset({"sales", "takings", "refunds", "net_takings"})
# What each daily metric is computed from, so that only that is read: `orders` (the orders themselves, also their
# units sold and money), `allocations`, `returns` (returned lines and their refunds), `walk_in` (receipts).
DAILY_READS: dict[str, frozenset[str]] = {
    **{metric: frozenset({"orders"}) for metric in ("orders_placed", "cycle_time_p50_s", "cycle_time_p90_s",
                                                     "fill_rate", "split_rate", "backorder_rate")},
    **{metric: frozenset({"allocations"}) for metric in ("reroute_rate", "no_show_rate", "pickup_wait_p50_s",
                                                          "short_pick_rate")},
    "return_rate": frozenset({"orders", "returns", "walk_in"}),
    **{metric: frozenset({"orders", "returns", "walk_in"}) for metric in MONEY_METRICS},
}
EVERYTHING = frozenset({"orders", "allocations", "returns", "walk_in"})
EMPTY_DAY = Facts(orders=[], allocations=[], returned=[], sold=[], money=[], demand=[], atp={}, credit=[], stores=[])


def daily(facts: Facts, window: Window, metric: str) -> list[dict]:
    """One point per day of the window (and per currency for money), days with nothing included."""
    per_day = _split_by_day(facts)
    points = []
    for day in window.days():
        values = DAILY[metric](per_day.get(day, EMPTY_DAY))
        for currency, value in values or [(None, 0 if metric in MONEY_METRICS else None)]:
            points.append({"date": day, "currency": currency, "value": value})
    return points
