"""Head office's reports: the facts of a window read in one transaction, the figures computed from them
(`central.domain.reports`), and the same figures as CSV. Read-only."""

import csv
import io
from collections.abc import Callable
from datetime import datetime

from central.domain import reports as figures
from central.domain.policy import RoutingPolicy
from central.domain.reports import Facts, Window
from central.settings import CentralSettings
from central.store import reports as report_store
from central.store.atp import atp_totals
from central.store.node_facts import NodeFacts
from shared.contract.errors import InvalidInput
from shared.runtime.clock import to_text
from shared.runtime.sqlite import Database

MAX_DAILY_DAYS = 366  # one point per day: a year of them is the most a chart is given at once


class Reports:
    def __init__(self, db: Database, settings: CentralSettings, policy: Callable[[], RoutingPolicy],
                 facts: NodeFacts | None = None):
        self._db, self._settings, self._policy = db, settings, policy
        self._facts_of_nodes = facts or NodeFacts(db)

    def kpis(self, window: Window, store: str | None, channel: str | None, now: datetime) -> dict:
        facts = self._facts(window, store, channel, now, with_states=True)
        return {"from": window.first, "to": window.last, "store": store, "channel": channel, "computed_at": now,
                **figures.kpis(facts, window, now)}

    def daily(self, window: Window, metric: str, store: str | None, channel: str | None, now: datetime) -> dict:
        if metric not in figures.DAILY:
            raise InvalidInput(f"There is no daily metric {metric!r}; choose one of "
                               f"{', '.join(sorted(figures.DAILY))}.", metric=metric)
        days = (window.last - window.first).days + 1
        if days > MAX_DAILY_DAYS:
            raise InvalidInput(f"A daily series covers at most {MAX_DAILY_DAYS} days; {window.first} to "
                               f"{window.last} is {days}. Ask for a shorter range.", days=days)
        facts = self._facts(window, store, channel, now, with_states=False, reads=figures.DAILY_READS[metric])
        return {"metric": metric, "from": window.first, "to": window.last, "store": store, "channel": channel,
                "points": figures.daily(facts, window, metric)}

    def _facts(self, window: Window, store: str | None, channel: str | None, now: datetime,
               with_states: bool, reads: frozenset[str] = figures.EVERYTHING) -> Facts:
        """The window's facts; of its orders, allocations, returns and walk-in receipts only those in `reads`."""
        orders, allocations, returned, sold, money, demand, refunds = [], [], [], [], [], [], []
        with self._db.read() as conn:
            if "orders" in reads:
                orders, sold, money, demand = report_store.orders(conn, window, store, channel)
            if "allocations" in reads:
                allocations = report_store.allocations(conn, window, store, channel)
            if "returns" in reads:
                returned, refunds = report_store.returned_lines(conn, window, store, channel)
            if "walk_in" in reads:
                walk_in_sold, walk_in_money, walk_in_demand = report_store.walk_in_sales(conn, window, store,
                                                                                          channel)
                sold, money, demand = walk_in_sold + sold, walk_in_money + money, walk_in_demand + demand
            money = [m for m in money + refunds if store is None or m.store_id == store]
            atp, credit, stores = {}, [], []
            if with_states:
                atp = atp_totals(conn, demand, now, self._settings, self._policy().safety_stock_default,
                                 self._facts_of_nodes, node=store)
                credit = report_store.credit_entries(conn, store)
                stores = report_store.store_sync(conn, store)
        return Facts(orders=orders, allocations=allocations, returned=returned, sold=sold, money=money,
                     demand=demand, atp=atp, credit=credit, stores=stores)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return to_text(value)
    return str(value)


def kpis_csv(report: dict) -> str:
    """The KPI report as rows of `figure, key, field, value`: one figure's field per row (a rate's reasons, a
    sales row's store and channel in `key`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "key", "field", "value"])
    for figure, value in report.items():
        if isinstance(value, dict):
            _dict_rows(writer, figure, "", value)
        elif isinstance(value, list):
            for row in value:
                key = "/".join(_text(row[k]) for k in ("store_id", "channel", "currency") if k in row)
                _dict_rows(writer, figure, key, row)
        else:
            writer.writerow(["window", "", figure, _text(value)])
    return out.getvalue()


def _dict_rows(writer, figure: str, key: str, values: dict) -> None:
    for field, value in values.items():
        if field in ("store_id", "channel", "currency") and key:
            continue
        if isinstance(value, dict):
            for inner, amount in value.items():
                writer.writerow([figure, "/".join(filter(None, [key, inner])), field, _text(amount)])
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    inner_key = "/".join(_text(v) for k, v in item.items() if k in ("reason", "disposition"))
                    for name, amount in item.items():
                        if name not in ("reason", "disposition"):
                            writer.writerow([figure, "/".join(filter(None, [key, inner_key])), f"{field}.{name}",
                                             _text(amount)])
                else:
                    writer.writerow([figure, key, field, _text(item)])
        else:
            writer.writerow([figure, key, field, _text(value)])


def daily_csv(series: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "metric", "currency", "value"])
    for point in series["points"]:
        writer.writerow([point["date"].isoformat(), series["metric"], _text(point["currency"]),
                         _text(point["value"])])
    return out.getvalue()
