"""The print spool: every job is a row before it is sent, so a printer that is off never loses a receipt.

Functions take a `sqlite3.Connection`, so a sale enqueues its receipt inside the sale's own transaction: the sale
and its job commit together. A job is `queued` until sent, `failed` (still pending, with `next_attempt_at`) after
a failed attempt, `sent` once the printer took it; it is never dropped. A reprint is a new job with the same bytes,
so the table is also the journal of everything printed. Times are RFC 3339 text (`shared.clock.to_text`).
"""

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.clock import to_text
from shared.ids import uuid7

MIGRATION = """
CREATE TABLE print_jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    ref TEXT NOT NULL,
    printer TEXT NOT NULL,
    payload BLOB NOT NULL,
    preview TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    next_attempt_at TEXT NOT NULL,
    first_failed_at TEXT,
    reprint_of TEXT
);
CREATE INDEX print_jobs_pending ON print_jobs (printer, next_attempt_at) WHERE status != 'sent';
CREATE INDEX print_jobs_ref ON print_jobs (ref);
"""

PENDING = "status IN ('queued', 'failed')"


class JobNotFound(LookupError):
    """No print job has this id or reference."""


@dataclass(frozen=True)
class Backoff:
    """Delay before the next attempt: `first` seconds, doubling each failure, never more than `limit`."""

    first: float = 1.0
    limit: float = 60.0

    def delay(self, attempts: int) -> float:
        return min(self.limit, self.first * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class PrinterHealth:
    printer: str
    state: str  # "ok" or "failing"
    queued: int
    failing_since: str | None = None
    last_error: str | None = None
    last_sent_at: str | None = None

    def as_dict(self) -> dict:
        return {"printer": self.printer, "state": self.state, "queued": self.queued,
                "failing_since": self.failing_since, "last_error": self.last_error, "last_sent_at": self.last_sent_at}


def enqueue(conn: sqlite3.Connection, kind: str, ref: str, printer: str, payload: bytes, text: str,
            now: datetime, reprint_of: str | None = None) -> str:
    """Queue a job, due at once; its id (UUIDv7). Call inside the transaction that creates what is printed."""
    job_id = uuid7()
    at = to_text(now)
    conn.execute("INSERT INTO print_jobs (id, kind, ref, printer, payload, preview, created_at, next_attempt_at, "
                 "reprint_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (job_id, kind, ref, printer, payload, text, at, at, reprint_of))
    return job_id


def due(conn: sqlite3.Connection, now: datetime, printer: str | None = None) -> list[sqlite3.Row]:
    """Pending jobs whose time has come, oldest first (per printer, the order they were queued)."""
    sql = f"SELECT * FROM print_jobs WHERE {PENDING} AND next_attempt_at <= ?"
    args: list = [to_text(now)]
    if printer is not None:
        sql += " AND printer = ?"
        args.append(printer)
    return conn.execute(sql + " ORDER BY rowid", args).fetchall()


def next_due_at(conn: sqlite3.Connection) -> str | None:
    """When the earliest pending job is due (None when nothing is pending)."""
    return conn.execute(f"SELECT min(next_attempt_at) FROM print_jobs WHERE {PENDING}").fetchone()[0]


def mark_sent(conn: sqlite3.Connection, job_id: str, now: datetime) -> None:
    conn.execute("UPDATE print_jobs SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL "
                 "WHERE id = ?", (to_text(now), job_id))


def mark_failed(conn: sqlite3.Connection, job_id: str, error: str, now: datetime, backoff: Backoff = Backoff()) -> str:
    """Record a failed attempt and when to try again; the printer's later jobs wait behind it, keeping their order.

    Returns the time of the next attempt.
    """
    row = conn.execute("SELECT attempts, printer FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    if row is None:
        raise JobNotFound(f"No print job {job_id!r}.")
    attempts = row["attempts"] + 1
    at = to_text(now)
    retry_at = to_text(now + timedelta(seconds=backoff.delay(attempts)))
    conn.execute("UPDATE print_jobs SET status = 'failed', attempts = ?, last_error = ?, next_attempt_at = ?, "
                 "first_failed_at = coalesce(first_failed_at, ?) WHERE id = ?",
                 (attempts, error, retry_at, at, job_id))
    conn.execute(f"UPDATE print_jobs SET next_attempt_at = ? WHERE printer = ? AND {PENDING} "
                 "AND next_attempt_at < ? AND rowid > (SELECT rowid FROM print_jobs WHERE id = ?)",
                 (retry_at, row["printer"], retry_at, job_id))
    return retry_at


def jobs_for(conn: sqlite3.Connection, ref: str) -> list[sqlite3.Row]:
    """Every job printed or pending for a receipt, return, order or label number, oldest first."""
    return conn.execute("SELECT * FROM print_jobs WHERE ref = ? ORDER BY rowid", (ref,)).fetchall()


def job(conn: sqlite3.Connection, job_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM print_jobs WHERE id = ?", (job_id,)).fetchone()


def reprint(conn: sqlite3.Connection, job_id_or_ref: str, now: datetime, kind: str | None = None,
            printer: str | None = None) -> list[str]:
    """Queue again the bytes of a past job (by id), or of the latest job of each kind for a number.

    `kind` narrows a number to one document (e.g. only the bag tag of an order); `printer` sends the copy
    elsewhere. Returns the new job ids; `JobNotFound` when nothing was ever printed for it.
    """
    original = job(conn, job_id_or_ref)
    if original is not None:
        originals = [original]
    else:
        latest: dict[str, sqlite3.Row] = {}
        for row in jobs_for(conn, job_id_or_ref):
            if kind is None or row["kind"] == kind:
                latest[row["kind"]] = row
        originals = list(latest.values())
    if not originals:
        what = f"{kind} for " if kind else ""
        raise JobNotFound(f"Nothing was printed as {what}{job_id_or_ref!r} at this store; check the receipt, return "
                          "or order number.")
    return [enqueue(conn, row["kind"], row["ref"], printer or row["printer"], row["payload"], row["preview"], now,
                    reprint_of=row["reprint_of"] or row["id"])
            for row in originals]


def health(conn: sqlite3.Connection, printers: list[str] | tuple[str, ...] = ()) -> list[PrinterHealth]:
    """Per printer: failing (with since when and the last error) while a pending job has failed, else ok."""
    names = sorted(set(printers) | {row[0] for row in conn.execute("SELECT DISTINCT printer FROM print_jobs")})
    out = []
    for name in names:
        pending = conn.execute(
            f"SELECT count(*) AS queued, min(first_failed_at) AS since FROM print_jobs WHERE printer = ? AND {PENDING}",
            (name,)).fetchone()
        last_error = conn.execute(
            f"SELECT last_error FROM print_jobs WHERE printer = ? AND {PENDING} AND last_error IS NOT NULL "
            "ORDER BY rowid LIMIT 1", (name,)).fetchone()
        last_sent = conn.execute("SELECT max(sent_at) FROM print_jobs WHERE printer = ? AND status = 'sent'",
                                 (name,)).fetchone()[0]
        failing = pending["since"] is not None
        out.append(PrinterHealth(printer=name, state="failing" if failing else "ok", queued=pending["queued"],
                                 failing_since=pending["since"], last_error=last_error[0] if last_error else None,
                                 last_sent_at=last_sent))
    return out
