"""Webhook subscriptions and the delivery outbox in SQLite. Every function runs in the caller's transaction,
so a status change and the deliveries announcing it commit together."""

import json
import sqlite3
from datetime import datetime

from central.domain.webhooks import wants
from shared.contract.errors import NotFound
from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7

EVENT_TYPE = "order.status_changed"


def create(conn: sqlite3.Connection, url: str, events: list[str] | None, secret: str, now: datetime) -> dict:
    """A new subscription; the answer carries the secret, the only time it is shown."""
    webhook_id = uuid7()
    conn.execute("INSERT INTO webhooks (id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?)",
                 (webhook_id, url, json.dumps(sorted(set(events))) if events is not None else None, secret,
                  to_text(now)))
    return {**view(conn, webhook_id), "secret": secret}


def view(conn: sqlite3.Connection, webhook_id: str) -> dict | None:
    row = conn.execute("SELECT * FROM webhooks WHERE id=? AND deleted_at IS NULL", (webhook_id,)).fetchone()
    if row is None:
        return None
    waiting = conn.execute("SELECT COUNT(*), MIN(n) FROM webhook_deliveries WHERE webhook_id=? "
                           "AND delivered_at IS NULL", (webhook_id,)).fetchone()
    head = conn.execute("SELECT attempts, next_attempt_at, last_error FROM webhook_deliveries WHERE n=?",
                        (waiting[1],)).fetchone() if waiting[1] is not None else None
    last = conn.execute("SELECT MAX(delivered_at) FROM webhook_deliveries WHERE webhook_id=?",
                        (webhook_id,)).fetchone()[0]
    return {"id": row["id"], "url": row["url"], "events": json.loads(row["events"]) if row["events"] else None,
            "created_at": row["created_at"], "waiting": waiting[0], "last_delivered_at": last,
            "next_attempt_at": head["next_attempt_at"] if head else None,
            "attempts": head["attempts"] if head else 0, "last_error": head["last_error"] if head else None}


def list_page(conn: sqlite3.Connection, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """By id; the cursor is the last id of the previous page."""
    ids = [r["id"] for r in conn.execute("SELECT id FROM webhooks WHERE deleted_at IS NULL AND id > ? ORDER BY id "
                                         "LIMIT ?", (cursor or "", limit + 1))]
    return [view(conn, i) for i in ids[:limit]], (ids[limit - 1] if len(ids) > limit else None)


def delete(conn: sqlite3.Connection, webhook_id: str, now: datetime) -> None:
    """The subscription ends; what it has not received yet is no longer sent."""
    changed = conn.execute("UPDATE webhooks SET deleted_at=? WHERE id=? AND deleted_at IS NULL",
                           (to_text(now), webhook_id)).rowcount
    if not changed:
        raise NotFound(f"No webhook {webhook_id}.")
    conn.execute("DELETE FROM webhook_deliveries WHERE webhook_id=? AND delivered_at IS NULL", (webhook_id,))


def enqueue_status_change(conn: sqlite3.Connection, order: dict, previous: str, now: datetime) -> int:
    """A delivery for every subscription that wants the order's new status; returns how many."""
    enqueued = 0
    for row in conn.execute("SELECT id, events FROM webhooks WHERE deleted_at IS NULL"):
        if not wants(json.loads(row["events"]) if row["events"] else None, order["status"]):
            continue
        _insert_delivery(conn, row["id"], order["id"], EVENT_TYPE, {
            "status": order["status"], "previous": previous, "reason": order["status_reason"], "order": order}, now)
        enqueued += 1
    return enqueued


def enqueue_order_event(conn: sqlite3.Connection, order_id: str, event_type: str, fields: dict,
                        now: datetime) -> int:
    """A delivery of an order event that is not a status change (e.g. `order.refund_due`) for every subscription
    taking every change (one with a list of statuses asked only for those)."""
    enqueued = 0
    for row in conn.execute("SELECT id FROM webhooks WHERE deleted_at IS NULL AND events IS NULL"):
        _insert_delivery(conn, row["id"], order_id, event_type, fields, now)
        enqueued += 1
    return enqueued


def _insert_delivery(conn: sqlite3.Connection, webhook_id: str, order_id: str, event_type: str, fields: dict,
                     now: datetime) -> None:
    delivery_id = uuid7()
    body = {"delivery_id": delivery_id, "type": event_type, "at": to_text(now), "order_id": order_id, **fields}
    conn.execute("INSERT INTO webhook_deliveries (id, webhook_id, order_id, body, created_at, next_attempt_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 (delivery_id, webhook_id, order_id, json.dumps(body, separators=(",", ":")), to_text(now),
                  to_text(now)))


def due_heads(conn: sqlite3.Connection, now: datetime) -> list[sqlite3.Row]:
    """Each live subscription's oldest undelivered delivery, when its next attempt is due (one at a time per
    subscription, so a receiver sees an order's changes in order)."""
    return conn.execute(
        "SELECT d.*, w.url, w.secret FROM webhooks w JOIN webhook_deliveries d ON d.n = "
        "(SELECT MIN(n) FROM webhook_deliveries WHERE webhook_id = w.id AND delivered_at IS NULL) "
        "WHERE w.deleted_at IS NULL AND d.next_attempt_at <= ? ORDER BY d.n", (to_text(now),)).fetchall()


def next_due_at(conn: sqlite3.Connection) -> str | None:
    return conn.execute("SELECT MIN(d.next_attempt_at) FROM webhook_deliveries d JOIN webhooks w "
                        "ON w.id = d.webhook_id WHERE d.delivered_at IS NULL AND w.deleted_at IS NULL").fetchone()[0]


def mark_delivered(conn: sqlite3.Connection, n: int, now: datetime) -> None:
    conn.execute("UPDATE webhook_deliveries SET delivered_at=?, attempts=attempts+1, last_error=NULL WHERE n=?",
                 (to_text(now), n))


def mark_failed(conn: sqlite3.Connection, n: int, error: str, next_attempt_at: datetime) -> None:
    conn.execute("UPDATE webhook_deliveries SET attempts=attempts+1, last_error=?, next_attempt_at=? WHERE n=?",
                 (error[:500], to_text(next_attempt_at), n))
