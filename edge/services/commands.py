"""Carrying out central's commands from the inbox, strictly in `cmd_seq` order, each in its own transaction
that also marks it applied: a crash in between applies it on the next start, never twice."""

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime

from edge.services.fulfilment import Fulfilments
from edge.services.returns import count_returned_elsewhere
from edge.store.outbox import append_snapshot
from shared.contract.events import (
    COMMAND_PAYLOADS,
    FulfilmentAssign,
    FulfilmentCancel,
    ReceiptReturned,
    SyncResend,
)
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
    def __init__(self, db: Database, fulfilments: Fulfilments, on_commit: Callable[[], None] = lambda: None):
        self._db, self._fulfilments, self._on_commit = db, fulfilments, on_commit
        self._lock = threading.Lock()  # the command follower and the timer may both ask at once

    def apply_pending(self, now: datetime) -> int:
        with self._lock:
            return self._apply_pending(now)

    def _apply_pending(self, now: datetime) -> int:
        applied = 0
        while True:
            with self._db.read() as conn:
                row = conn.execute("SELECT id, cmd_seq, type, payload FROM commands WHERE applied_at IS NULL AND "
                                   "undeliverable_reason IS NULL ORDER BY cmd_seq LIMIT 1").fetchone()
            if row is None:
                break
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
        if isinstance(payload, FulfilmentAssign):
            return self._fulfilments.assign(conn, payload, cmd_seq, now)
        if isinstance(payload, FulfilmentCancel):
            return self._fulfilments.cancel(conn, payload, now)
        if isinstance(payload, SyncResend):
            return resend(conn, payload.from_seq, payload.to_seq)
        if isinstance(payload, ReceiptReturned):
            return count_returned_elsewhere(conn, payload)
        rows = append_snapshot(conn, actor="system")
        return f"snapshot sent in {len(rows)} chunk{'s' if len(rows) != 1 else ''}"
