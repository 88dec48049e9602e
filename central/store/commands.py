"""The command outbox (central → store, DESIGN §3, §4): a row per command, published to COMMANDS until PubAck
(by `central.sync.commands`).

`cmd_seq` rises by one per store and is assigned in the transaction that writes the row, beside
whatever change caused the command; the publisher retries with the same `Nats-Msg-Id` forever.
"""

import json
import sqlite3
from datetime import datetime

from shared.contract.events import COMMAND_PAYLOADS, CommandEnvelope
from shared.runtime.clock import from_text, now_text, to_text
from shared.runtime.ids import uuid7


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


def unpublished(conn: sqlite3.Connection, limit: int) -> list[CommandEnvelope]:
    rows = conn.execute("SELECT * FROM command_outbox WHERE published_at IS NULL "
                        "ORDER BY store_id, cmd_seq LIMIT ?", (limit,)).fetchall()
    return [_envelope(row) for row in rows]


def mark_published(conn: sqlite3.Connection, envelope: CommandEnvelope) -> None:
    conn.execute("UPDATE command_outbox SET published_at=? WHERE store_id=? AND cmd_seq=?",
                 (now_text(), envelope.store_id, envelope.cmd_seq))
