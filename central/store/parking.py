"""Rows of ingest's sequencing (DESIGN §4): events parked above a gap, which event filled each (epoch, seq), and the
conflicts (two different events at one place). Every function runs inside ingest's batch transaction.

A parked event has been taken off the stream (acked): it waits here, per store and bounded per store, so one store's
gap, flood or unknown epoch never holds the shared consumer, and a restart of central finds it again.
"""

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from central.domain.sequencing import Arrival, Position
from shared.runtime.clock import from_text, to_text

MIGRATION = """
CREATE TABLE parked_events (                     -- taken off the stream, waiting for a gap to fill or an epoch to open
    store_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,                      -- two copies at one place are both parked: a conflict, decided later
    opens_snapshot INTEGER NOT NULL,
    stored_at TEXT,                              -- the broker's timestamp (orders epochs)
    stream_seq INTEGER,
    reason TEXT,                                 -- a dead letter's reason: it still fills its place
    data BLOB NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (store_id, epoch, seq, event_id)
) WITHOUT ROWID;
CREATE TABLE applied_events (                    -- which event filled each place: another id there is a conflict
    store_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT,
    dead_letter TEXT,                            -- why it filled its place without effect
    applied_at TEXT,                             -- central's clock
    PRIMARY KEY (store_id, epoch, seq)
) WITHOUT ROWID;
CREATE TABLE event_conflicts (                   -- an event that met another one at its (epoch, seq): kept, not applied
    id INTEGER PRIMARY KEY,
    store_id TEXT NOT NULL,
    epoch TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    applied_event_id TEXT NOT NULL,              -- the event it met there (applied, or waiting there first)
    type TEXT,
    data BLOB NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (store_id, epoch, seq, event_id)
);
ALTER TABLE store_sync ADD COLUMN parked_dropped INTEGER NOT NULL DEFAULT 0;  -- over the bound: dropped, asked again
ALTER TABLE store_sync ADD COLUMN readable_seq INTEGER NOT NULL DEFAULT 0;    -- last seq filled by a readable event
ALTER TABLE store_sync ADD COLUMN conflict_asked_at TEXT;                     -- last snapshot asked for a conflict
UPDATE store_sync SET readable_seq = applied_seq;
"""


@dataclass(frozen=True)
class ParkedEvent:
    arrival: Arrival
    event_id: str
    reason: str | None
    data: bytes
    received_at: datetime
    stream_seq: int | None


@dataclass(frozen=True)
class ParkedRef:
    """A parked event as far as planning needs it: its place and id (the event itself is read when it applies)."""

    arrival: Arrival
    event_id: str


def parked_refs(conn: sqlite3.Connection, store_id: str) -> list[ParkedRef]:
    return [ParkedRef(Arrival(r[0], r[1], bool(r[2]), from_text(r[3]) if r[3] else None), r[4]) for r in conn.execute(
        "SELECT epoch, seq, opens_snapshot, stored_at, event_id FROM parked_events WHERE store_id=? "
        "ORDER BY epoch, seq, received_at", (store_id,))]


def read_parked(conn: sqlite3.Connection, store_id: str, ref: ParkedRef) -> ParkedEvent:
    r = conn.execute("SELECT reason, data, received_at, stream_seq FROM parked_events "
                     "WHERE store_id=? AND epoch=? AND seq=? AND event_id=?",
                     (store_id, *ref.arrival.key, ref.event_id)).fetchone()
    return ParkedEvent(ref.arrival, ref.event_id, r["reason"], bytes(r["data"]), from_text(r["received_at"]),
                       r["stream_seq"])


def parked_arrivals(conn: sqlite3.Connection, store_id: str) -> list[Arrival]:
    return [Arrival(r[0], r[1], bool(r[2]), from_text(r[3]) if r[3] else None) for r in conn.execute(
        "SELECT epoch, seq, opens_snapshot, stored_at FROM parked_events WHERE store_id=? ORDER BY epoch, seq",
        (store_id,))]


def stores_with_parked(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT store_id FROM parked_events")]


def count_parked(conn: sqlite3.Connection, store_id: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM parked_events WHERE store_id=?", (store_id,)).fetchone()[0]


def park(conn: sqlite3.Connection, store_id: str, event: ParkedEvent) -> bool:
    """Park one event; False when this very copy was parked already."""
    a = event.arrival
    return conn.execute(
        "INSERT OR IGNORE INTO parked_events (store_id, epoch, seq, event_id, opens_snapshot, stored_at, stream_seq, "
        "reason, data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (store_id, a.epoch, a.seq, event.event_id, int(a.opens_snapshot), to_text(a.stored_at) if a.stored_at else None,
         event.stream_seq, event.reason, event.data, to_text(event.received_at))).rowcount > 0


def last_parked(conn: sqlite3.Connection, store_id: str, current_epoch: str | None) -> tuple[str, int, str] | None:
    """The parked event needed last: of another epoch than the current one first, then the highest seq."""
    row = conn.execute("SELECT epoch, seq, event_id FROM parked_events WHERE store_id=? "
                       "ORDER BY epoch IS NOT ? DESC, seq DESC LIMIT 1", (store_id, current_epoch)).fetchone()
    return tuple(row) if row else None


def unpark(conn: sqlite3.Connection, store_id: str, epoch: str, seq: int, event_id: str | None = None) -> None:
    if event_id is None:
        conn.execute("DELETE FROM parked_events WHERE store_id=? AND epoch=? AND seq=?", (store_id, epoch, seq))
    else:
        conn.execute("DELETE FROM parked_events WHERE store_id=? AND epoch=? AND seq=? AND event_id=?",
                     (store_id, epoch, seq, event_id))


def unpark_places(conn: sqlite3.Connection, store_id: str, places: list[tuple[str, int]]) -> None:
    """Every parked copy at these (epoch, seq) places."""
    if places:
        conn.executemany("DELETE FROM parked_events WHERE store_id=? AND epoch=? AND seq=?",
                         [(store_id, epoch, seq) for epoch, seq in places])


def count_dropped(conn: sqlite3.Connection, store_id: str, n: int) -> None:
    conn.execute("INSERT INTO store_sync (store_id, parked_dropped) VALUES (?, ?) ON CONFLICT (store_id) "
                 "DO UPDATE SET parked_dropped = parked_dropped + excluded.parked_dropped", (store_id, n))


class AppliedPlace(NamedTuple):  # one per applied event: a tuple is made in a third of a frozen dataclass's time
    """The event that filled its place in the store's order (a dead letter fills it too, with its reason)."""

    epoch: str
    seq: int
    event_id: str
    type: str
    dead_letter: str | None
    applied_at: str


def record_applied(conn: sqlite3.Connection, store_id: str, epoch: str, seq: int, event_id: str, type_: str,
                   dead_letter: str | None, applied_at: str) -> None:
    """One event that filled its place: what a later copy is compared with, and what the audit reads."""
    record_applied_places(conn, store_id, [AppliedPlace(epoch, seq, event_id, type_, dead_letter, applied_at)],
                          None if dead_letter else seq)


def record_applied_places(conn: sqlite3.Connection, store_id: str, places: list[AppliedPlace],
                          readable_seq: int | None) -> None:
    """A run of places one store's events filled, in one statement; `readable_seq` is the last of them filled by a
    readable event (None: none was)."""
    conn.executemany("INSERT OR REPLACE INTO applied_events (store_id, epoch, seq, event_id, type, dead_letter, "
                     "applied_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [(store_id, *place) for place in places])
    if readable_seq is not None:
        conn.execute("UPDATE store_sync SET readable_seq=? WHERE store_id=?", (readable_seq, store_id))


def applied_late(conn: sqlite3.Connection, store_id: str, epoch: str, seq: int, event_id: str) -> None:
    """An event that filled its place without effect (it waited for an upgrade) has now been applied."""
    conn.execute("UPDATE applied_events SET dead_letter=NULL WHERE store_id=? AND epoch=? AND seq=? AND event_id=?",
                 (store_id, epoch, seq, event_id))


def forget_applied(conn: sqlite3.Connection, store_id: str, position: Position, keep: int) -> None:
    """Drop the ids of places applied long ago (the audit reports the places below the first kept as recorded
    before; a superseded epoch keeps its last ones, for the audit of a restored store)."""
    conn.execute("DELETE FROM applied_events WHERE store_id=? AND epoch=? AND seq <= ?",
                 (store_id, position.epoch, position.applied_seq - keep))


def applied_up_to(conn: sqlite3.Connection, store_id: str, epochs: Iterable[str]) -> dict[str, int]:
    """How far each of these epochs was applied (an epoch none of whose places is on record is absent). A
    superseded epoch keeps the ids of its last places for `applied_events_days`, longer than the stream keeps an
    event, so any event of it that can still arrive finds its epoch's last place here."""
    epochs = list(epochs)
    marks = ",".join("?" * len(epochs))
    return dict(conn.execute(f"SELECT epoch, MAX(seq) FROM applied_events WHERE store_id=? AND epoch IN ({marks}) "
                             "GROUP BY epoch", (store_id, *epochs)).fetchall())


def readable_seq(conn: sqlite3.Connection, store_id: str) -> int:
    row = conn.execute("SELECT readable_seq FROM store_sync WHERE store_id=?", (store_id,)).fetchone()
    return row[0] if row else 0


def applied_event_id(conn: sqlite3.Connection, store_id: str, epoch: str, seq: int) -> str | None:
    row = conn.execute("SELECT event_id FROM applied_events WHERE store_id=? AND epoch=? AND seq=?",
                       (store_id, epoch, seq)).fetchone()
    return row[0] if row else None


def record_conflict(conn: sqlite3.Connection, store_id: str, epoch: str, seq: int, event_id: str,
                    applied_event_id: str, type_: str | None, data: bytes, received_at: datetime) -> bool:
    """Keep the event that was not applied; True when it is a new conflict (a redelivery records nothing)."""
    return conn.execute(
        "INSERT OR IGNORE INTO event_conflicts (store_id, epoch, seq, event_id, applied_event_id, type, data, "
        "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (store_id, epoch, seq, event_id, applied_event_id, type_, data, to_text(received_at))).rowcount > 0


def count_conflicts(conn: sqlite3.Connection, store_id: str) -> int:
    return conn.execute("SELECT COUNT(*) FROM event_conflicts WHERE store_id=?", (store_id,)).fetchone()[0]


def conflicts_page(conn: sqlite3.Connection, store_id: str, after_id: int, limit: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM event_conflicts WHERE store_id=? AND id > ? ORDER BY id LIMIT ?",
                        (store_id, after_id, limit)).fetchall()


def conflicts_to_answer(conn: sqlite3.Connection) -> list[tuple[str, str, str | None]]:
    """(store, latest conflict, last snapshot asked) of stores with a conflict newer than their last ask."""
    return [tuple(r) for r in conn.execute(
        "SELECT c.store_id, MAX(c.received_at) AS latest, s.conflict_asked_at FROM event_conflicts c "
        "LEFT JOIN store_sync s ON s.store_id = c.store_id GROUP BY c.store_id "
        "HAVING s.conflict_asked_at IS NULL OR MAX(c.received_at) > s.conflict_asked_at")]


def conflict_asked(conn: sqlite3.Connection, store_id: str, now: datetime) -> None:
    conn.execute("INSERT INTO store_sync (store_id, conflict_asked_at) VALUES (?, ?) ON CONFLICT (store_id) "
                 "DO UPDATE SET conflict_asked_at = excluded.conflict_asked_at", (store_id, to_text(now)))


def conflicts_of(conn: sqlite3.Connection, store_id: str) -> tuple[int, str | None]:
    """How many conflicts the store has had, and when the latest arrived."""
    row = conn.execute("SELECT COUNT(*), MAX(received_at) FROM event_conflicts WHERE store_id=?", (store_id,)).fetchone()
    return row[0], row[1]
