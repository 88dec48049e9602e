"""Bulk imports' rows: each upload as stored, its progress, and the rows it refused (paged by row number).

The progress of a batch is written in the batch's own transaction, so the counts always say what really applied.
"""

import sqlite3
from datetime import datetime

from shared.runtime.clock import to_text

MIGRATION = """
CREATE TABLE imports (
    id TEXT PRIMARY KEY,                         -- UUIDv7: time-ordered
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_applied INTEGER NOT NULL DEFAULT 0,
    rows_refused INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL,
    error TEXT,                                  -- failed: why the rest of the file was not read
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE TABLE import_uploads (                    -- the file until its import has run
    import_id TEXT PRIMARY KEY,
    body BLOB NOT NULL
);
CREATE TABLE import_refusals (
    import_id TEXT NOT NULL,
    row INTEGER NOT NULL,                        -- as a spreadsheet numbers it: the header is row 1
    seq INTEGER NOT NULL,                        -- several refusals of one row, in order
    column_name TEXT,                            -- NULL: the row as a whole
    message TEXT NOT NULL,
    PRIMARY KEY (import_id, row, seq)
) WITHOUT ROWID;
"""


def create(conn: sqlite3.Connection, import_id: str, kind: str, body: bytes, now: datetime) -> None:
    conn.execute("INSERT INTO imports (id, kind, status, bytes, created_at) VALUES (?, ?, 'queued', ?, ?)",
                 (import_id, kind, len(body), to_text(now)))
    conn.execute("INSERT INTO import_uploads (import_id, body) VALUES (?, ?)", (import_id, body))


def upload(conn: sqlite3.Connection, import_id: str) -> bytes | None:
    row = conn.execute("SELECT body FROM import_uploads WHERE import_id=?", (import_id,)).fetchone()
    return bytes(row[0]) if row else None


def start(conn: sqlite3.Connection, import_id: str, now: datetime) -> None:
    conn.execute("UPDATE imports SET status='running', started_at=? WHERE id=?", (to_text(now), import_id))


def record_batch(conn: sqlite3.Connection, import_id: str, read: int, applied: int,
                 refusals: list[tuple[int, str | None, str]]) -> None:
    """Inside the batch's transaction: the counts and the refusals of rows the batch read."""
    conn.execute("UPDATE imports SET rows_read = rows_read + ?, rows_applied = rows_applied + ?, "
                 "rows_refused = rows_refused + ? WHERE id=?",
                 (read, applied, len({row for row, _, _ in refusals}), import_id))
    seqs: dict[int, int] = {}
    for row, column, message in refusals:
        seqs[row] = seqs.get(row, 0) + 1
        conn.execute("INSERT INTO import_refusals (import_id, row, seq, column_name, message) VALUES (?, ?, ?, ?, ?)",
                     (import_id, row, seqs[row], column, message))


def finish(conn: sqlite3.Connection, import_id: str, now: datetime, error: str | None = None) -> None:
    """Done, or failed with the reason; the upload is no longer needed either way."""
    conn.execute("UPDATE imports SET status=?, error=?, finished_at=? WHERE id=?",
                 ("failed" if error else "done", error, to_text(now), import_id))
    conn.execute("DELETE FROM import_uploads WHERE import_id=?", (import_id,))


def unfinished(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM imports WHERE status IN ('queued', 'running') ORDER BY id")]


def view(conn: sqlite3.Connection, import_id: str) -> dict | None:
    row = conn.execute("SELECT * FROM imports WHERE id=?", (import_id,)).fetchone()
    if row is None:
        return None
    return {key: row[key] for key in ("id", "kind", "status", "rows_read", "rows_applied", "rows_refused", "bytes",
                                      "error", "created_at", "started_at", "finished_at")}


def refusals_page(conn: sqlite3.Connection, import_id: str, after: tuple[int, int], limit: int) -> list[sqlite3.Row]:
    """Refusals in row order after (row, seq)."""
    return conn.execute("SELECT row, seq, column_name, message FROM import_refusals WHERE import_id=? "
                        "AND (row, seq) > (?, ?) ORDER BY row, seq LIMIT ?", (import_id, *after, limit)).fetchall()
