"""The command outbox (central → store, DESIGN §3, §4): a row per command, published to COMMANDS until PubAck.

`cmd_seq` rises by one per store and is assigned in the transaction that writes the row, beside
whatever change caused the command; the publisher retries with the same `Nats-Msg-Id` forever.
"""

import asyncio
import json
import logging
import sqlite3
from datetime import datetime

from shared import subjects
from shared.clock import from_text, now_text, to_text
from shared.events import COMMAND_PAYLOADS, CommandEnvelope
from shared.ids import uuid7
from shared.nats_link import NatsLink
from shared.sqlite import Database

log = logging.getLogger(__name__)


def enqueue(conn: sqlite3.Connection, store_id: str, type_: str, payload: dict, now: datetime) -> CommandEnvelope:
    """Add a command for a store inside the caller's transaction."""
    payload = COMMAND_PAYLOADS[type_].model_validate(payload).model_dump(mode="json")
    row = conn.execute("SELECT COALESCE(MAX(cmd_seq), 0) FROM command_outbox WHERE store_id=?", (store_id,)).fetchone()
    envelope = CommandEnvelope(id=uuid7(), type=type_, store_id=store_id, cmd_seq=row[0] + 1, issued_at=now,
                               payload=payload)
    conn.execute("INSERT INTO command_outbox (store_id, cmd_seq, id, type, payload, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 (store_id, envelope.cmd_seq, envelope.id, type_, json.dumps(payload), to_text(now)))
    return envelope


def _envelope(row: sqlite3.Row) -> CommandEnvelope:
    return CommandEnvelope(id=row["id"], type=row["type"], store_id=row["store_id"], cmd_seq=row["cmd_seq"],
                           issued_at=from_text(row["created_at"]), payload=json.loads(row["payload"]))


class CommandPublisher:
    """Publishes unpublished outbox rows in (store, cmd_seq) order; `wake()` after enqueueing."""

    def __init__(self, db: Database, link: NatsLink, retry_s: float = 1.0):
        self._db, self._link, self._retry_s = db, link, retry_s
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            try:
                while await self.publish_pending() > 0:
                    pass
            except Exception as e:  # NATS down or slow: the rows stay, the next round retries them
                log.warning("command publish failed, will retry: %s", e or type(e).__name__)
            try:
                await asyncio.wait_for(self._wake.wait(), self._retry_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def publish_pending(self, limit: int = 200) -> int:
        if not self._link.online:
            return 0
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM command_outbox WHERE published_at IS NULL "
                                "ORDER BY store_id, cmd_seq LIMIT ?", (limit,)).fetchall()
        done = 0
        for row in rows:
            envelope = _envelope(row)
            await self._link.js.publish(subjects.commands(envelope.store_id), envelope.to_bytes(), timeout=5,
                                        stream=subjects.COMMANDS_STREAM, headers={"Nats-Msg-Id": f"cmd:{envelope.id}"})
            with self._db.write() as conn:
                conn.execute("UPDATE command_outbox SET published_at=? WHERE store_id=? AND cmd_seq=?",
                             (now_text(), envelope.store_id, envelope.cmd_seq))
            done += 1
        return done
