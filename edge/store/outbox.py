"""The outbox: every change's event, numbered in the change's own transaction (DESIGN §3, §4).

`seq` comes from `sync_state.last_seq`, never from the rows themselves, so pruning old rows can
never make a number come round again.
"""

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from pydantic import BaseModel

from shared.contract.events import EVENT_PAYLOADS, SCHEMA, EventEnvelope, StockSnapshot
from shared.contract.models import StockLevel
from shared.runtime.clock import from_text, to_text, utc_now
from shared.runtime.ids import uuid7

SNAPSHOT_CHUNK_SKUS = 500  # DESIGN §4: at most 500 SKUs an event, far below NATS's 1 MB limit

# How many times central asked for a row again: part of its Nats-Msg-Id, so JetStream's duplicate window (which
# outlives a purge) never swallows a resend, while a retried publish of one send keeps its id.
RESENT_MIGRATION = "ALTER TABLE outbox ADD COLUMN resent INTEGER NOT NULL DEFAULT 0;"


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    id: str
    type: str
    payload_json: str  # as stored
    occurred_at: str
    actor: str
    resent: int = 0

    @cached_property
    def payload(self) -> dict:
        """The payload read from its JSON when asked for: a change that writes an event rarely needs it back."""
        return json.loads(self.payload_json)

    def envelope(self, store_id: str, epoch: str) -> EventEnvelope:
        return EventEnvelope(id=self.id, type=self.type, store_id=store_id, epoch=epoch, seq=self.seq,
                             occurred_at=from_text(self.occurred_at), actor=self.actor, payload=self.payload)


@dataclass(frozen=True)
class OutgoingEvent:
    """An unsent row as it goes on the wire: its envelope's JSON, and what names this send of it."""
    seq: int
    id: str
    resent: int
    body: bytes


def envelope_json(store_id: str, epoch: str, seq: int, event_id: str, type_: str, payload_json: str,
                  occurred_at: str, actor: str) -> bytes:
    """The envelope's JSON straight from the stored columns (the same message `OutboxRow.envelope(...).to_bytes()`
    reads as): the payload is stored as JSON already, so it is put in as it is instead of being parsed, validated and
    written out again for every event of a backlog."""
    text = (f'{{"id":{json.dumps(event_id)},"type":{json.dumps(type_)},"schema":{SCHEMA},'
            f'"store_id":{json.dumps(store_id)},"epoch":{json.dumps(epoch)},"seq":{seq},'
            f'"occurred_at":{json.dumps(occurred_at)},"actor":{json.dumps(actor)},"payload":{payload_json}}}')
    return text.encode()


@dataclass(frozen=True)
class SyncCounters:
    last_seq: int
    last_acked_seq: int
    applied_seq: int
    backlog: int
    oldest_unsent_at: str | None


def append_event(conn: sqlite3.Connection, type_: str, payload: BaseModel, *, actor: str,
                 at: datetime | None = None) -> OutboxRow:
    """Add one event to the outbox with the next seq; call inside the transaction of the change it describes."""
    expected = EVENT_PAYLOADS.get(type_)
    if expected is None or not isinstance(payload, expected):
        raise TypeError(f"{type_!r} events carry a {expected.__name__ if expected else 'known'} payload")
    seq = conn.execute("UPDATE sync_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq").fetchone()[0]
    # pydantic writes the JSON in one compiled pass; the same payload as `json.dumps(payload.model_dump(mode="json"))`
    # gives, written compactly (tests/unit/edge/test_sale_rows_property.py).
    row = OutboxRow(seq=seq, id=uuid7(), type=type_, payload_json=payload.model_dump_json(),
                    occurred_at=to_text(at or utc_now()), actor=actor)
    conn.execute("INSERT INTO outbox (seq, id, type, payload, occurred_at, actor) VALUES (?, ?, ?, ?, ?, ?)",
                 (row.seq, row.id, row.type, row.payload_json, row.occurred_at, row.actor))
    return row


def append_snapshot(conn: sqlite3.Connection, *, actor: str) -> list[OutboxRow]:
    """`stock.snapshot` events of every stocked SKU, in chunks; one chunk (maybe empty) at the least."""
    levels = [StockLevel(sku=r["sku"], on_hand=r["on_hand"], reserved=r["reserved"], damaged=r["damaged"])
              for r in conn.execute("SELECT sku, on_hand, reserved, damaged FROM stock ORDER BY sku")]
    chunks = [levels[i:i + SNAPSHOT_CHUNK_SKUS] for i in range(0, len(levels), SNAPSHOT_CHUNK_SKUS)] or [[]]
    return [append_event(conn, "stock.snapshot", StockSnapshot(chunk=n, chunks=len(chunks), levels=chunk), actor=actor)
            for n, chunk in enumerate(chunks, start=1)]


def unpublished(conn: sqlite3.Connection, limit: int = 100) -> list[OutboxRow]:
    """The oldest rows not yet acknowledged by JetStream, in seq order."""
    rows = conn.execute("SELECT seq, id, type, payload, occurred_at, actor, resent FROM outbox "
                        "WHERE published_at IS NULL ORDER BY seq LIMIT ?", (limit,)).fetchall()
    return [OutboxRow(seq=r["seq"], id=r["id"], type=r["type"], payload_json=r["payload"],
                      occurred_at=r["occurred_at"], actor=r["actor"], resent=r["resent"]) for r in rows]


def unsent(conn: sqlite3.Connection, store_id: str, epoch: str, *, after: int = 0,
           limit: int = 100) -> list[OutgoingEvent]:
    """The unsent rows above seq `after`, in seq order, ready to publish (the publisher reads ahead of its acks)."""
    rows = conn.execute("SELECT seq, id, type, payload, occurred_at, actor, resent FROM outbox "
                        "WHERE published_at IS NULL AND seq > ? ORDER BY seq LIMIT ?", (after, limit)).fetchall()
    return [OutgoingEvent(seq, event_id, resent, envelope_json(store_id, epoch, seq, event_id, type_, payload,
                                                               occurred_at, actor))
            for seq, event_id, type_, payload, occurred_at, actor, resent in rows]


def mark_sent(conn: sqlite3.Connection, sent: list[OutgoingEvent], at: datetime) -> None:
    """JetStream has stored these sends (their PubAcks came back): one statement for the lot. A row central asked for
    again meanwhile (its `resent` moved on) stays unsent: the send acknowledged was the earlier one."""
    if not sent:
        return
    at_text = to_text(at)
    conn.executemany("UPDATE outbox SET published_at = ? WHERE seq = ? AND resent = ? AND published_at IS NULL",
                     [(at_text, event.seq, event.resent) for event in sent])
    conn.execute("UPDATE sync_state SET last_acked_seq = MAX(last_acked_seq, ?) WHERE id = 1",
                 (max(event.seq for event in sent),))


def mark_published(conn: sqlite3.Connection, seq: int, at: datetime | None = None) -> None:
    """JetStream has stored the event (its PubAck came back)."""
    conn.execute("UPDATE outbox SET published_at = ? WHERE seq = ? AND published_at IS NULL",
                 (to_text(at or utc_now()), seq))
    conn.execute("UPDATE sync_state SET last_acked_seq = MAX(last_acked_seq, ?) WHERE id = 1", (seq,))


def counters(conn: sqlite3.Connection) -> SyncCounters:
    state = conn.execute("SELECT last_seq, last_acked_seq, applied_seq FROM sync_state WHERE id = 1").fetchone()
    pending = conn.execute("SELECT COUNT(*) AS n, MIN(occurred_at) AS oldest FROM outbox "
                           "WHERE published_at IS NULL").fetchone()
    return SyncCounters(last_seq=state["last_seq"], last_acked_seq=state["last_acked_seq"],
                        applied_seq=state["applied_seq"], backlog=pending["n"], oldest_unsent_at=pending["oldest"])


def apply_watermark(conn: sqlite3.Connection, applied_seq: int, *, retain_days: float, now: datetime) -> int:
    """Remember how far central has applied, and delete what it has and is old enough; returns rows deleted."""
    conn.execute("UPDATE sync_state SET applied_seq = ?, applied_at = ? WHERE id = 1", (applied_seq, to_text(now)))
    cutoff = to_text(now - timedelta(days=retain_days))
    deleted = conn.execute("DELETE FROM outbox WHERE seq <= ? AND published_at IS NOT NULL AND occurred_at <= ?",
                           (applied_seq, cutoff))
    return deleted.rowcount
