"""The ingest projection (DESIGN §4): the durable pull consumer `central-ingest` on EVENTS.

Each fetched batch is decoded, ordered per store by `domain.sequencing.plan`, and applied in ONE
transaction that also moves each store's watermark; only then are the messages acked and the
watermarks published on `omni.ack.<store>`. Events above a gap stay un-acked in a small buffer.

A batch is applied in a worker thread, so a long one (a snapshot of thousands of levels, orders re-routed)
never stalls the event loop that answers the API, heartbeats and requests; `held` is only touched under
the database lock (by the batch, and by resync's check).
"""

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import BaseModel, ValidationError

from central.domain.sequencing import ApplyPlan, Arrival, Position, Verdict, plan
from central.store import projection
from central.store import receipts as store_receipts
from shared.contract import subjects
from shared.contract.events import (
    AppliedWatermark,
    EventEnvelope,
    StockSnapshot,
    Undeliverable,
    parse_event,
)
from shared.runtime.clock import to_text, utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)

BATCH = 256
ACK_WAIT_S = 30
MAX_ACK_PENDING = 2000


def ingest_consumer_config() -> ConsumerConfig:
    return ConsumerConfig(durable_name=subjects.CENTRAL_INGEST, deliver_policy=DeliverPolicy.ALL,
                          ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT_S, max_ack_pending=MAX_ACK_PENDING,
                          filter_subject=subjects.EVENTS_ALL)


@dataclass
class Incoming:
    """One delivered message, decoded as far as it can be."""

    msg: Msg
    store_id: str | None
    envelope: EventEnvelope | None
    payload: BaseModel | None
    reason: str | None          # why it cannot be applied (dead letter), or None
    received_at: datetime
    # Known store, epoch and seq: it takes its place in the order even when it is a dead letter.
    sequenced: bool = True

    @property
    def arrival(self) -> Arrival:
        opens = isinstance(self.payload, StockSnapshot) and self.reason is None and self.payload.chunk == 1
        return Arrival(self.envelope.epoch, self.envelope.seq, opens, self._metadata("timestamp"))

    @property
    def stream_seq(self) -> int | None:
        sequence = self._metadata("sequence")
        return sequence.stream if sequence else None

    def _metadata(self, name: str):
        try:
            return getattr(self.msg.metadata, name)
        except Exception:  # not a JetStream delivery
            return None


def decode(msg: Msg, received_at: datetime) -> Incoming:
    try:
        store_id = subjects.store_of(msg.subject)
    except ValueError:
        store_id = None
    try:
        envelope, payload = parse_event(msg.data)
    except Undeliverable as e:
        try:
            envelope = EventEnvelope.model_validate_json(msg.data)
        except ValidationError:
            envelope = None
        return Incoming(msg, store_id, envelope, None, e.reason, received_at,
                        sequenced=envelope is not None and envelope.store_id == store_id)
    if envelope.store_id != store_id:
        return Incoming(msg, store_id, envelope, payload,
                        f"envelope store_id {envelope.store_id!r} does not match subject {msg.subject}",
                        received_at, sequenced=False)
    expected = subjects.msg_id(store_id, envelope.id)
    got = (msg.headers or {}).get("Nats-Msg-Id")
    if got != expected:
        return Incoming(msg, store_id, envelope, payload,
                        f"Nats-Msg-Id header {got!r} is not the expected {expected!r}", received_at)
    return Incoming(msg, store_id, envelope, payload, None, received_at)


class Ingest:
    """Consumes EVENTS; `held` keeps, per store, the events waiting above a gap (by epoch and seq)."""

    def __init__(self, db: Database, link: NatsLink,
                 on_event: Callable[[sqlite3.Connection, str, EventEnvelope, BaseModel, datetime], None] | None = None):
        self._db, self._link = db, link
        self.on_event = on_event  # orders follow the fulfilment events, in the same transaction
        self.held: dict[str, dict[tuple[str, int], list[Incoming]]] = {}
        self._sub = None
        self.applied_batches = 0

    async def subscribe(self) -> None:
        self._sub = await self._link.js.pull_subscribe(subjects.EVENTS_ALL, durable=subjects.CENTRAL_INGEST,
                                                       stream=subjects.EVENTS_STREAM, config=ingest_consumer_config())

    async def run(self) -> None:
        while True:
            try:
                if self._sub is None:
                    await self.subscribe()
                msgs = await self._sub.fetch(BATCH, timeout=1)
            except (NatsTimeout, TimeoutError):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as e:  # link down or consumer gone: bind or create it again shortly
                log.warning("ingest fetch failed: %s", e or type(e).__name__)
                self._sub = None
                await asyncio.sleep(0.5)
                continue
            try:
                await self.handle(msgs)
            except Exception:  # nothing committed, nothing acked: the batch comes back after ack_wait
                log.exception("ingest batch failed")
                await asyncio.sleep(0.5)

    async def handle(self, msgs: list[Msg]) -> None:
        to_ack, touched = await asyncio.to_thread(self.apply_batch, msgs, utc_now())
        for item in to_ack:
            try:
                await item.msg.ack()
            except Exception as e:
                log.warning("ack failed (the event will come back and be skipped): %s", e)
        self.applied_batches += 1
        await self.publish_watermarks(touched)

    def apply_batch(self, msgs: list[Msg], now: datetime) -> tuple[list[Incoming], dict[str, Position]]:
        """Decode and apply one fetched batch in one transaction: (what to ack, the stores' new positions)."""
        incoming = [decode(m, now) for m in msgs]
        try:
            return self._apply(incoming)
        except Exception:
            # Nothing was committed: forget what is held, every un-acked message comes back after ack_wait.
            with self._db.read():
                self.held.clear()
            raise

    def _apply(self, incoming: list[Incoming]) -> tuple[list[Incoming], dict[str, Position]]:
        to_ack: list[Incoming] = []
        touched: dict[str, Position] = {}
        by_store: dict[str, list[Incoming]] = {}
        with self._db.write() as conn:
            for item in incoming:
                if item.sequenced:
                    by_store.setdefault(item.store_id, []).append(item)
                    continue
                projection.record_dead_letter(
                    conn, store_id=item.store_id, epoch=item.envelope.epoch if item.envelope else None,
                    seq=item.envelope.seq if item.envelope else None,
                    type_=item.envelope.type if item.envelope else None, reason=item.reason or "unreadable",
                    data=item.msg.data, received_at=to_text(item.received_at))
                to_ack.append(item)
            for store_id, items in by_store.items():
                buffer = self.held.setdefault(store_id, {})
                for item in items:
                    _keep(buffer, item)
                position, retired = projection.load_position(conn, store_id)
                result = plan(position, retired, [copies[0].arrival for copies in buffer.values()])
                self._carry_out(conn, store_id, position, result, buffer, to_ack)
                if result.position is not None and result.position != position:
                    touched[store_id] = result.position
                if not buffer:
                    del self.held[store_id]
        return to_ack, touched

    def _carry_out(self, conn, store_id: str, position: Position | None, result: ApplyPlan,
                   buffer: dict[tuple[str, int], list[Incoming]], to_ack: list[Incoming]) -> None:
        for arrival in result.dropped:
            to_ack += buffer.pop(arrival.key)
        current = position
        for step in result.steps:
            copies = buffer.pop(step.arrival.key)
            item = copies[0]
            as_of = to_text(item.received_at)
            if step.verdict is Verdict.ADOPT:
                projection.open_epoch(conn, store_id, current, as_of)
                log.info("store %s opened epoch %s at seq %d", store_id, step.arrival.epoch, step.arrival.seq)
                current = Position(step.arrival.epoch, step.arrival.seq, step.arrival.stored_at)
            else:
                current = Position(current.epoch, step.arrival.seq, current.opened_at)
            projection.save_position(conn, store_id, current)
            self._apply_one(conn, store_id, item, as_of)
            to_ack += copies

    def _apply_one(self, conn, store_id: str, item: Incoming, as_of: str) -> None:
        envelope = item.envelope
        projection.record_applied(conn, store_id, envelope, as_of, item.reason)
        if item.reason is not None:  # a dead letter fills its place in the order, with its reason kept
            projection.record_dead_letter(conn, store_id=store_id, epoch=envelope.epoch, seq=envelope.seq,
                                          type_=envelope.type, reason=item.reason, data=item.msg.data,
                                          received_at=as_of)
            return
        if isinstance(item.payload, StockSnapshot):
            projection.apply_snapshot(conn, store_id, envelope.seq, item.payload, as_of)
        else:
            projection.write_levels(conn, store_id, getattr(item.payload, "stock", []), as_of, envelope.seq)
        if self.on_event is not None:
            self.on_event(conn, store_id, envelope, item.payload, item.received_at)

    def held_arrivals(self, store_id: str) -> list[Arrival]:
        return [copies[0].arrival for copies in self.held.get(store_id, {}).values()]

    async def publish_watermarks(self, positions: dict[str, Position]) -> None:
        if not self._link.online:
            return
        numbers = await asyncio.to_thread(self._store_numbers, list(positions))
        for store_id, position in positions.items():
            mark = AppliedWatermark(epoch=position.epoch, applied_seq=position.applied_seq, numbers=numbers[store_id])
            try:
                await self._link.nc.publish(subjects.applied_ack(store_id), mark.model_dump_json().encode())
            except Exception as e:
                log.debug("watermark for %s not sent: %s", store_id, e)

    async def repeat_watermarks(self, interval_s: float) -> None:
        """Every `ack_interval_s`, each known store's watermark again (a store may have missed the last one)."""
        while True:
            await asyncio.sleep(interval_s)
            await self.publish_watermarks(await asyncio.to_thread(self._known_positions))

    def _store_numbers(self, store_ids: list[str]) -> dict[str, dict[str, int]]:
        with self._db.read() as conn:
            return {store_id: store_receipts.store_numbers(conn, store_id) for store_id in store_ids}

    def _known_positions(self) -> dict[str, Position]:
        with self._db.read() as conn:
            return projection.known_positions(conn)


def _keep(buffer: dict[tuple[str, int], list[Incoming]], item: Incoming) -> None:
    """Add a delivery; a redelivery of the same stream message replaces the earlier delivery."""
    copies = buffer.setdefault(item.arrival.key, [])
    for i, other in enumerate(copies):
        if other.stream_seq is not None and other.stream_seq == item.stream_seq:
            copies[i] = item
            return
    copies.append(item)
