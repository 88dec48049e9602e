"""The store database's epoch (DESIGN §3): a UUID its events carry, with `seq` counting from 1 within it.

A new database opens its first epoch; a database found to be older than what central has (restored from a
backup) opens another one. Either way the epoch's first event is a `stock.snapshot` of the current levels,
written in the same transaction, so central can take over the new epoch from its very first event."""

import sqlite3
from dataclasses import dataclass

from edge.store.outbox import append_snapshot
from shared.runtime.clock import now_text
from shared.runtime.ids import uuid7

MIGRATION = """
CREATE TABLE superseded_events (    -- outbox rows of an epoch a newer one replaced, kept for people to review
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    published_at TEXT,
    superseded_at TEXT NOT NULL,
    PRIMARY KEY (epoch, seq)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class EpochChange:
    old: str
    new: str
    kept_events: int     # old outbox rows moved to superseded_events
    unsent_events: int   # of those, never acknowledged by JetStream
    snapshot_events: int


def read_epoch(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
    return row["value"] if row else None


def open_first_epoch(conn: sqlite3.Connection) -> str:
    epoch = uuid7()
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("epoch", epoch), ("created_at", now_text())])
    # Central learns the epoch from seq 1, which is always a snapshot of the current levels (DESIGN §3).
    append_snapshot(conn, actor="system")
    return epoch


def open_new_epoch(conn: sqlite3.Connection, reason: str) -> EpochChange:
    """Supersede the current epoch inside the caller's transaction: its outbox rows move aside, seq starts again
    at 1 with a chunked snapshot of every level, and the reason is kept in `meta`."""
    old, new, at = read_epoch(conn), uuid7(), now_text()
    unsent = conn.execute("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
    kept = conn.execute("INSERT INTO superseded_events (epoch, seq, id, type, payload, occurred_at, actor, "
                        "published_at, superseded_at) SELECT ?, seq, id, type, payload, occurred_at, actor, "
                        "published_at, ? FROM outbox", (old, at)).rowcount
    conn.execute("DELETE FROM outbox")
    conn.execute("UPDATE sync_state SET last_seq = 0, last_acked_seq = 0, applied_seq = 0, applied_at = NULL "
                 "WHERE id = 1")
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                     "excluded.value", [("epoch", new), ("previous_epoch", old), ("epoch_started_at", at),
                                        ("epoch_reason", reason)])
    snapshot = append_snapshot(conn, actor="system")
    return EpochChange(old=old, new=new, kept_events=kept, unsent_events=unsent, snapshot_events=len(snapshot))


def carry_on_above(conn: sqlite3.Connection, numbers: dict[str, int]) -> None:
    """Receipt, return and credit note numbers continue above the highest central holds from this store: a
    database restored from a backup would otherwise give customers numbers the newer copy already gave."""
    for kind in ("receipt", "return", "credit"):
        if numbers.get(kind):
            conn.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                         "SET value = max(value, excluded.value)", (kind, numbers[kind]))
