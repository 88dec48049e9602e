"""Transfers between nodes in SQLite: the transfer, its lines `{sku, qty, shipped, received}`, its history and its
discrepancy. Units in transit are a `supply_orders` row of kind `transfer` (same id), so backorders claim them as
they claim a purchase order's. Every function runs inside the caller's transaction."""

import json
import sqlite3
from datetime import datetime

from central.domain.transfers import PENDING_STATUSES
from central.domain.transfers import discrepancy as discrepancy_of
from central.store.statuses import status_in
from shared.runtime.clock import to_text

MIGRATION = """
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    from_node TEXT NOT NULL,
    to_node TEXT NOT NULL,
    reference TEXT,
    expected_at TEXT,                 -- as head office asked; the in-transit supply row holds the date used
    status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'cancel_requested', 'shipped', 'received',
                                           'rejected', 'cancelled')),
    answered_at TEXT,                 -- the sender's first answer: from then on its own figures hold the units
    cancel_reason TEXT,
    carrier TEXT,
    tracking_number TEXT,
    shipped_at TEXT,
    received_at TEXT,
    discrepancy TEXT CHECK (discrepancy IN ('open', 'resolved')),
    resolution_note TEXT,
    resolved_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX transfers_by_sender ON transfers (from_node, id);
CREATE INDEX transfers_by_receiver ON transfers (to_node, id);
CREATE INDEX transfers_by_status ON transfers (status, id);  -- also ATP's read of the few pending ones
CREATE INDEX transfers_open_discrepancies ON transfers (id) WHERE discrepancy = 'open';
CREATE TABLE transfer_lines (
    transfer_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty >= 0),      -- asked (0: a SKU the sender shipped or the receiver found unasked)
    shipped INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (transfer_id, sku)
) WITHOUT ROWID;
CREATE TABLE transfer_history (
    id INTEGER PRIMARY KEY,
    transfer_id TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    event_id TEXT,                               -- the store's event, so applying it again changes nothing
    detail TEXT NOT NULL
);
CREATE INDEX transfer_history_by_transfer ON transfer_history (transfer_id, id);
CREATE UNIQUE INDEX transfer_history_events ON transfer_history (transfer_id, event_id) WHERE event_id IS NOT NULL;
-- Units in transit are inbound supply of kind 'transfer': the kind's check widens (SQLite rebuilds the table).
CREATE TABLE supply_orders_widened (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('purchase_order', 'transfer')),
    node_id TEXT NOT NULL,
    reference TEXT,
    expected_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'received', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO supply_orders_widened SELECT id, kind, node_id, reference, expected_at, status, created_at, updated_at
    FROM supply_orders;
DROP TABLE supply_orders;
ALTER TABLE supply_orders_widened RENAME TO supply_orders;
CREATE INDEX supply_orders_by_status ON supply_orders (status, node_id);
"""


def insert(conn: sqlite3.Connection, transfer_id: str, from_node: str, to_node: str, reference: str | None,
           expected_at: str | None, lines: dict[str, int], now: datetime) -> None:
    conn.execute("INSERT INTO transfers (id, from_node, to_node, reference, expected_at, status, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, 'requested', ?, ?)",
                 (transfer_id, from_node, to_node, reference, expected_at, to_text(now), to_text(now)))
    conn.executemany("INSERT INTO transfer_lines (transfer_id, sku, qty) VALUES (?, ?, ?)",
                     [(transfer_id, sku, qty) for sku, qty in lines.items()])


def get(conn: sqlite3.Connection, transfer_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM transfers WHERE id=?", (transfer_id,)).fetchone()


def update(conn: sqlite3.Connection, transfer_id: str, now: datetime, **fields) -> None:
    columns = ", ".join(f"{name}=?" for name in fields)
    conn.execute(f"UPDATE transfers SET {columns}, updated_at=? WHERE id=?",
                 (*fields.values(), to_text(now), transfer_id))


def lines_of(conn: sqlite3.Connection, transfer_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT sku, qty, shipped, received FROM transfer_lines WHERE transfer_id=? ORDER BY sku",
                        (transfer_id,)).fetchall()


def set_line_units(conn: sqlite3.Connection, transfer_id: str, column: str, units: dict[str, int]) -> None:
    """Record the units shipped or received per SKU; a SKU the transfer did not ask for gets a line of its own."""
    assert column in ("shipped", "received")
    for sku, qty in units.items():
        conn.execute(f"INSERT INTO transfer_lines (transfer_id, sku, qty, {column}) VALUES (?, ?, 0, ?) "
                     f"ON CONFLICT (transfer_id, sku) DO UPDATE SET {column}=excluded.{column}",
                     (transfer_id, sku, qty))


def has_event(conn: sqlite3.Connection, transfer_id: str, event_id: str) -> bool:
    return conn.execute("SELECT 1 FROM transfer_history WHERE transfer_id=? AND event_id=?",
                        (transfer_id, event_id)).fetchone() is not None


def add_history(conn: sqlite3.Connection, transfer_id: str, kind: str, status: str, source: str, now: datetime,
                event_id: str | None = None, **detail) -> None:
    conn.execute("INSERT INTO transfer_history (transfer_id, at, kind, status, source, event_id, detail) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (transfer_id, to_text(now), kind, status, source, event_id, json.dumps(detail, default=str)))


def pending_at_senders(conn: sqlite3.Connection, skus: list[str]) -> dict[tuple[str, str], int]:
    """Per (SKU, sending node), units asked by transfers the sender has not answered yet (pending, like a
    not-yet-accepted allocation's), for many SKUs in one read."""
    pending, statuses = status_in("t.status", PENDING_STATUSES)
    return {(sku, node_id): qty for sku, node_id, qty in conn.execute(
        "SELECT l.sku, t.from_node, SUM(l.qty) FROM transfers t JOIN transfer_lines l ON l.transfer_id = t.id "
        f"WHERE {pending} AND t.answered_at IS NULL AND l.sku IN (SELECT value FROM json_each(?)) "
        "GROUP BY l.sku, t.from_node", (*statuses, json.dumps(skus)))}


def view(conn: sqlite3.Connection, transfer_id: str) -> dict | None:
    row = get(conn, transfer_id)
    if row is None:
        return None
    lines = [dict(r) for r in lines_of(conn, transfer_id)]
    in_transit = conn.execute("SELECT s.expected_at, s.status, COALESCE(SUM(MAX(0, l.qty - l.received)), 0) AS qty "
                              "FROM supply_orders s JOIN supply_lines l ON l.supply_id = s.id WHERE s.id=?",
                              (transfer_id,)).fetchone()
    discrepancy = None
    if row["discrepancy"]:
        discrepancy = {"status": row["discrepancy"], "note": row["resolution_note"],
                       "resolved_at": row["resolved_at"],
                       "lines": discrepancy_of({x["sku"]: x["shipped"] for x in lines},
                                               {x["sku"]: x["received"] for x in lines})}
    history = [{"at": h["at"], "kind": h["kind"], "status": h["status"], "source": h["source"],
                **json.loads(h["detail"])}
               for h in conn.execute("SELECT * FROM transfer_history WHERE transfer_id=? ORDER BY id", (transfer_id,))]
    return {"id": row["id"], "from_node": row["from_node"], "to_node": row["to_node"], "reference": row["reference"],
            "status": row["status"], "lines": lines,
            "in_transit": in_transit["qty"] if in_transit["status"] == "open" else 0,
            "expected_at": in_transit["expected_at"] or row["expected_at"],
            "carrier": row["carrier"], "tracking_number": row["tracking_number"], "shipped_at": row["shipped_at"],
            "received_at": row["received_at"], "discrepancy": discrepancy, "history": history,
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def listing(conn: sqlite3.Connection, filters: dict[str, str | None], cursor: str | None,
            limit: int) -> tuple[list[dict], str | None]:
    """Newest first (ids are time-ordered); the cursor is the last id of the previous page. `filters` are
    from_node, to_node, status and discrepancy (open or resolved)."""
    where, params = [], []
    for column in ("from_node", "to_node", "status", "discrepancy"):
        if filters.get(column):
            where.append(f"{column}=?")
            params.append(filters[column])
    if cursor:
        where.append("id < ?")
        params.append(cursor)
    sql = ("SELECT id FROM transfers" + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY id DESC LIMIT ?")
    ids = [r["id"] for r in conn.execute(sql, (*params, limit + 1))]
    return [view(conn, i) for i in ids[:limit]], (ids[limit - 1] if len(ids) > limit else None)
