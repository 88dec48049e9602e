"""Shipments in SQLite: each parcel (or group of parcels) that left a node for an allocation, with its carrier and
tracking. Every function runs inside the caller's transaction."""

import json
import sqlite3
from datetime import datetime

from shared.runtime.clock import to_text

MIGRATION = """
CREATE TABLE shipments (
    id TEXT PRIMARY KEY,
    allocation_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    node_id TEXT NOT NULL,
    lines TEXT NOT NULL,                         -- JSON [{sku, qty}]
    carrier TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    tracking_url TEXT,                           -- NULL for a carrier the settings did not know
    shipped_at TEXT NOT NULL,                    -- the shipper's time
    recorded_at TEXT NOT NULL,                   -- central's clock
    source TEXT NOT NULL                         -- store:<id> (its shipment.shipped) or api (a warehouse's feed)
);
CREATE UNIQUE INDEX shipments_by_tracking ON shipments (allocation_id, tracking_number);
CREATE INDEX shipments_by_order ON shipments (order_id, shipped_at);
"""

# A warehouse rejected this allocation because its units are not there (not_found, damaged): they stay out of its
# ATP until a feed newer than the allocation says what it really has.
STOCK_MISSING = """
ALTER TABLE allocations ADD COLUMN stock_missing INTEGER NOT NULL DEFAULT 0;
"""


def insert(conn: sqlite3.Connection, shipment_id: str, allocation: sqlite3.Row, lines: dict[str, int], carrier: str,
           tracking_number: str, url: str | None, shipped_at: datetime, source: str, now: datetime) -> None:
    conn.execute("INSERT INTO shipments (id, allocation_id, order_id, node_id, lines, carrier, tracking_number, "
                 "tracking_url, shipped_at, recorded_at, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (shipment_id, allocation["id"], allocation["order_id"], allocation["node_id"],
                  json.dumps([{"sku": s, "qty": q} for s, q in sorted(lines.items())]), carrier, tracking_number,
                  url, to_text(shipped_at), to_text(now), source))


def view(row: sqlite3.Row) -> dict:
    return {"id": row["id"], "allocation_id": row["allocation_id"], "order_id": row["order_id"],
            "node_id": row["node_id"], "lines": json.loads(row["lines"]), "carrier": row["carrier"],
            "tracking_number": row["tracking_number"], "tracking_url": row["tracking_url"],
            "shipped_at": row["shipped_at"]}


def by_tracking(conn: sqlite3.Connection, allocation_id: str, tracking_number: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM shipments WHERE allocation_id=? AND tracking_number=?",
                        (allocation_id, tracking_number)).fetchone()


def of_allocation(conn: sqlite3.Connection, allocation_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM shipments WHERE allocation_id=? ORDER BY shipped_at, recorded_at",
                        (allocation_id,)).fetchall()


def shipped_units(conn: sqlite3.Connection, allocation_id: str) -> dict[str, int]:
    units: dict[str, int] = {}
    for row in of_allocation(conn, allocation_id):
        for line in json.loads(row["lines"]):
            units[line["sku"]] = units.get(line["sku"], 0) + line["qty"]
    return units


def by_allocation(conn: sqlite3.Connection, order_id: str) -> dict[str, list[dict]]:
    """Every shipment of an order, per allocation, oldest first."""
    found: dict[str, list[dict]] = {}
    for row in conn.execute("SELECT * FROM shipments WHERE order_id=? ORDER BY shipped_at, recorded_at",
                            (order_id,)):
        found.setdefault(row["allocation_id"], []).append(view(row))
    return found
