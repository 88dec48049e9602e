"""Carrying out central's commands from the inbox, strictly in `cmd_seq` order, each in its own transaction
that also marks it applied: a crash in between applies it on the next start, never twice.

A command awaiting an upgrade (only a newer release reads it) does not hold the ones after it: a store keeps
fulfilling its orders during a rolling upgrade. On start, those this release reads are released and carried out."""

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from edge.services.fulfilment import Fulfilments
from edge.services.returns import count_returned_elsewhere
from edge.services.transfers import Transfers
from edge.store.outbox import append_snapshot
from shared.contract.events import COMMAND_PAYLOADS, not_understood
from shared.runtime.clock import to_text
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)


def resend(conn: sqlite3.Connection, from_seq: int, to_seq: int) -> str:
    """Send the rows again (same ids: central's ingest drops what it has); rows already pruned are
    replaced by a snapshot, which carries the levels they would have brought."""
    marked = conn.execute("UPDATE outbox SET published_at = NULL, resent = resent + 1 WHERE seq BETWEEN ? AND ?",
                          (from_seq, to_seq)).rowcount
    last = conn.execute("SELECT last_seq FROM sync_state WHERE id = 1").fetchone()[0]
    wanted = max(0, min(to_seq, last) - from_seq + 1)
    if marked < wanted:
        append_snapshot(conn, actor="system")
        return f"{marked} of {wanted} events sent again, and a snapshot for the pruned rest"
    return f"{marked} events sent again"


class CommandInbox:
    def __init__(self, db: Database, fulfilments: Fulfilments, on_commit: Callable[[], None] = lambda: None,
                 transfers: Transfers | None = None):
        self._db, self.fulfilments, self._on_commit = db, fulfilments, on_commit
        # Commands never answer a view, so a store id is not needed to carry out transfers' commands.
        self.transfers = transfers if transfers is not None else Transfers(db, store_id="")
        self._lock = threading.Lock()  # the command follower and the timer may both ask at once

    def release_understood(self) -> int:
        """On start: commands that waited for an upgrade and that this release reads are released, to be carried
        out in their `cmd_seq` order by the next `apply_pending` (once: it marks them applied)."""
        with self._db.write() as conn:
            waiting = conn.execute("SELECT id, type, schema FROM commands WHERE awaiting_upgrade IS NOT NULL "
                                   "AND applied_at IS NULL").fetchall()
            released = [r["id"] for r in waiting if awaits_upgrade(r["type"], r["schema"]) is None]
            conn.executemany("UPDATE commands SET awaiting_upgrade = NULL WHERE id = ?", [(i,) for i in released])
        if released:
            log.info("%d command(s) that waited for this release will be carried out", len(released))
        return len(released)

    def apply_pending(self, now: datetime) -> int:
        with self._lock:
            return self._apply_pending(now)

    def _apply_pending(self, now: datetime) -> int:
        applied = 0
        while True:
            with self._db.read() as conn:
                row = conn.execute("SELECT id, cmd_seq, type, schema, payload FROM commands WHERE applied_at IS NULL "
                                   "AND undeliverable_reason IS NULL AND awaiting_upgrade IS NULL "
                                   "ORDER BY cmd_seq LIMIT 1").fetchone()
            if row is None:
                break
            waits = awaits_upgrade(row["type"], row["schema"])
            if waits is not None:  # kept for the release that reads it; the commands after it go on
                log.warning("command %s #%d kept until this agent is upgraded: %s", row["type"], row["cmd_seq"], waits)
                with self._db.write() as conn:
                    conn.execute("UPDATE commands SET awaiting_upgrade = ? WHERE id = ?", (waits, row["id"]))
                continue
            try:
                with self._db.write() as conn:
                    outcome = self._apply(conn, row["type"], json.loads(row["payload"]), row["cmd_seq"], now)
                    conn.execute("UPDATE commands SET applied_at = ?, outcome = ? WHERE id = ? AND applied_at IS NULL",
                                 (to_text(now), outcome, row["id"]))
                log.info("command %s #%d: %s", row["type"], row["cmd_seq"], outcome)
            except Exception as e:  # rolled back; it must not block the commands after it
                log.exception("command %s #%d could not be carried out", row["type"], row["cmd_seq"])
                with self._db.write() as conn:
                    conn.execute("UPDATE commands SET applied_at = ?, outcome = ? WHERE id = ?",
                                 (to_text(now), f"failed: {e}", row["id"]))
            applied += 1
        if applied:
            self._on_commit()
        return applied

    def _apply(self, conn: sqlite3.Connection, type_: str, raw: dict, cmd_seq: int, now: datetime) -> str:
        payload = COMMAND_PAYLOADS[type_].model_validate(raw)
        return HANDLERS[type_](self, conn, payload, cmd_seq, now)


def snapshot(conn: sqlite3.Connection) -> str:
    rows = append_snapshot(conn, actor="system")
    return f"snapshot sent in {len(rows)} chunk{'s' if len(rows) != 1 else ''}"


Handler = Callable[[CommandInbox, sqlite3.Connection, BaseModel, int, datetime], str]

# What each command type does at the store, by type: a type with no handler here waits for an upgrade.
HANDLERS: dict[str, Handler] = {
    "fulfilment.assign": lambda inbox, conn, p, cmd_seq, now: inbox.fulfilments.assign(conn, p, cmd_seq, now),
    "fulfilment.cancel": lambda inbox, conn, p, cmd_seq, now: inbox.fulfilments.cancel(conn, p, now),
    "sync.resend": lambda inbox, conn, p, cmd_seq, now: resend(conn, p.from_seq, p.to_seq),
    "sync.snapshot": lambda inbox, conn, p, cmd_seq, now: snapshot(conn),
    "receipt.returned": lambda inbox, conn, p, cmd_seq, now: count_returned_elsewhere(conn, p),
    "transfer.send": lambda inbox, conn, p, cmd_seq, now: inbox.transfers.send(conn, p, cmd_seq, now),
    "transfer.inbound": lambda inbox, conn, p, cmd_seq, now: inbox.transfers.inbound(conn, p, cmd_seq, now),
    "transfer.cancel": lambda inbox, conn, p, cmd_seq, now: inbox.transfers.cancel(conn, p, now),
}


def awaits_upgrade(type_: str, schema: int) -> str | None:
    """Why this release cannot carry out a command of this type and schema yet, or None."""
    reason = not_understood(type_, schema, COMMAND_PAYLOADS, "command")
    if reason is None and type_ not in HANDLERS:
        return f"no handler for command type {type_!r}"
    return reason
