"""A store's `return.recorded` of an online order (`original.order_id`), applied to the order at central.

Applied by ingest in the batch transaction (the levels the event carries are written by ingest itself).
Every return is recorded on the order; units refunded beyond what the order sold minus what was
already returned are applied all the same and recorded as a `refund_conflict` (history and flag).
"""

import logging
import sqlite3
from datetime import datetime

from central.domain.orders import LIVE_ALLOCATIONS
from central.domain.returns import refund_conflicts
from central.store import orders as order_store
from central.store.statuses import status_in
from shared.contract.events import EventEnvelope, ReturnRecorded
from shared.runtime.clock import to_text

log = logging.getLogger(__name__)


def sold_units(conn: sqlite3.Connection, order_id: str) -> dict[str, int]:
    """Units of each SKU in the order's live allocations (handed over, or on their way)."""
    live, statuses = status_in("a.status", LIVE_ALLOCATIONS)
    return {r["sku"]: r["qty"] for r in conn.execute(
        "SELECT l.sku, SUM(l.qty) AS qty FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id "
        f"WHERE a.order_id=? AND {live} GROUP BY l.sku", (order_id, *statuses))}


def returned_units(conn: sqlite3.Connection, order_id: str) -> dict[str, int]:
    return {r["sku"]: r["qty"] for r in conn.execute(
        "SELECT sku, SUM(qty) AS qty FROM order_returns WHERE order_id=? GROUP BY sku", (order_id,))}


def apply_return(conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload: ReturnRecorded,
                 now: datetime) -> None:
    order_id = (payload.original or {}).get("order_id")
    if not order_id:
        return  # a return of a store's own receipt: nothing of central's orders
    if conn.execute("SELECT 1 FROM orders WHERE id=?", (order_id,)).fetchone() is None:
        log.warning("store %s recorded return %s of order %s, which central does not know", store_id,
                    payload.return_number, order_id)
        return
    lines = [(line.sku, line.qty) for line in payload.lines]
    conflicts = refund_conflicts(sold_units(conn, order_id), returned_units(conn, order_id), lines)
    excess = {c.line_no: c.excess for c in conflicts}
    conn.executemany(
        "INSERT OR IGNORE INTO order_returns (event_id, line_no, order_id, store_id, return_number, sku, qty, refund, "
        "conflict, at, reason, disposition) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(envelope.id, n, order_id, store_id, payload.return_number, line.sku, line.qty, line.refund,
          excess.get(n, 0), to_text(now), line.reason, line.disposition) for n, line in enumerate(payload.lines)])
    source = f"store:{store_id}"
    order_store.add_history(conn, order_id, "returned", source, now, return_number=payload.return_number,
                            event_id=envelope.id, occurred_at=to_text(envelope.occurred_at),
                            lines=[line.model_dump() for line in payload.lines],
                            refunds=[refund.model_dump() for refund in payload.refunds])
    if conflicts:
        conn.execute("UPDATE orders SET refund_conflict=1, updated_at=? WHERE id=?", (to_text(now), order_id))
        order_store.add_history(conn, order_id, "refund_conflict", source, now, return_number=payload.return_number,
                                event_id=envelope.id, conflicts=[c.as_detail() for c in conflicts])
        log.warning("order %s: return %s at %s refunded more than was left to return: %s", order_id,
                    payload.return_number, store_id, [c.as_detail() for c in conflicts])

