"""Events of a newer release waiting for central's upgrade (DESIGN §12, docs/upgrades.md): a type central does not
know yet, or a schema above the one it reads. Each has taken its place in its store's order (the store's later
events are not held behind it) and is kept here with its store, epoch, seq and bytes until a central that reads it
starts and applies it, once.
"""

import sqlite3
from dataclasses import dataclass

MIGRATION = """
CREATE TABLE deferred_events (                   -- understood by a newer release only: applied after the upgrade
    store_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    schema INTEGER NOT NULL,
    reason TEXT NOT NULL,
    data BLOB NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (store_id, epoch, seq)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class DeferredEvent:
    store_id: str
    epoch: str
    seq: int
    event_id: str
    type: str
    data: bytes
    received_at: str


def keep(conn: sqlite3.Connection, store_id: str, epoch: str, seq: int, event_id: str, type_: str, schema: int,
         reason: str, data: bytes, received_at: str) -> None:
    conn.execute("INSERT OR IGNORE INTO deferred_events (store_id, epoch, seq, event_id, type, schema, reason, data, "
                 "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (store_id, epoch, seq, event_id, type_, schema, reason, data, received_at))


def waiting(conn: sqlite3.Connection) -> list[DeferredEvent]:
    """Every deferred event, each store's in its order."""
    return [DeferredEvent(r[0], r[1], r[2], r[3], r[4], bytes(r[5]), r[6]) for r in conn.execute(
        "SELECT store_id, epoch, seq, event_id, type, data, received_at FROM deferred_events "
        "ORDER BY store_id, epoch, seq")]


def done(conn: sqlite3.Connection, event: DeferredEvent) -> None:
    conn.execute("DELETE FROM deferred_events WHERE store_id=? AND epoch=? AND seq=?",
                 (event.store_id, event.epoch, event.seq))

