"""The figures `/metrics` reads from central's own tables when Prometheus scrapes: one query each, all cheap (one row
per store, an index of the order statuses, the partial index of undelivered webhooks)."""

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from shared.runtime.clock import from_text


@dataclass(frozen=True)
class StoreIngest:
    store_id: str
    pending: int                       # events the store's last heartbeat says it wrote that central has not applied
    behind_since: datetime | None      # since when central has lacked some of them (the resync check's gap_since)
    parked: int                        # of those, events central holds parked above a gap


def store_ingest(conn: sqlite3.Connection) -> list[StoreIngest]:
    """Every store central has heard from. A heartbeat of an epoch central has not opened yet counts all of that
    epoch's events as pending (central has none of them applied)."""
    rows = conn.execute(
        "SELECT s.store_id, s.hb_epoch, s.epoch, COALESCE(s.hb_last_seq, 0) AS announced, s.applied_seq, s.gap_since, "
        "(SELECT COUNT(*) FROM parked_events p WHERE p.store_id = s.store_id) AS parked "
        "FROM store_sync s WHERE s.hb_epoch IS NOT NULL OR s.epoch IS NOT NULL ORDER BY s.store_id").fetchall()
    out = []
    for r in rows:
        applied = r["applied_seq"] if r["hb_epoch"] == r["epoch"] else 0
        pending = max(0, r["announced"] - applied) if r["hb_epoch"] is not None else 0
        out.append(StoreIngest(r["store_id"], pending, from_text(r["gap_since"]) if r["gap_since"] else None,
                               r["parked"]))
    return out


def orders_by_status(conn: sqlite3.Connection) -> dict[str, int]:
    return {r[0]: r[1] for r in conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status")}


def webhook_backlog(conn: sqlite3.Connection) -> tuple[int, datetime | None]:
    """Deliveries not yet taken by their receivers, and when the oldest of them was written."""
    count, oldest = conn.execute(
        "SELECT COUNT(*), MIN(created_at) FROM webhook_deliveries WHERE delivered_at IS NULL").fetchone()
    return count, from_text(oldest) if oldest else None
