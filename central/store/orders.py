"""Orders in SQLite: rows in, views out. Every function runs inside the caller's transaction."""

import json
import sqlite3
from datetime import datetime

from central.domain.order_changes import rest_to_give_up
from central.domain.orders import (
    CLOSED_ORDERS,
    LIVE_ALLOCATIONS,
    AllocationState,
    OrderStatus,
    is_live,
    order_status,
)
from central.domain.pricing import Sale
from central.domain.returns import return_flag
from central.store import order_changes as change_store
from central.store import order_search
from central.store import shipments as shipment_store
from central.store import webhooks as webhook_store
from central.store.statuses import status_in
from shared.runtime.clock import to_text


def insert_order(conn: sqlite3.Connection, order_id: str, body: dict, allow_split: bool, code_hash: str | None,
                 sale: Sale, receipt_token: str, now: datetime) -> None:
    delivery = body["delivery"]
    conn.execute("INSERT INTO orders (id, channel, customer, delivery, delivery_type, allow_split, status, "
                 "pickup_code_hash, currency, total, paid, receipt_token, created_at, updated_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (order_id, body["channel"], json.dumps(body["customer"]), json.dumps(delivery), delivery["type"],
                  int(allow_split), OrderStatus.CREATED, code_hash, sale.currency, sale.total, json.dumps(sale.paid), receipt_token,
                  to_text(now), to_text(now)))
    conn.executemany("INSERT INTO order_lines (order_id, sku, qty, unit_price) VALUES (?, ?, ?, ?)",
                     [(order_id, line["sku"], line["qty"], line["unit_price"]) for line in sale.lines])


def insert_allocation(conn: sqlite3.Connection, allocation_id: str, order_id: str, node_id: str, node_type: str,
                      type_: str, status: str, lines: tuple[tuple[str, int], ...], accept_by: datetime | None,
                      now: datetime) -> None:
    conn.execute("INSERT INTO allocations (id, order_id, node_id, node_type, type, status, accept_by, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (allocation_id, order_id, node_id, node_type, type_, status,
                  to_text(accept_by) if accept_by else None, to_text(now), to_text(now)))
    conn.executemany("INSERT INTO allocation_lines (allocation_id, sku, node_id, qty) VALUES (?, ?, ?, ?)",
                     [(allocation_id, sku, node_id, qty) for sku, qty in lines])


def set_allocation(conn: sqlite3.Connection, allocation_id: str, now: datetime, **fields) -> None:
    names = ", ".join(f"{name}=?" for name in fields)
    conn.execute(f"UPDATE allocations SET {names}, updated_at=? WHERE id=?",
                 (*fields.values(), to_text(now), allocation_id))


def add_history(conn: sqlite3.Connection, order_id: str, kind: str, source: str, now: datetime,
                status: str | None = None, **detail) -> None:
    if status is None:
        row = conn.execute("SELECT status FROM orders WHERE id=?", (order_id,)).fetchone()
        status = row["status"] if row else None
    conn.execute("INSERT INTO order_history (order_id, at, kind, status, source, detail) VALUES (?, ?, ?, ?, ?, ?)",
                 (order_id, to_text(now), kind, status, source, json.dumps(detail, default=str)))


def add_decision(conn: sqlite3.Connection, order_id: str, trigger: str, outcome: str, explanation: dict,
                 now: datetime) -> int:
    return conn.execute("INSERT INTO routing_decisions (order_id, at, trigger, outcome, explanation) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (order_id, to_text(now), trigger, outcome, json.dumps(explanation))).lastrowid


def allocations_of(conn: sqlite3.Connection, order_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM allocations WHERE order_id=? ORDER BY created_at, id", (order_id,)).fetchall()


def lines_of_allocation(conn: sqlite3.Connection, allocation_id: str) -> dict[str, int]:
    return {r["sku"]: r["qty"] for r in conn.execute(
        "SELECT sku, qty FROM allocation_lines WHERE allocation_id=? ORDER BY sku", (allocation_id,))}


def unfilled_lines(conn: sqlite3.Connection, order_id: str) -> dict[str, int]:
    """Units of each line that no live allocation covers."""
    live, statuses = status_in("a.status", LIVE_ALLOCATIONS)
    rows = conn.execute(
        "SELECT o.sku, o.qty - o.cancelled - COALESCE((SELECT SUM(l.qty) FROM allocation_lines l JOIN allocations a "
        f"ON a.id = l.allocation_id WHERE a.order_id = o.order_id AND l.sku = o.sku AND {live}), 0) AS missing "
        "FROM order_lines o WHERE o.order_id=? ORDER BY o.sku", (*statuses, order_id)).fetchall()
    return {r["sku"]: r["missing"] for r in rows if r["missing"] > 0}


def refresh_status(conn: sqlite3.Connection, order_id: str, source: str, now: datetime,
                   reason: str | None = None, held: bool | None = None) -> str:
    """Derive the order's status again; a change is written with its history entry. `reason` (when given)
    replaces the status reason; `held` says the unfilled rest is held rather than backordered."""
    order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
    shipped = shipment_store.by_allocation(conn, order_id)
    states = [AllocationState(a["status"], a["cancel_sent_at"] is not None, a["id"] in shipped)
              for a in allocations_of(conn, order_id)]
    unfilled = sum(unfilled_lines(conn, order_id).values())
    if held is None:
        held = order["status"] == OrderStatus.HELD
    lines = change_store.line_units(conn, order_id)
    status = order_status(states, unfilled, order["cancel_requested_at"] is not None, held,
                          wanted=sum(qty - given_up for qty, given_up, _ in lines.values()))
    if status in CLOSED_ORDERS:  # over: what was not shipped or collected will never be, and is refunded
        rest = rest_to_give_up({s: v[0] for s, v in lines.items()}, {s: v[1] for s, v in lines.items()},
                               change_store.done_units(conn, order_id))
        change_store.give_up(conn, order_id, rest, f"order {status} without them", source, now)
    new_reason = reason if reason is not None else order["status_reason"]
    if not unfilled and status not in (OrderStatus.CANCELLED, OrderStatus.CANCEL_REQUESTED):
        new_reason = None
    if status != order["status"] or new_reason != order["status_reason"]:
        conn.execute("UPDATE orders SET status=?, status_reason=?, updated_at=? WHERE id=?",
                     (status, new_reason, to_text(now), order_id))
    if status != order["status"]:
        add_history(conn, order_id, "status", source, now, status=status, previous=order["status"],
                    reason=new_reason)
        webhook_store.enqueue_status_change(conn, order_view(conn, order_id), order["status"], now)
    return status


def tracking(shipments: list[dict]) -> dict:
    """An allocation's shipments, and the carrier, tracking number and page of its latest one."""
    latest = shipments[-1] if shipments else {}
    return {"carrier": latest.get("carrier"), "tracking_number": latest.get("tracking_number"),
            "tracking_url": latest.get("tracking_url"), "shipped_at": latest.get("shipped_at"),
            "shipments": [{k: s[k] for k in ("id", "lines", "carrier", "tracking_number", "tracking_url",
                                              "shipped_at")} for s in shipments]}


def order_view(conn: sqlite3.Connection, order_id: str, with_history: bool = False) -> dict | None:
    order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
    if order is None:
        return None
    allocations = allocations_of(conn, order_id)
    shipped = shipment_store.by_allocation(conn, order_id)
    allocated: dict[str, int] = {}
    views = []
    for a in allocations:
        lines = lines_of_allocation(conn, a["id"])
        if is_live(a["status"]):
            for sku, qty in lines.items():
                allocated[sku] = allocated.get(sku, 0) + qty
        views.append({"id": a["id"], "node_id": a["node_id"], "node_type": a["node_type"], "type": a["type"],
                      "status": a["status"], "lines": [{"sku": s, "qty": q} for s, q in lines.items()],
                      "accept_by": a["accept_by"], "cancel_sent_at": a["cancel_sent_at"], "reason": a["reason"],
                      **tracking(shipped.get(a["id"], [])),
                      "created_at": a["created_at"], "updated_at": a["updated_at"]})
    returned = {r["sku"]: r["qty"] for r in conn.execute(
        "SELECT sku, SUM(qty) AS qty FROM order_returns WHERE order_id=? GROUP BY sku", (order_id,))}
    lines = [{"sku": r["sku"], "qty": r["qty"], "unit_price": r["unit_price"], "allocated": allocated.get(r["sku"], 0),
              "cancelled": r["cancelled"], "unfilled": max(0, r["qty"] - r["cancelled"] - allocated.get(r["sku"], 0)),
              "returned": returned.get(r["sku"], 0)}
             for r in conn.execute("SELECT sku, qty, cancelled, unit_price FROM order_lines WHERE order_id=? "
                                   "ORDER BY sku", (order_id,))]
    refund_due = change_store.refund_due_total(conn, order_id)
    view = {"id": order["id"], "channel": order["channel"], "status": order["status"],
            "status_reason": order["status_reason"], "customer": json.loads(order["customer"]),
            "delivery": json.loads(order["delivery"]), "allow_split": bool(order["allow_split"]),
            "currency": order["currency"], "lines": lines, "total": order["total"],
            "paid": json.loads(order["paid"]) if order["paid"] else None, "receipt_token": order["receipt_token"],
            "refund_due": refund_due, "net_charge": order["total"] - refund_due if order["total"] is not None else None,
            "refunds_due": change_store.refunds_due(conn, order_id),
            "allocations": views, "return_flag": return_flag(allocated, returned),
            "refund_conflict": bool(order["refund_conflict"]), "cancel_requested_at": order["cancel_requested_at"],
            "created_at": order["created_at"], "updated_at": order["updated_at"]}
    if with_history:
        view["history"] = [{"at": h["at"], "kind": h["kind"], "status": h["status"], "source": h["source"],
                            **json.loads(h["detail"])}
                           for h in conn.execute("SELECT * FROM order_history WHERE order_id=? ORDER BY id",
                                                 (order_id,))]
        view["decisions"] = [{"id": d["id"], "at": d["at"], "trigger": d["trigger"], "outcome": d["outcome"],
                              "explanation": json.loads(d["explanation"])}
                             for d in conn.execute("SELECT * FROM routing_decisions WHERE order_id=? ORDER BY id",
                                                   (order_id,))]
    return view


def list_orders(conn: sqlite3.Connection, filters: dict, cursor: str | None,
                limit: int) -> tuple[list[dict], str | None]:
    """Newest first; the cursor is the last id of the previous page (ids are time-ordered)."""
    ids = order_search.order_ids(conn, filters, cursor, limit + 1)
    items = [order_view(conn, i) for i in ids[:limit]]
    return items, (ids[limit - 1] if len(ids) > limit else None)
