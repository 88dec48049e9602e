"""Rows of an order's changes: units given up and the refunds they make due, allocations shrunk, a pickup store
changed. Every function runs inside the caller's transaction."""

import json
import sqlite3
from datetime import datetime

from central.domain.order_changes import refund_amount
from central.domain.orders import DONE
from central.store import webhooks as webhook_store
from central.store.statuses import status_in
from shared.runtime.clock import to_text

REFUND_DUE = "order.refund_due"


def line_units(conn: sqlite3.Connection, order_id: str) -> dict[str, tuple[int, int, int | None]]:
    """Each line's (ordered, given up, unit price)."""
    return {r["sku"]: (r["qty"], r["cancelled"], r["unit_price"]) for r in conn.execute(
        "SELECT sku, qty, cancelled, unit_price FROM order_lines WHERE order_id=? ORDER BY sku", (order_id,))}


def done_units(conn: sqlite3.Connection, order_id: str) -> dict[str, int]:
    """Units of each SKU shipped or collected."""
    done, statuses = status_in("a.status", DONE)
    return {r["sku"]: r["qty"] for r in conn.execute(
        "SELECT l.sku, SUM(l.qty) AS qty FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id "
        f"WHERE a.order_id=? AND {done} GROUP BY l.sku", (order_id, *statuses))}


def give_up(conn: sqlite3.Connection, order_id: str, units: dict[str, int], reason: str, source: str,
            now: datetime) -> int:
    """Units the customer will not get: off the order's lines, each with its refund due, announced by an
    `order.refund_due` webhook. Returns the amount."""
    units = {sku: qty for sku, qty in units.items() if qty > 0}
    if not units:
        return 0
    lines = line_units(conn, order_id)
    currency = conn.execute("SELECT currency FROM orders WHERE id=?", (order_id,)).fetchone()["currency"]
    total = 0
    for sku, qty in sorted(units.items()):
        amount = refund_amount({sku: qty}, {sku: lines[sku][2]})
        total += amount
        conn.execute("UPDATE order_lines SET cancelled = cancelled + ? WHERE order_id=? AND sku=?", (qty, order_id, sku))
        conn.execute("INSERT INTO order_refunds_due (order_id, sku, qty, amount, reason, source, at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", (order_id, sku, qty, amount, reason, source, to_text(now)))
    webhook_store.enqueue_order_event(conn, order_id, REFUND_DUE, {
        "amount": total, "currency": currency, "reason": reason,
        "lines": [{"sku": s, "qty": q} for s, q in sorted(units.items())],
        "refund_due_total": refund_due_total(conn, order_id)}, now)
    return total


def refund_due_total(conn: sqlite3.Connection, order_id: str) -> int:
    return conn.execute("SELECT COALESCE(SUM(amount), 0) FROM order_refunds_due WHERE order_id=?",
                        (order_id,)).fetchone()[0]


def refunds_due(conn: sqlite3.Connection, order_id: str) -> list[dict]:
    return [{"sku": r["sku"], "qty": r["qty"], "amount": r["amount"], "reason": r["reason"], "source": r["source"],
             "at": r["at"]} for r in conn.execute("SELECT * FROM order_refunds_due WHERE order_id=? ORDER BY id",
                                                  (order_id,))]


def shrink_allocation(conn: sqlite3.Connection, allocation_id: str, units: dict[str, int]) -> None:
    """Take units out of an allocation's lines (a line that falls to zero goes)."""
    for sku, qty in units.items():  # a row never holds 0 (CHECK qty > 0): delete what empties, then shrink
        conn.execute("DELETE FROM allocation_lines WHERE allocation_id=? AND sku=? AND qty <= ?",
                     (allocation_id, sku, qty))
        conn.execute("UPDATE allocation_lines SET qty = qty - ? WHERE allocation_id=? AND sku=?",
                     (qty, allocation_id, sku))


def move_pickup(conn: sqlite3.Connection, order_id: str, store_id: str, code_hash: str, now: datetime) -> None:
    """The order is now to be collected at `store_id`, with a new pickup code."""
    delivery = json.loads(conn.execute("SELECT delivery FROM orders WHERE id=?", (order_id,)).fetchone()[0])
    conn.execute("UPDATE orders SET delivery=?, pickup_code_hash=?, updated_at=? WHERE id=?",
                 (json.dumps({**delivery, "store_id": store_id}), code_hash, to_text(now), order_id))
