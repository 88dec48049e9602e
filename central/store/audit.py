"""What central holds of one store, a page at a time, for the audit: the events it applied, the receipts it
recorded, the store's levels and the allocations at the store (with each order line's live total)."""

import sqlite3

from central.domain.orders import LIVE_ALLOCATIONS
from central.store.statuses import status_in


def applied_events(conn: sqlite3.Connection, store_id: str, after: tuple[str, int] | None,
                   limit: int) -> tuple[list[dict], tuple[str, int] | None]:
    """The event that filled each place of the store's order, by (epoch, seq); one event id at two places shows."""
    epoch, seq = after or ("", 0)
    rows = conn.execute(
        "SELECT epoch, seq, event_id, type, dead_letter FROM applied_events WHERE store_id = ? "
        "AND (epoch, seq) > (?, ?) ORDER BY epoch, seq LIMIT ?",
        (store_id, epoch, seq, limit + 1)).fetchall()
    items = [{"epoch": r["epoch"], "seq": r["seq"], "id": r["event_id"], "type": r["type"],
              "dead_letter": r["dead_letter"]} for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return items, (last["epoch"], last["seq"]) if last else None


def position(conn: sqlite3.Connection, store_id: str) -> tuple[str | None, int]:
    row = conn.execute("SELECT epoch, applied_seq FROM store_sync WHERE store_id = ?", (store_id,)).fetchone()
    return (row["epoch"], row["applied_seq"]) if row else (None, 0)


def receipts(conn: sqlite3.Connection, store_id: str, after: str, limit: int) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT receipt_number, event_id FROM store_receipts WHERE store_id = ? AND receipt_number > ? "
        "ORDER BY receipt_number LIMIT ?", (store_id, after, limit))]


def levels(conn: sqlite3.Connection, node_id: str, after: str, limit: int) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT sku, on_hand, reserved, damaged FROM levels WHERE node_id = ? AND sku > ? ORDER BY sku LIMIT ?",
        (node_id, after, limit))]


def allocations(conn: sqlite3.Connection, node_id: str, after: str, limit: int) -> list[dict]:
    """The node's allocations; each line with what the order asks for and what its live allocations hold."""
    live, live_values = status_in("other.status", LIVE_ALLOCATIONS)
    rows = conn.execute("SELECT id, order_id, status FROM allocations WHERE node_id = ? AND id > ? ORDER BY id "
                        "LIMIT ?", (node_id, after, limit)).fetchall()
    items = []
    for row in rows:
        lines = conn.execute(
            "SELECT line.sku, line.qty, ordered.qty AS ordered, "
            f"(SELECT COALESCE(SUM(held.qty), 0) FROM allocations other JOIN allocation_lines held "
            f" ON held.allocation_id = other.id WHERE other.order_id = ? AND held.sku = line.sku AND {live}) "
            "AS live_allocated "
            "FROM allocation_lines line "
            "LEFT JOIN order_lines ordered ON ordered.order_id = ? AND ordered.sku = line.sku "
            "WHERE line.allocation_id = ? ORDER BY line.sku",
            (row["order_id"], *live_values, row["order_id"], row["id"])).fetchall()
        items.append({"allocation_id": row["id"], "order_id": row["order_id"], "status": row["status"],
                      "lines": [dict(line) for line in lines]})
    return items


def prune_applied_events(conn: sqlite3.Connection, before: str) -> int:
    """Forget applied events older than `before` (central's clock); a store keeps its own for far less."""
    return conn.execute("DELETE FROM applied_events WHERE applied_at < ?", (before,)).rowcount
