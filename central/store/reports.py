"""The facts head office's figures are computed from, read from central's own tables (read-only).

`store` and `channel` narrow what is read: orders with an allocation at the store, and its allocations, receipts,
returns and credit notes; orders of the channel, and walk-in receipts only for the channel `walk_in`.
"""

import json
import sqlite3
from collections import Counter
from datetime import date, datetime, time, timezone

from central.domain.orders import CLOSED_ORDERS, DONE, LIVE_ALLOCATIONS, OrderStatus
from central.domain.reports import (
    WALK_IN,
    AllocationFacts,
    CreditEntry,
    Money,
    OrderFacts,
    ReturnedLine,
    SoldUnits,
    StoreSync,
    Window,
)
from central.store import receipt_days
from central.store.receipts import receipt_view
from central.store.statuses import status_in
from shared.runtime.clock import from_text, to_text

LINE_CANCEL_SOURCE = "api"  # units a line cancel gave up (central.services.order_changes)


def _at(text: str | None) -> datetime | None:
    return from_text(text) if text else None


_DAYS: dict[str, datetime] = {}


def _day(text: str) -> datetime:
    """Midnight (UTC) of a `YYYY-MM-DD` the database grouped by: what is summed per day is dated by its day."""
    if text not in _DAYS:
        _DAYS[text] = datetime.combine(date.fromisoformat(text), time(), timezone.utc)
    return _DAYS[text]


def _tuples(conn: sqlite3.Connection, sql: str, params) -> sqlite3.Cursor:
    """Rows as plain tuples: a month of them is read, and named rows cost more to make than the figures."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(sql, params)


def _orders_where(window: Window, store: str | None, channel: str | None, alias: str = "o") -> tuple[str, list]:
    where = [f"{alias}.created_at >= ?", f"{alias}.created_at < ?"]
    params: list = [to_text(window.start), to_text(window.end)]
    if channel:
        where.append(f"+{alias}.channel = ?")  # the range of days picks the rows, not every order of a channel
        params.append(channel)
    if store:
        where.append(f"{alias}.id IN (SELECT order_id FROM allocations WHERE node_id = ?)")
        params.append(store)
    return " AND ".join(where), params


def _window_orders(window: Window, store: str | None, channel: str | None,
                   columns: str = "o.id, o.created_at") -> tuple[str, list]:
    """The window's orders as a CTE `w`, which each set-wise read below joins its rows to."""
    where, params = _orders_where(window, store, channel)
    return f"WITH w AS MATERIALIZED (SELECT {columns} FROM orders o WHERE {where}) ", params


ORDER_COLUMNS = ("o.id, o.channel, o.created_at, o.status, o.cancel_requested_at, o.currency, o.total, o.paid, "
                 "json_extract(o.delivery, '$.store_id') AS pickup_store")


def orders(conn: sqlite3.Connection, window: Window, store: str | None,
           channel: str | None) -> tuple[list[OrderFacts], list[SoldUnits], list[Money], list[str]]:
    """The orders placed in the window, each with what its figures need, read in a few grouped reads over the
    window's orders (one per table); and their sales as `walk_in_sales` answers a store's: units shipped or collected (at
    the store asked about, if any) per day; the sale (its total less the refunds it made due) and payment at its
    pickup store, per day, store, channel and currency; and the SKUs on them."""
    with_w, params = _window_orders(window, store, channel)
    live, live_values = status_in("a.status", LIVE_ALLOCATIONS)
    done, done_values = status_in("a.status", DONE)

    def per_order(select: str, *values) -> dict[str, tuple]:
        # w drives every part (CROSS JOIN keeps it outer): index lookups for the window's orders, never a table scan
        return {r[0]: r[1:] for r in _tuples(conn, with_w + select + " GROUP BY 1", (*params, *values))}

    lines = per_order("SELECT l.order_id, SUM(l.qty), group_concat(l.sku, char(31)) FROM w CROSS JOIN order_lines l "
                      "ON l.order_id = w.id")
    due = per_order("SELECT r.order_id, SUM(iif(r.source = ?, r.qty, 0)), SUM(r.amount) FROM w "
                    "CROSS JOIN order_refunds_due r ON r.order_id = w.id", LINE_CANCEL_SOURCE)
    history = per_order("SELECT h.order_id, MIN(CASE WHEN h.kind = 'status' AND h.status = ? THEN h.at END), "
                        "MAX(h.status IS ?) FROM w CROSS JOIN order_history h ON h.order_id = w.id",
                        OrderStatus.COMPLETED, OrderStatus.BACKORDERED)
    nodes = per_order(f"SELECT a.order_id, COUNT(DISTINCT a.node_id) FROM w CROSS JOIN allocations a "
                      f"ON a.order_id = w.id WHERE {live}", *live_values)
    handed = per_order("SELECT a.order_id, SUM(l.qty), SUM(iif(a.node_id IS ?, l.qty, 0)) FROM w CROSS JOIN "
                       f"allocations a ON a.order_id = w.id CROSS JOIN allocation_lines l ON l.allocation_id = a.id "
                       f"WHERE {done}", store, *done_values)
    with_orders, order_params = _window_orders(window, store, channel, ORDER_COLUMNS)
    placed = "substr(w.created_at, 1, 10), w.pickup_store, w.channel, w.currency"
    paid = Counter({tuple(r[:5]): r[5] for r in _tuples(
        conn, with_orders + f"SELECT {placed}, json_extract(f.value, '$.tender'), SUM(json_extract(f.value, "
        "'$.amount')) FROM w, json_each(COALESCE(w.paid, '[]')) f WHERE w.total IS NOT NULL GROUP BY 1, 2, 3, 4, 5",
        order_params)})
    facts, sold, sales, documents, demand = [], Counter(), Counter(), Counter(), set()
    nothing = (None, None, None)
    for order_id, order_channel, created_at, status, cancel_requested_at, currency, total, _, pickup_store in _tuples(
            conn, with_orders + "SELECT * FROM w ORDER BY id", order_params):
        ordered, skus = lines.get(order_id, nothing)[:2]
        given_up, due_amount = due.get(order_id, nothing)[:2]
        completed_at, backordered = history.get(order_id, nothing)[:2]
        units_done, units_done_here = handed.get(order_id, nothing)[:2]
        facts.append(OrderFacts(order_id=order_id, channel=order_channel, placed_at=from_text(created_at),
                                completed_at=_at(completed_at), closed=status in CLOSED_ORDERS,
                                customer_cancelled=cancel_requested_at is not None, ordered=ordered or 0,
                                customer_given_up=given_up or 0, done=units_done or 0,
                                nodes=nodes.get(order_id, (0,))[0], backordered=bool(backordered)))
        day = created_at[:10]
        sold[day] += (units_done_here if store else units_done) or 0
        demand.update(skus.split("\x1f") if skus else ())
        if total is None:
            continue  # placed before orders were priced
        key = (day, pickup_store, order_channel, currency)
        documents[key] += 1
        sales[key] += total - (due_amount or 0)
    return (facts, [SoldUnits(_day(day), units) for day, units in sold.items()],
            _money(sales, documents, paid), sorted(demand))


def _money(sales: Counter, documents: Counter, paid: Counter) -> list[Money]:
    """Sums per (day, store, channel, currency) and per (…, tender) as `Money`."""
    return ([Money(_day(day), store, channel, currency, "sale", amount,
                   documents=documents[day, store, channel, currency])
             for (day, store, channel, currency), amount in sales.items()] +
            [Money(_day(day), store, channel, currency, "payment", amount, tender)
             for (day, store, channel, currency, tender), amount in paid.items()])


ALLOCATION_STEPS = ("fulfilment.picked", "short_picked", "pickup.ready", "pickup.collected")


def allocations(conn: sqlite3.Connection, window: Window, store: str | None,
                channel: str | None) -> list[AllocationFacts]:
    """The allocations of the window's orders (only the store's, with `store`), with when each was first reported
    picked, short, ready and collected (from the orders' histories, read grouped in one pass)."""
    with_w, params = _window_orders(window, None, channel)
    at_store, store_params = (" WHERE a.node_id = ?", [store]) if store else ("", [])
    steps = ", ".join("?" * len(ALLOCATION_STEPS))
    firsts = ", ".join(f"MIN(CASE WHEN h.kind = '{step}' THEN h.at END)" for step in ALLOCATION_STEPS)
    first = {r[0]: r[1:] for r in _tuples(
        conn, with_w + f"SELECT json_extract(h.detail, '$.allocation_id'), {firsts} FROM w CROSS JOIN order_history h "
        f"ON h.order_id = w.id WHERE h.kind IN ({steps}) GROUP BY 1", (*params, *ALLOCATION_STEPS))}
    facts = []
    for r in _tuples(conn, with_w + "SELECT a.id, w.created_at, a.type, a.status, a.reason FROM w CROSS JOIN "
                     f"allocations a ON a.order_id = w.id{at_store} ORDER BY a.id", (*params, *store_params)):
        picked, short, ready, collected = first.get(r[0], (None,) * 4)
        facts.append(AllocationFacts(placed_at=from_text(r[1]), type=r[2], status=r[3], reason=r[4],
                                     picked=bool(picked or short), short=short is not None, ready_at=_at(ready),
                                     collected_at=_at(collected)))
    return facts


def _walk_in(channel: str | None) -> bool:
    return channel in (None, WALK_IN)


def returned_lines(conn: sqlite3.Connection, window: Window, store: str | None,
                   channel: str | None) -> tuple[list[ReturnedLine], list[Money]]:
    """The units returned in the window (of online orders and of walk-in receipts) and the refunds paid, summed per
    day, reason and disposition, and per day, store, channel, currency and tender."""
    span = [to_text(window.start), to_text(window.end)]
    at_store, store_params = (" AND r.store_id = ?", [store]) if store else ("", [])
    of_channel, channel_params = (" AND +o.channel = ?", [channel]) if channel else ("", [])
    lines = [ReturnedLine(_day(r[0]), r[1], r[2], r[3], r[4]) for r in conn.execute(
        "SELECT substr(r.at, 1, 10), COALESCE(NULLIF(r.reason, ''), 'unknown'), "
        "COALESCE(NULLIF(r.disposition, ''), 'unknown'), SUM(r.qty), SUM(r.conflict) FROM order_returns r "
        f"JOIN orders o ON o.id = r.order_id WHERE r.at >= ? AND r.at < ?{at_store}{of_channel} GROUP BY 1, 2, 3",
        (*span, *store_params, *channel_params))]
    # The money of an online order's return is in its history entry (the lines do not say which tender).
    by_source, source_params = (" AND h.source = ?", [f"store:{store}"]) if store else ("", [])
    refunds = [Money(_day(r[0]), r[1].removeprefix("store:"), r[2], r[3], "refund", r[5], r[4]) for r in conn.execute(
        "SELECT substr(h.at, 1, 10), h.source, o.channel, COALESCE(o.currency, ''), json_extract(f.value, '$.tender'), "
        "SUM(json_extract(f.value, '$.amount')) FROM order_history h JOIN orders o ON o.id = h.order_id, "
        "json_each(h.detail, '$.refunds') f WHERE h.kind = 'returned' AND h.at >= ? AND h.at < ?"
        f"{by_source}{of_channel} GROUP BY 1, 2, 3, 4, 5", (*span, *source_params, *channel_params))]
    if _walk_in(channel):
        returned, paid_back = _receipt_returns(conn, span, at_store, store_params)
        lines += returned
        refunds += paid_back
    return lines, refunds


def _receipt_returns(conn: sqlite3.Connection, span: list[str], at_store: str,
                     store_params: list) -> tuple[list[ReturnedLine], list[Money]]:
    where = f"r.occurred_at >= ? AND r.occurred_at < ?{at_store}"
    # JSON null is a reason of its own (None), as the lines themselves say; only a missing one is 'unknown'.
    said = "CASE WHEN json_type(f.value, '$.{0}') IS NULL THEN 'unknown' ELSE json_extract(f.value, '$.{0}') END"
    grouped: dict[tuple, list[int]] = {}
    for r in conn.execute(
            f"SELECT substr(r.occurred_at, 1, 10), {said.format('reason')}, {said.format('disposition')}, "
            f"SUM(json_extract(f.value, '$.qty')) FROM receipt_returns r, json_each(r.body, '$.lines') f "
            f"WHERE {where} GROUP BY 1, 2, 3", (*span, *store_params)):
        grouped[(r[0], r[1], r[2])] = [r[3], 0]
    for (day, reason, disposition), excess in _receipt_conflicts(conn, where, [*span, *store_params]).items():
        grouped[(day, reason, disposition)][1] += excess
    lines = [ReturnedLine(_day(day), reason, disposition, qty, conflict)
             for (day, reason, disposition), (qty, conflict) in grouped.items()]
    refunds = [Money(_day(r[0]), r[1], WALK_IN, r[2], "refund", r[4], r[3]) for r in conn.execute(
        "SELECT substr(r.occurred_at, 1, 10), r.store_id, COALESCE(s.currency, ''), json_extract(f.value, '$.tender'), "
        "SUM(json_extract(f.value, '$.amount')) FROM receipt_returns r LEFT JOIN store_receipts s "
        f"ON s.receipt_number = r.receipt_number, json_each(r.body, '$.refunds') f WHERE {where} "
        "GROUP BY 1, 2, 3, 4", (*span, *store_params))]
    return lines, refunds


def _receipt_conflicts(conn: sqlite3.Connection, where: str, params: list) -> dict[tuple, int]:
    """Units refunded beyond what was left to return, per day, reason and disposition of the window's returned
    lines, as each receipt's view counts them. Only a receipt whose returns in all exceed what it sold of a SKU
    can have any (what is back of a SKU only grows), so only those few receipts are looked at one by one."""
    over = conn.execute(
        "WITH back AS (SELECT r.receipt_number, json_extract(f.value, '$.sku') AS sku, "
        " SUM(json_extract(f.value, '$.qty')) AS qty FROM receipt_returns r, json_each(r.body, '$.lines') f "
        " WHERE r.receipt_number IN (SELECT r.receipt_number FROM receipt_returns r WHERE " + where + ") GROUP BY 1, 2), "
        "sold AS (SELECT s.receipt_number, json_extract(f.value, '$.sku') AS sku, SUM(json_extract(f.value, '$.qty')) "
        " AS qty FROM store_receipts s, json_each(s.body, '$.lines') f WHERE s.receipt_number IN "
        " (SELECT receipt_number FROM back) GROUP BY 1, 2) "
        "SELECT DISTINCT back.receipt_number FROM back JOIN store_receipts s ON s.receipt_number = back.receipt_number "
        "LEFT JOIN sold ON sold.receipt_number = back.receipt_number AND sold.sku = back.sku "
        "WHERE back.qty > COALESCE(sold.qty, 0)", params).fetchall()
    found: dict[tuple, int] = {}
    for (number,) in over:
        view = receipt_view(conn, number)
        excess: dict[tuple[str, int], int] = {(c["return_number"], c["line_no"]): c["excess"]
                                               for c in view["refund_conflicts"]}
        for r in conn.execute(f"SELECT r.return_number, r.occurred_at, r.body FROM receipt_returns r WHERE {where} "
                              "AND r.receipt_number = ?", (*params, number)):
            for n, line in enumerate(json.loads(r["body"])["lines"]):
                key = (r["occurred_at"][:10], line.get("reason", "unknown"), line.get("disposition", "unknown"))
                found[key] = found.get(key, 0) + excess.get((r["return_number"], n), 0)
    return found


def walk_in_sales(conn: sqlite3.Connection, window: Window, store: str | None,
                  channel: str | None) -> tuple[list[SoldUnits], list[Money], list[str]]:
    """The window's walk-in receipts from their sums per day (`receipt_days`): units sold per day; sales (with their
    count) and each tender's payments per day, store and currency; and the SKUs on them."""
    if not _walk_in(channel):
        return [], [], []
    span = (window.first.isoformat(), window.last.isoformat(), store)
    sold, sales, documents, paid = Counter(), Counter(), Counter(), Counter()
    for r in receipt_days.days(conn, *span):
        key = (r["day"], r["store_id"], WALK_IN, r["currency"])
        sold[r["day"]] += r["units"]
        documents[key] += r["receipts"]
        sales[key] += r["sales"]
    for r in receipt_days.tenders(conn, *span):
        paid[(r["day"], r["store_id"], WALK_IN, r["currency"], r["tender"])] += r["paid"]
    return ([SoldUnits(_day(day), units) for day, units in sold.items()], _money(sales, documents, paid),
            receipt_days.skus(conn, *span))


def credit_entries(conn: sqlite3.Connection, store: str | None) -> list[CreditEntry]:
    sql = ("SELECT e.number, n.currency, n.expires_at, e.kind, e.amount, e.occurred_at FROM credit_entries e "
           "JOIN credit_notes n ON n.number = e.number")
    params = []
    if store:
        sql += " WHERE n.store_id = ?"
        params.append(store)
    return [CreditEntry(r["number"], r["currency"], _at(r["expires_at"]), r["kind"], r["amount"],
                        from_text(r["occurred_at"]))
            for r in conn.execute(sql + " ORDER BY e.id", params)]


def store_sync(conn: sqlite3.Connection, store: str | None) -> list[StoreSync]:
    sql = ("SELECT n.id, s.* FROM nodes n LEFT JOIN store_sync s ON s.store_id = n.id WHERE n.type = 'store'")
    params = []
    if store:
        sql += " AND n.id = ?"
        params.append(store)
    return [StoreSync(store_id=r["id"], last_heartbeat_at=_at(r["last_heartbeat_at"]),
                      announced_seq=r["hb_last_seq"],
                      # of the epoch the heartbeat spoke of: none yet, when central has not opened it
                      applied_seq=(r["applied_seq"] or 0) if r["hb_epoch"] == r["epoch"] else 0,
                      backlog=r["hb_backlog"],
                      oldest_unsent_at=_at(r["hb_oldest_unsent_at"]), gap_since=_at(r["gap_since"]))
            for r in conn.execute(sql + " ORDER BY n.id", params)]
