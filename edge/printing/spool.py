"""The print spool: every job is a row before it is sent, so a printer that is off never loses a receipt.

Functions take a `sqlite3.Connection`, so a sale enqueues its receipt inside the sale's own transaction: the sale
and its job commit together. A job is `queued` until sent, `failed` (still pending, with `next_attempt_at`) after
a failed attempt, `sent` once the printer took it; it is never dropped. A reprint is a new job with the same bytes,
so the table is also the journal of everything printed. Times are RFC 3339 text (`shared.runtime.clock.to_text`).
"""

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from edge.printing.escpos_render import load_escpos
from edge.printing.printer_status import StatusProtocol
from edge.printing.targets import Job, PrinterUnavailable, Target, parse_target, send
from shared.runtime.clock import from_text, to_text, utc_now
from shared.runtime.ids import uuid7
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)

STOP_WAIT_S = 1.0  # how long stopping waits for a job being sent

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


def pending(table: str = "") -> str:
    """The condition of a job still to print. It states the partial index's own `status != 'sent'`: SQLite uses a
    partial index only for a query that says its condition, and without it every pass over the spool (one after each
    sale) read every job the store ever printed."""
    return f"{table}status != 'sent' AND {table}status IN ('queued', 'failed')"


PENDING = pending()


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
    # A job waits while an earlier one for the same printer is still backing off: receipts come out in the order
    # they were queued, even when a printer returns between a failed job's retries.
    sql = (f"SELECT * FROM print_jobs AS p WHERE {pending('p.')} AND p.next_attempt_at <= ? AND NOT EXISTS ("
           f"SELECT 1 FROM print_jobs AS e WHERE e.printer = p.printer AND {pending('e.')} AND e.rowid < p.rowid "
           "AND e.next_attempt_at > ?)")
    args: list = [to_text(now), to_text(now)]
    if printer is not None:
        sql += " AND p.printer = ?"
        args.append(printer)
    # `+rowid`: ordered by the bare rowid, the planner would walk the whole table rather than sort a few rows.
    return conn.execute(sql + " ORDER BY +p.rowid", args).fetchall()


def next_due_at(conn: sqlite3.Connection, after: datetime | None = None) -> str | None:
    """When the earliest pending job is due (None when nothing is pending); with `after`, the earliest due later
    than that. A job already past its time but not due waits behind a failed one of its printer, and becomes due
    when that one is retried (a later time): waking for it at once would only find it waiting still."""
    if after is None:
        return conn.execute(f"SELECT min(next_attempt_at) FROM print_jobs WHERE {PENDING}").fetchone()[0]
    return conn.execute(f"SELECT min(next_attempt_at) FROM print_jobs WHERE {PENDING} AND next_attempt_at > ?",
                        (to_text(after),)).fetchone()[0]


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


def queues(conn: sqlite3.Connection) -> dict[str, tuple[int, bool]]:
    """Per printer with jobs still to print: how many, and whether one of them has failed (one query, on the
    partial index of pending jobs)."""
    return {r[0]: (r[1], r[2] is not None) for r in conn.execute(
        f"SELECT printer, count(*), min(first_failed_at) FROM print_jobs WHERE {PENDING} GROUP BY printer")}


class SpoolWorker:
    """Sends due jobs in the background, in a thread of its own: the agent's event loop does none of it (a pass
    follows every sale, and on the loop its hand-offs to threads held up every counter's next request). Each
    printer with due jobs drains on its own thread, so one that is off (and waits out its timeout) never holds up
    another; a failure is recorded with a backoff and retried, never raised."""

    def __init__(self, db: Database, targets: Mapping[str, Target | str], *, backoff: Backoff = Backoff(),
                 timeout: float = 5.0, idle: float = 1.0, clock: Callable[[], datetime] = utc_now,
                 status_checks: Mapping[str, StatusProtocol] | None = None, status_wait: float = 1.0):
        self._db, self._backoff, self._timeout, self._idle, self._clock = db, backoff, timeout, idle, clock
        self._targets = {name: parse_target(t) if isinstance(t, str) else t for name, t in targets.items()}
        # Printers asked before each job whether they can print; one that never answers is no longer asked, so a
        # model that ignores status queries does not wait `status_wait` on every receipt.
        self._status_checks = dict(status_checks or {})
        self._status_answered: set[str] = set()
        self._status_wait = status_wait
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> threading.Thread:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="print-spool", daemon=True)
        self._thread.start()
        return self._thread

    async def stop(self) -> None:
        """Stop after the job being sent, waiting for it at most about a second (a printer that does not answer
        holds its attempt until the send timeout; that attempt is recorded when it ends, or tried again later)."""
        if self._thread is not None:
            self._stopping.set()
            self._wake.set()
            await asyncio.to_thread(self._thread.join, STOP_WAIT_S)
            self._thread = None

    def wake(self) -> None:
        """Look for due jobs now (call after committing a job); safe from any thread, and costs the caller next to
        nothing."""
        self._wake.set()

    def _run(self) -> None:
        load_escpos()
        while not self._stopping.is_set():
            self._wake.clear()  # before the pass: a job queued during it wakes the next one at once
            try:
                _, next_at = self._pass()
                wait = self._until(next_at)
            except Exception:  # a broken database must not end printing for good: log and try again
                if self._stopping.is_set():
                    return
                log.exception("print spool pass failed")
                wait = self._idle
            self._wake.wait(wait)

    async def send_due(self) -> int:
        """One pass over the due jobs now, in a thread; how many were sent."""
        sent, _ = await asyncio.to_thread(self._pass)
        return sent

    def _pass(self) -> tuple[int, str | None]:
        """Send the due jobs; how many were sent, and when the next job not sent now falls due (None: nothing
        pending). One printer with due jobs (a sale's receipt) is drained right here."""
        now = self._clock()
        with self._db.read_only() as conn:  # beside the writer: never queued behind the next sale's commit
            rows, next_at = due(conn, now), next_due_at(conn, after=now)
        per_printer: dict[str, list[sqlite3.Row]] = {}
        for row in rows:
            per_printer.setdefault(row["printer"], []).append(row)
        if len(per_printer) <= 1:
            drained = [self._drain(name, jobs) for name, jobs in per_printer.items()]
        else:
            with ThreadPoolExecutor(len(per_printer), thread_name_prefix="print-spool") as printers:
                drained = list(printers.map(lambda item: self._drain(*item), per_printer.items()))
        retries = [retry_at for _, retry_at in drained if retry_at is not None]
        return sum(sent for sent, _ in drained), min([at for at in (next_at, *retries) if at is not None],
                                                     default=None)

    def _drain(self, name: str, rows: list[sqlite3.Row]) -> tuple[int, str | None]:
        """A printer's due jobs in order; how many were sent, and when the one that failed is tried again. What the
        run sent (and the failure that ended it) is recorded in one transaction at its end: with many counters
        selling, a commit per receipt doubled the writer's commits. A crash before it commits prints those
        receipts again; none is ever lost."""
        sent: list[str] = []
        failed: tuple[sqlite3.Row, str] | None = None
        retry_at = None
        try:
            for row in rows:
                error = self._send_one(name, row)
                if error is not None:
                    failed = (row, error)
                    break  # the rest of this printer's jobs wait behind the failed one
                sent.append(row["id"])
        finally:  # recorded however the run ends
            if sent or failed:
                retry_at = self._record(sent, failed)
        if failed is not None:
            row, error = failed
            log.warning("printer %s: job %s (%s %s) not printed, retrying at %s: %s", name, row["id"], row["kind"],
                        row["ref"], retry_at, error)
        return len(sent), retry_at

    def _record(self, sent: list[str], failed: tuple[sqlite3.Row, str] | None) -> str | None:
        """Mark the jobs sent, and the failed one with its next attempt (returned), in one transaction."""
        now = self._clock()
        with self._db.write() as conn:
            for job_id in sent:
                mark_sent(conn, job_id, now)
            return mark_failed(conn, failed[0]["id"], failed[1], now, self._backoff) if failed else None

    def _send_one(self, name: str, row: sqlite3.Row) -> str | None:
        """Send one job; None when it was sent, else why not."""
        target = self._targets.get(name)
        try:
            if target is None:
                raise PrinterUnavailable(f"no printer named {name!r} is configured at this counter")
            answered = send(target, Job(row["id"], row["kind"], row["payload"], row["preview"]), self._timeout,
                            self._status_checks.get(name), self._status_wait)
        except Exception as e:  # noqa: BLE001 — every failure is recorded on the job and retried
            return str(e)
        self._remember_status_answer(name, answered)
        return None

    def _remember_status_answer(self, name: str, answered: bool | None) -> None:
        if answered:
            self._status_answered.add(name)
        elif answered is False and name not in self._status_answered:
            del self._status_checks[name]
            log.info("printer %s does not answer status queries: printing without asking first", name)

    def _until(self, at: str | None) -> float:
        if at is None:
            return self._idle
        seconds = (from_text(at) - self._clock()).total_seconds()
        return min(self._idle, max(0.0, seconds))
