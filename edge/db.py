"""The store's SQLite database: schema, and the epoch every new database starts with (DESIGN §3)."""

import sqlite3
from pathlib import Path

from edge.outbox import append_snapshot
from shared import idempotency
from shared.clock import now_text
from shared.ids import uuid7
from shared.sqlite import Database

SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    gtin TEXT,
    price INTEGER NOT NULL,
    currency TEXT NOT NULL,
    tax_rate_bp INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
CREATE INDEX products_gtin ON products (gtin);

CREATE TABLE stock (
    sku TEXT PRIMARY KEY,
    on_hand INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER NOT NULL DEFAULT 0,
    damaged INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE stock_ledger (
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL,
    on_hand_delta INTEGER NOT NULL,
    reserved_delta INTEGER NOT NULL,
    damaged_delta INTEGER NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT,
    actor TEXT NOT NULL,
    event_id TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX stock_ledger_sku ON stock_ledger (sku, id);

CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;

CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_acked_seq INTEGER NOT NULL DEFAULT 0,
    applied_seq INTEGER NOT NULL DEFAULT 0,
    applied_at TEXT
);
INSERT INTO sync_state (id) VALUES (1);

CREATE TABLE associates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('associate', 'manager')),
    pin_hash TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    associate_id TEXT NOT NULL REFERENCES associates (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_used_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    cmd_seq INTEGER,
    type TEXT,
    payload TEXT NOT NULL,
    issued_at TEXT,
    received_at TEXT NOT NULL,
    undeliverable_reason TEXT
) WITHOUT ROWID;

CREATE TABLE catalog_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
"""

MIGRATIONS = [SCHEMA_V1, idempotency.MIGRATION]


def open_database(path: str | Path) -> Database:
    """The store's database, migrated, with its epoch: a new file gets a new epoch and an opening snapshot."""
    db = Database(path, MIGRATIONS)
    with db.write() as conn:
        if read_epoch(conn) is None:
            _start_epoch(conn)
    return db


def read_epoch(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
    return row["value"] if row else None


def _start_epoch(conn: sqlite3.Connection) -> None:
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [("epoch", uuid7()), ("created_at", now_text())])
    # Central learns the epoch from seq 1, which is always a snapshot of the current levels (DESIGN §3).
    append_snapshot(conn, actor="system")
