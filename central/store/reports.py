"""The facts head office's figures are computed from, read from central's own tables (read-only).

`store` and `channel` narrow what is read: orders with an allocation at the store, and its allocations, receipts,
returns and credit notes; orders of the channel, and walk-in receipts only for the channel `walk_in`.
"""

import json
import sqlite3
from datetime import datetime

from central.domain.atp import node_atp
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
from central.settings import CentralSettings
from central.store.atp import node_stocks
from central.store.receipts import receipt_view
from central.store.statuses import status_in
from shared.runtime.clock import from_text, to_text

LINE_CANCEL_SOURCE = "api"  # units a line cancel gave up (central.services.order_changes)


def _at(text: str | None) -> datetime | None:
    return from_text(text) if text else None


def _orders_where(window: Window, store: str | None, channel: str | None, alias: str = "o") -> tuple[str, list]:
    where = [f"{alias}.created_at >= ?", f"{alias}.created_at < ?"]
    params: list = [to_text(window.start), to_text(window.end)]
    if channel:
        where.append(f"{alias}.channel = ?")
        params.append(channel)
    if store:
        where.append(f"{alias}.id IN (SELECT order_id FROM allocations WHERE node_id = ?)")
        params.append(store)
    return " AND ".join(where), params


def order_rows(conn: sqlite3.Connection, window: Window, store: str | None,
               channel: str | None) -> list[sqlite3.Row]:
    """The orders placed in the window, each with what its figures need (one read serves them all)."""
    where, params = _orders_where(window, store, channel)
    live, live_values = status_in("a.status", LIVE_ALLOCATIONS)
    done, done_values = status_in("a.status", DONE)
    done_here = (f"(SELECT COALESCE(SUM(l.qty), 0) FROM allocation_lines l JOIN allocations a ON a.id = "
                 f"l.allocation_id WHERE a.order_id = o.id AND {done} AND a.node_id = ?)" if store else "NULL")
    return conn.execute(
        "SELECT o.id, o.channel, o.created_at, o.status, o.cancel_requested_at, o.currency, o.total, o.paid, "
        "json_extract(o.delivery, '$.store_id') AS pickup_store, "
        "(SELECT SUM(qty) FROM order_lines WHERE order_id = o.id) AS ordered, "
        "(SELECT group_concat(sku, char(31)) FROM order_lines WHERE order_id = o.id) AS skus, "
        "(SELECT COALESCE(SUM(qty), 0) FROM order_refunds_due WHERE order_id = o.id AND source = ?) AS given_up, "
        "(SELECT COALESCE(SUM(amount), 0) FROM order_refunds_due WHERE order_id = o.id) AS due, "
        "(SELECT MIN(at) FROM order_history h WHERE h.order_id = o.id AND h.kind = 'status' AND h.status = ?) "
        "AS completed_at, "
        "EXISTS (SELECT 1 FROM order_history h WHERE h.order_id = o.id AND h.status = ?) AS backordered, "
        f"(SELECT COUNT(DISTINCT a.node_id) FROM allocations a WHERE a.order_id = o.id AND {live}) AS nodes, "
        "(SELECT COALESCE(SUM(l.qty), 0) FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id "
        f" WHERE a.order_id = o.id AND {done}) AS done, {done_here} AS done_here "
        f"FROM orders o WHERE {where} ORDER BY o.id",
        (LINE_CANCEL_SOURCE, OrderStatus.COMPLETED, OrderStatus.BACKORDERED, *live_values, *done_values, *((*done_values, store) if store else ()),
         *params)).fetchall()


def orders(rows: list[sqlite3.Row]) -> list[OrderFacts]:
    return [OrderFacts(order_id=r["id"], channel=r["channel"], placed_at=from_text(r["created_at"]),
                       completed_at=_at(r["completed_at"]), closed=r["status"] in CLOSED_ORDERS,
                       customer_cancelled=r["cancel_requested_at"] is not None, ordered=r["ordered"] or 0,
                       customer_given_up=r["given_up"], done=r["done"], nodes=r["nodes"],
                       backordered=bool(r["backordered"]))
            for r in rows]


ALLOCATION_STEPS = ("fulfilment.picked", "short_picked", "pickup.ready", "pickup.collected")


def allocations(conn: sqlite3.Connection, window: Window, store: str | None,
                channel: str | None) -> list[AllocationFacts]:
    """The allocations of the window's orders (only the store's, with `store`), with when each was first reported
    picked, short, ready and collected (from the orders' histories, read in one pass)."""
    where, params = _orders_where(window, None, channel)
    at_store, store_params = (" AND a.node_id = ?", [store]) if store else ("", [])
    steps = ", ".join("?" * len(ALLOCATION_STEPS))
    first: dict[tuple[str, str], str] = {}
    for r in conn.execute(
            "SELECT json_extract(h.detail, '$.allocation_id') AS allocation_id, h.kind, MIN(h.at) AS at "
            f"FROM orders o JOIN order_history h ON h.order_id = o.id WHERE {where} AND h.kind IN ({steps}) "
            "GROUP BY 1, 2", (*params, *ALLOCATION_STEPS)):
        first[(r["allocation_id"], r["kind"])] = r["at"]
    rows = conn.execute("SELECT a.id, o.created_at, a.type, a.status, a.reason FROM allocations a "
                        f"JOIN orders o ON o.id = a.order_id WHERE {where}{at_store} ORDER BY a.id",
                        (*params, *store_params)).fetchall()
    facts = []
    for r in rows:
        picked, short, ready, collected = (first.get((r["id"], step)) for step in ALLOCATION_STEPS)
        facts.append(AllocationFacts(placed_at=from_text(r["created_at"]), type=r["type"],
                                     status=r["status"], reason=r["reason"], picked=bool(picked or short),
                                     short=short is not None, ready_at=_at(ready), collected_at=_at(collected)))
    return facts


def _walk_in(channel: str | None) -> bool:
    return channel in (None, WALK_IN)


def returned_lines(conn: sqlite3.Connection, window: Window, store: str | None,
                   channel: str | None) -> tuple[list[ReturnedLine], list[Money]]:
    """Every line returned in the window (of an online order or of a walk-in receipt), and the refunds paid."""
    lines, refunds = [], []
    sql = ("SELECT r.at, r.qty, r.reason, r.disposition, r.conflict FROM order_returns r JOIN orders o ON o.id = r.order_id "
           "WHERE r.at >= ? AND r.at < ?")
    # The money of an online order's return is in its history entry (the lines do not say which tender).
    money_sql = ("SELECT h.at, h.source, h.detail, o.channel, o.currency FROM order_history h "
                 "JOIN orders o ON o.id = h.order_id WHERE h.kind = 'returned' AND h.at >= ? AND h.at < ?")
    params = [to_text(window.start), to_text(window.end)]
    money_params = list(params)
    if store:
        sql += " AND r.store_id = ?"
        params.append(store)
        money_sql += " AND h.source = ?"
        money_params.append(f"store:{store}")
    if channel:
        sql += " AND o.channel = ?"
        params.append(channel)
        money_sql += " AND o.channel = ?"
        money_params.append(channel)
    for r in conn.execute(sql + " ORDER BY r.at, r.event_id, r.line_no", params):
        lines.append(ReturnedLine(from_text(r["at"]), r["reason"] or "unknown", r["disposition"] or "unknown",
                                  r["qty"], r["conflict"]))
    for r in conn.execute(money_sql + " ORDER BY h.id", money_params):
        at, store_id = from_text(r["at"]), r["source"].removeprefix("store:")
        for refund in json.loads(r["detail"]).get("refunds", []):
            refunds.append(Money(at, store_id, r["channel"], r["currency"] or "", "refund", refund["amount"],
                                 refund["tender"]))
    if _walk_in(channel):
        sql = ("SELECT r.receipt_number, r.return_number, r.occurred_at, r.store_id, r.body, s.currency "
               "FROM receipt_returns r LEFT JOIN store_receipts s "
               "ON s.receipt_number = r.receipt_number WHERE r.occurred_at >= ? AND r.occurred_at < ?")
        params = [to_text(window.start), to_text(window.end)]
        if store:
            sql += " AND r.store_id = ?"
            params.append(store)
        conflicts: dict[str, dict[str, dict[int, int]]] = {}
        for r in conn.execute(sql + " ORDER BY r.occurred_at, r.event_id", params):
            at, body = from_text(r["occurred_at"]), json.loads(r["body"])
            excess = _receipt_conflicts(conn, r["receipt_number"], conflicts).get(r["return_number"], {})
            for n, line in enumerate(body["lines"]):
                lines.append(ReturnedLine(at, line.get("reason", "unknown"), line.get("disposition", "unknown"),
                                          line["qty"], excess.get(n, 0)))
            for refund in body["refunds"]:
                refunds.append(Money(at, r["store_id"], WALK_IN, r["currency"] or "", "refund", refund["amount"],
                                     refund["tender"]))
    return lines, refunds


def _receipt_conflicts(conn: sqlite3.Connection, number: str,
                       seen: dict[str, dict[str, dict[int, int]]]) -> dict[str, dict[int, int]]:
    """A receipt's refund conflicts as its view counts them: per return number, the excess per line."""
    if number not in seen:
        view = receipt_view(conn, number)
        found: dict[str, dict[int, int]] = {}
        for conflict in (view or {}).get("refund_conflicts", []):
            found.setdefault(conflict["return_number"], {})[conflict["line_no"]] = conflict["excess"]
        seen[number] = found
    return seen[number]


def walk_in_sales(conn: sqlite3.Connection, window: Window, store: str | None,
                  channel: str | None) -> tuple[list[SoldUnits], list[Money], list[str]]:
    """The window's walk-in receipts: units sold, the sale and each tender's payment, and the SKUs on them (each
    once per receipt)."""
    sold, money, demand = [], [], []
    if not _walk_in(channel):
        return sold, money, demand
    sql = "SELECT store_id, currency, occurred_at, body FROM store_receipts WHERE occurred_at >= ? AND occurred_at < ?"
    params = [to_text(window.start), to_text(window.end)]
    if store:
        sql += " AND store_id = ?"
        params.append(store)
    for r in conn.execute(sql + " ORDER BY occurred_at, receipt_number", params):
        at, body = from_text(r["occurred_at"]), json.loads(r["body"])
        sold.append(SoldUnits(at, sum(line["qty"] for line in body["lines"])))
        money.append(Money(at, r["store_id"], WALK_IN, r["currency"], "sale", body["total"]))
        money.extend(Money(at, r["store_id"], WALK_IN, r["currency"], "payment", t["paid"], t["type"])
                     for t in body["tenders"])
        demand.extend({line["sku"] for line in body["lines"]})
    return sold, money, demand


def online_sales(rows: list[sqlite3.Row]) -> tuple[list[SoldUnits], list[Money], list[str]]:
    """The same of the window's orders (`order_rows`): units shipped or collected (at the store asked about, if
    any), the sale (its total less the refunds it made due) and payment at its pickup store, and its SKUs."""
    sold, money, demand = [], [], []
    for r in rows:
        at = from_text(r["created_at"])
        sold.append(SoldUnits(at, r["done_here"] if r["done_here"] is not None else r["done"]))
        demand.extend(r["skus"].split("\x1f") if r["skus"] else [])
        if r["total"] is None:
            continue  # placed before orders were priced
        money.append(Money(at, r["pickup_store"], r["channel"], r["currency"], "sale", r["total"] - r["due"]))
        money.extend(Money(at, r["pickup_store"], r["channel"], r["currency"], "payment", paid["amount"],
                           paid["tender"]) for paid in json.loads(r["paid"] or "[]"))
    return sold, money, demand


def atp_of(conn: sqlite3.Connection, skus: list[str], store: str | None, now: datetime,
           settings: CentralSettings, safety_default: int) -> dict[str, int]:
    """Each SKU's ATP now: the network's, or the store's alone."""
    found = {}
    for sku in sorted(set(skus)):
        stocks = node_stocks(conn, sku, now, settings, safety_default)
        found[sku] = sum(node_atp(s) for s in stocks if store is None or s.node_id == store)
    return found


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
