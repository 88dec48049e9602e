"""The ingest projection (DESIGN §4): the durable pull consumer `central-ingest` on EVENTS.

Each fetched batch is decoded, ordered per store by `domain.sequencing.plan` together with what the store has
parked, and applied in ONE transaction that also moves each store's watermark; only then is every message acked
and the watermarks published on `omni.ack.<store>`. Events above a gap (or of an epoch not opened yet) are parked
in central's database, per store and bounded per store, never held unacknowledged on the shared consumer: one
store's gap or flood cannot delay another store. Two different events at one (epoch, seq) are a conflict: the
first is applied, the other kept in `event_conflicts`, and the store is asked for a snapshot (resync). An older
epoch's events that come after the store's newer epoch opened (a failed batch redelivered) are applied late: their
receipts and orders as usual, the levels left to the current epoch.

A batch is applied in a worker thread, so a long one (a snapshot of thousands of levels, orders re-routed)
never stalls the event loop that answers the API, heartbeats and requests.
"""

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError
from pydantic import BaseModel, ValidationError

from central.domain.sequencing import Arrival, Position, Verdict, plan
from central.store import deferred, parking, projection
from central.store import receipts as store_receipts
from shared.contract import subjects
from shared.contract.events import (
    AppliedWatermark,
    EventEnvelope,
    NotUnderstood,
    SaleRecorded,
    StockSnapshot,
    Undeliverable,
    parse_event,
)
from shared.runtime import jetstream_pull
from shared.runtime.clock import from_text, to_text, utc_now
from shared.runtime.jetstream_pull import JetStreamPull
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)

BATCH = 256
FETCH_WAIT_S = 1  # how long a pull request waits for the first event when there is none
ACK_WAIT_S = 30
MAX_ACK_PENDING = 2000  # nothing waits unacked for a gap any more: this only bounds a batch's redeliveries
# Past this, a flood of conflicting events sent with one store's identity is logged, not stored: the store is
# flagged long before.
CONFLICTS_KEPT_PER_STORE = 10_000
# Which event filled each place is kept for this many places below the watermark: far more than a store's outbox
# keeps after central has applied it (a second publisher shows up near the head), far less than every event ever.
APPLIED_IDS_KEPT = 20_000


class PendingWrites(Protocol):
    """What the event hook keeps of a run of sales, to write it for the whole run at once."""

    def write(self, conn: sqlite3.Connection) -> None: ...

    def drop(self) -> None: ...


def ingest_consumer_config() -> ConsumerConfig:
    return ConsumerConfig(durable_name=subjects.CENTRAL_INGEST, deliver_policy=DeliverPolicy.ALL,
                          ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT_S, max_ack_pending=MAX_ACK_PENDING,
                          filter_subject=subjects.EVENTS_ALL)


@dataclass
class Incoming:
    """One event, decoded as far as it can be: delivered now (`msg`), or read back from the parked events."""

    msg: Msg | None
    store_id: str | None
    envelope: EventEnvelope | None
    payload: BaseModel | None
    reason: str | None          # why it cannot be applied (dead letter), or None
    received_at: datetime
    data: bytes = b""
    stored_at: datetime | None = None  # the broker's timestamp
    stream_seq: int | None = None
    # Known store, epoch and seq: it takes its place in the order even when it is a dead letter.
    sequenced: bool = True
    # Of a type or schema only a newer release reads: it takes its place and waits in `deferred_events`.
    deferred: bool = False

    _arrival: Arrival | None = field(default=None, repr=False, compare=False)

    @property
    def arrival(self) -> Arrival:
        """Read several times while a batch is planned; made once (it depends on nothing that changes by then). Not
        a `cached_property`: that takes a lock on every read before Python 3.12."""
        arrival = self._arrival
        if arrival is None:
            opens = isinstance(self.payload, StockSnapshot) and self.reason is None and self.payload.chunk == 1
            arrival = self._arrival = Arrival(self.envelope.epoch, self.envelope.seq, opens, self.stored_at)
        return arrival

    def parked(self) -> parking.ParkedEvent:
        # A deferred event's reason is not kept: read back after an upgrade, it may be understood.
        return parking.ParkedEvent(self.arrival, self.envelope.id, None if self.deferred else self.reason, self.data,
                                   self.received_at, self.stream_seq)


def decode(msg: Msg, received_at: datetime) -> Incoming:
    stored = jetstream_pull.delivery(msg.reply)
    item = decode_event(msg.subject, msg.data, (msg.headers or {}).get("Nats-Msg-Id"), received_at,
                        stored[1] if stored else None, stored[0] if stored else None)
    item.msg = msg
    return item


def decode_event(subject: str, data: bytes, msg_id: str | None, received_at: datetime,
                 stored_at: datetime | None = None, stream_seq: int | None = None) -> Incoming:
    try:
        store_id = subjects.store_of(subject)
    except ValueError:
        store_id = None
    found = {"data": data, "stored_at": stored_at, "stream_seq": stream_seq}
    try:
        envelope, payload = parse_event(data)
    except Undeliverable as e:
        try:
            envelope = EventEnvelope.model_validate_json(data)
        except ValidationError:
            envelope = None
        return Incoming(None, store_id, envelope, None, e.reason, received_at,
                        sequenced=envelope is not None and envelope.store_id == store_id,
                        deferred=isinstance(e, NotUnderstood), **found)
    if envelope.store_id != store_id:
        return Incoming(None, store_id, envelope, payload,
                        f"envelope store_id {envelope.store_id!r} does not match subject {subject}",
                        received_at, sequenced=False, **found)
    if not subjects.is_msg_id_of(msg_id, store_id, envelope.id):
        return Incoming(None, store_id, envelope, payload,
                        f"Nats-Msg-Id header {msg_id!r} is not one of event {envelope.id}", received_at, **found)
    return Incoming(None, store_id, envelope, payload, None, received_at, **found)


def from_parked(store_id: str, event: parking.ParkedEvent) -> Incoming:
    """A parked event as it was when it arrived (its dead-letter reason, if any, kept); one this release does not
    read yet is deferred again."""
    item = decode_event(subjects.events(store_id), event.data, None, event.received_at, event.arrival.stored_at,
                        event.stream_seq)
    if not item.deferred:
        item.reason = event.reason
    return item


class Ingest:
    """Consumes EVENTS. Every delivered message is acked once its batch commits: applied, found to be a duplicate,
    dead-lettered, or parked (above a gap, or of an epoch not opened yet) in `parked_events`, at most
    `park_limit` per store."""

    def __init__(self, db: Database, link: NatsLink,
                 on_event: Callable[[sqlite3.Connection, str, EventEnvelope, BaseModel, datetime], None] | None = None,
                 park_limit: int = 5000, on_applied: Callable[[dict[str, int]], None] | None = None,
                 pending_writes: PendingWrites | None = None):
        self._db, self._link = db, link
        self.on_event = on_event  # orders follow the fulfilment events, in the same transaction
        # A sale's rows (its levels here, what the hook keeps in `pending_writes`) wait for the end of its store's
        # run of events; nothing a sale's handling does reads them, and any other event has them written first.
        self.pending_writes = pending_writes
        self._levels = projection.PendingLevels()
        self.on_applied = on_applied  # after each batch commits: events that took their place, per store (metrics)
        self.park_limit = park_limit
        self._pull: JetStreamPull | None = None
        self.applied_batches = 0
        self.handled = 0  # messages taken off the stream: applied, duplicates, dead letters or parked
        self.conflicts = 0

    async def subscribe(self) -> None:
        """The durable consumer, made if missing (a first start, or deleted), and our pull requests to it."""
        try:
            await self._link.js.consumer_info(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
        except NotFoundError:
            await self._link.js.add_consumer(subjects.EVENTS_STREAM, config=ingest_consumer_config())
        if self._pull is not None:  # bound before (a set-up tried again): one subscription, not two
            await self._pull.stop()
            self._pull = None
        pull = JetStreamPull(self._link.nc, subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
        await pull.start()
        self._pull = pull

    async def run(self) -> None:
        """Fetch the next batch while the last one applies in its worker thread: the broker's round trip and the
        decoding of the messages overlap the SQLite work and its fsync. Batches still apply and commit one after the
        other, in the order they were fetched."""
        applying: asyncio.Task | None = None
        try:
            while True:
                msgs = await self._fetch()
                if applying is not None:
                    await applying
                    applying = None
                if msgs:
                    applying = asyncio.create_task(self._handle_or_pause(msgs))
        finally:
            if applying is not None:
                applying.cancel()

    async def _fetch(self) -> list[Msg]:
        try:
            if self._pull is None:
                await self.subscribe()
            return await self._pull.fetch(BATCH, FETCH_WAIT_S)
        except asyncio.CancelledError:
            raise
        except Exception as e:  # link down or consumer gone: bind or create it again shortly
            log.warning("ingest fetch failed: %s", e or type(e).__name__)
            if self._pull is not None:
                await self._pull.stop()
                self._pull = None
            await asyncio.sleep(0.5)
            return []

    async def _handle_or_pause(self, msgs: list[Msg]) -> None:
        try:
            await self.handle(msgs)
        except Exception:  # nothing committed, nothing acked: the batch comes back after ack_wait
            log.exception("ingest batch failed")
            await asyncio.sleep(0.5)

    async def handle(self, msgs: list[Msg]) -> None:
        to_ack, touched, facts = await asyncio.to_thread(self._apply_and_read, msgs, utc_now())
        try:
            await jetstream_pull.ack(self._link.nc, [item.msg for item in to_ack])
        except Exception as e:
            log.warning("acks failed (the events will come back and be skipped): %s", e)
        self.applied_batches += 1
        self.handled += len(msgs)
        await self._publish_watermarks(touched, facts)

    def _apply_and_read(self, msgs: list[Msg], now: datetime):
        """The batch applied, then, in the same worker thread once it has committed, what the watermarks of the
        stores it moved tell them (one trip to a thread per batch, not two: the next batch waits for this one)."""
        to_ack, touched = self.apply_batch(msgs, now)
        return to_ack, touched, self._store_facts(list(touched)) if touched and self._link.online else {}

    def apply_batch(self, msgs: list[Msg], now: datetime) -> tuple[list[Incoming], dict[str, Position]]:
        """Decode and apply one fetched batch in one transaction: (what to ack: all of it, the stores' new
        positions). Nothing committed (an exception): nothing acked, the batch comes back after ack_wait."""
        incoming = [decode(m, now) for m in msgs]
        touched: dict[str, Position] = {}
        by_store: dict[str, list[Incoming]] = {}
        placed: dict[str, int] = {}
        with self._db.write() as conn:
            self._drop_pending()  # nothing left over from a batch that failed
            for item in incoming:
                if item.sequenced:
                    by_store.setdefault(item.store_id, []).append(item)
                    continue
                projection.record_dead_letter(
                    conn, store_id=item.store_id, epoch=item.envelope.epoch if item.envelope else None,
                    seq=item.envelope.seq if item.envelope else None,
                    type_=item.envelope.type if item.envelope else None, reason=item.reason or "unreadable",
                    data=item.data, received_at=to_text(item.received_at))
            as_of_text = AsOf()
            for store_id, items in by_store.items():
                position = self._apply_store(conn, store_id, items, as_of_text, placed)
                if position is not None:
                    touched[store_id] = position
        if self.on_applied is not None:
            self.on_applied(placed)
        return incoming, touched

    def _apply_store(self, conn, store_id: str, items: list[Incoming], as_of_text: "AsOf",
                     placed: dict[str, int] | None = None) -> Position | None:
        """One store's part of a batch, with what it has parked; its new position when that moved. `placed` gets
        how many of its events took their place.

        Per event only the event's own rows are written (its levels, what the hook records, a savepoint around
        them); the store's position, which event filled each place and what left the parking are written once for
        the store's run of events (`_Filled`)."""
        position, retired = projection.load_position(conn, store_id)
        copies: dict[tuple[str, int], list[Incoming | parking.ParkedRef]] = {}
        # Parked copies first (they arrived before this batch), read in full only when one applies or conflicts.
        for ref in parking.parked_refs(conn, store_id):
            copies.setdefault(ref.arrival.key, []).append(ref)
        for item in items:
            copies.setdefault(item.arrival.key, []).append(item)
        arrivals = [found[0].arrival for found in copies.values()]
        older = {a.epoch for a in arrivals if position is None or a.epoch != position.epoch}
        result = plan(position, retired, arrivals, parking.applied_up_to(conn, store_id, older) if older else None)
        if placed is not None:
            placed[store_id] = len(result.steps) + len(result.late)
        for arrival in result.dropped:
            for item in copies[arrival.key]:
                self._check_settled(conn, store_id, item)
            if _any_parked(copies[arrival.key]):
                parking.unpark(conn, store_id, *arrival.key)
        current, met = self._apply_steps(conn, store_id, position, [(step, copies[step.arrival.key])
                                                                   for step in result.steps + result.late], as_of_text)
        for epoch in sorted(result.retired - retired):  # older epochs met only now (a new epoch's are retired already)
            projection.retire_epoch(conn, store_id, epoch, as_of_text(items[0].received_at))
        for other, chosen_id in met:  # another copy at a place just filled: the same event again, or a conflict
            if _event_id(other) != chosen_id:
                self._conflict(conn, store_id, self._read(conn, store_id, other), chosen_id)
        if current is not None and current != position:
            parking.forget_applied(conn, store_id, current, APPLIED_IDS_KEPT)
        waiting = []
        for arrival in result.held:  # one copy waits per place: the first; another event there is a conflict now
            first, *others = copies[arrival.key]
            for other in others:
                if isinstance(other, Incoming) and other.envelope.id != _event_id(first):
                    self._conflict(conn, store_id, other, _event_id(first))
            if isinstance(first, Incoming):
                waiting.append(first)
        self._park(conn, store_id, current, waiting)
        return current if current is not None and current != position else None

    def _check_settled(self, conn, store_id: str, copy: "Incoming | parking.ParkedRef") -> None:
        """An event whose place is filled already: a copy of the event there, or a conflict (another event)."""
        applied_id = parking.applied_event_id(conn, store_id, *copy.arrival.key)
        if applied_id is None or applied_id == _event_id(copy):
            return  # the same event again, or of an epoch superseded before it was applied
        self._conflict(conn, store_id, self._read(conn, store_id, copy), applied_id)

    @staticmethod
    def _read(conn, store_id: str, copy: "Incoming | parking.ParkedRef") -> Incoming:
        if isinstance(copy, Incoming):
            return copy
        return from_parked(store_id, parking.read_parked(conn, store_id, copy))

    def _conflict(self, conn, store_id: str, item: Incoming, met_id: str) -> None:
        """Keep an event that met another one at its place (applied, or waiting there first)."""
        epoch, seq = item.arrival.key
        if parking.count_conflicts(conn, store_id) >= CONFLICTS_KEPT_PER_STORE:
            log.error("store %s: conflict at epoch %s seq %d not kept: %d conflicts on record already", store_id,
                      epoch, seq, CONFLICTS_KEPT_PER_STORE)
            return
        if parking.record_conflict(conn, store_id, epoch, seq, item.envelope.id, met_id, item.envelope.type,
                                   item.data, item.received_at):
            self.conflicts += 1
            log.error("store %s: CONFLICT at epoch %s seq %d: event %s arrived where %s was (a second publisher "
                      "with this store's identity: a cloned PC, a restored image, stolen credentials?); both kept, a "
                      "snapshot will be asked", store_id, epoch, seq, item.envelope.id, met_id)

    def _park(self, conn, store_id: str, position: Position | None, items: list[Incoming]) -> None:
        """Park what waits above a gap, keeping at most `park_limit` per store: past it, the events needed last
        are dropped (the store still has them and is asked again once the gap before them fills)."""
        if not items:
            return
        count, dropped = parking.count_parked(conn, store_id), 0
        current_epoch = position.epoch if position else None
        ordered = sorted(items, key=lambda i: _rank(i.arrival, current_epoch))
        for i, item in enumerate(ordered):
            if count >= self.park_limit:
                worst = parking.last_parked(conn, store_id, current_epoch)
                if worst is None or _rank(item.arrival, current_epoch) >= (worst[0] != current_epoch, worst[1]):
                    dropped += len(ordered) - i  # these and the rest, needed later still
                    break
                parking.unpark(conn, store_id, worst[0], worst[1], worst[2])
                count -= 1
                dropped += 1
            if parking.park(conn, store_id, item.parked()):
                count += 1
        if dropped:
            parking.count_dropped(conn, store_id, dropped)
            log.warning("store %s: %d event(s) past the %d parked allowed were dropped; they will be asked again",
                        store_id, dropped, self.park_limit)

    def _apply_steps(self, conn, store_id: str, position: Position | None, steps: list, as_of_text: "AsOf"):
        """Apply one store's run of events in order: (the position reached, the other copies met at the places
        filled, with the id of the event that filled each).

        An event that raises becomes a dead letter in its place: failing the batch instead would bring it back
        after ack_wait for ever and stop the consumer every store shares. The run is tried whole under one savepoint
        first; only when an event raises is it rolled back and run again with a savepoint around each event, so a
        good event costs no statement of its own for that. A database that cannot be written (I/O, locked) still
        fails the batch: that passes, and the events are good."""
        conn.execute("SAVEPOINT store_events")
        try:
            reached = self._run_steps(conn, store_id, position, steps, as_of_text, guarded=False)
            self._write_pending(conn)
        except sqlite3.OperationalError:
            self._drop_pending()
            conn.execute("ROLLBACK TO store_events")
            conn.execute("RELEASE store_events")
            raise
        except Exception:
            self._drop_pending()
            conn.execute("ROLLBACK TO store_events")
            reached = self._run_steps(conn, store_id, position, steps, as_of_text, guarded=True)
        conn.execute("RELEASE store_events")
        return reached

    def _run_steps(self, conn, store_id: str, position: Position | None, steps: list, as_of_text: "AsOf", *,
                   guarded: bool):
        current, met = position, []
        filled = _Filled(store_id)
        for step, found in steps:
            chosen = self._read(conn, store_id, found[0])
            as_of = as_of_text(chosen.received_at)
            late = step.verdict is Verdict.LATE  # an older epoch's: it happened, but the current epoch owns the levels
            if step.verdict is Verdict.ADOPT:
                filled.write(conn, current)  # what the old epoch filled, before the new one resets the store's row
                self._write_pending(conn)  # its levels too, before the new epoch clears them
                projection.open_epoch(conn, store_id, current, as_of)
                log.info("store %s opened epoch %s at seq %d", store_id, step.arrival.epoch, step.arrival.seq)
                current = Position(step.arrival.epoch, step.arrival.seq, step.arrival.stored_at)
                projection.save_position(conn, store_id, current)  # a snapshot's chunk 1 marks the row it makes
            elif not late:
                current = Position(current.epoch, step.arrival.seq, current.opened_at)
            if guarded:
                self._apply_guarded(conn, store_id, chosen, as_of, levels=not late)
            else:
                self._apply_one(conn, store_id, chosen, as_of, levels=not late)
            filled.add(step.arrival, chosen, as_of, unpark=_any_parked(found), readable=not late)
            met.extend((other, chosen.envelope.id) for other in found[1:])
        filled.write(conn, current)
        return current, met

    def _apply_guarded(self, conn, store_id: str, item: Incoming, as_of: str, *, levels: bool = True) -> None:
        """Apply one event under its own savepoint; one that raises becomes a dead letter in its place."""
        conn.execute("SAVEPOINT apply_event")
        try:
            self._apply_one(conn, store_id, item, as_of, levels=levels)
            self._write_pending(conn)
        except sqlite3.OperationalError:
            self._drop_pending()
            conn.execute("ROLLBACK TO apply_event")
            conn.execute("RELEASE apply_event")
            raise
        except Exception as e:
            self._drop_pending()
            conn.execute("ROLLBACK TO apply_event")
            conn.execute("RELEASE apply_event")
            log.exception("store %s: event %s at seq %d could not be applied; dead-lettered in its place", store_id,
                          item.envelope.id, item.envelope.seq)
            item.reason = f"could not be applied: {type(e).__name__}: {e}"
            self._apply_one(conn, store_id, item, as_of)
            return
        conn.execute("RELEASE apply_event")

    def _apply_one(self, conn, store_id: str, item: Incoming, as_of: str, *, levels: bool = True) -> None:
        """`levels`: the event moves the store's levels (False: of an older epoch, applied late)."""
        envelope = item.envelope
        if item.deferred:  # fills its place; applied when a central that reads it starts
            log.warning("store %s: event %s at seq %d waits for an upgrade of central: %s", store_id, envelope.id,
                        envelope.seq, item.reason)
            deferred.keep(conn, store_id, envelope.epoch, envelope.seq, envelope.id, envelope.type,
                          envelope.schema_version, item.reason, item.data, as_of)
            return
        if item.reason is not None:  # a dead letter fills its place in the order, with its reason kept
            projection.record_dead_letter(conn, store_id=store_id, epoch=envelope.epoch, seq=envelope.seq,
                                          type_=envelope.type, reason=item.reason, data=item.data,
                                          received_at=as_of)
            return
        if isinstance(item.payload, SaleRecorded):
            if levels:
                self._levels.add(store_id, item.payload.stock, as_of, envelope.seq)
        else:
            self._write_pending(conn)  # what this event's handling may read
            if levels and isinstance(item.payload, StockSnapshot):
                projection.apply_snapshot(conn, store_id, envelope.seq, item.payload, as_of)
            elif levels:
                projection.write_levels(conn, store_id, getattr(item.payload, "stock", []), as_of, envelope.seq)
        if self.on_event is not None:
            self.on_event(conn, store_id, envelope, item.payload, item.received_at)

    def apply_deferred(self) -> int:
        """On start: the events that waited for an upgrade and that this release reads are applied, once each
        (their places in their stores' order were taken when they came); the others keep waiting."""
        applied = 0
        with self._db.write() as conn:
            for event in deferred.waiting(conn):
                try:
                    envelope, payload = parse_event(event.data)
                except NotUnderstood:
                    continue
                except Undeliverable as e:
                    projection.record_dead_letter(conn, store_id=event.store_id, epoch=event.epoch, seq=event.seq,
                                                  type_=event.type, reason=e.reason, data=event.data,
                                                  received_at=event.received_at)
                else:
                    self._apply_late(conn, event, envelope, payload)
                    applied += 1
                deferred.done(conn, event)
        if applied:
            log.info("%d event(s) that waited for this release applied", applied)
        return applied

    def _apply_late(self, conn, event: deferred.DeferredEvent, envelope: EventEnvelope, payload: BaseModel) -> None:
        """Later events of the store were applied meanwhile: levels move only where they are older than this event
        (and only within the store's current epoch); orders follow it as they would have then."""
        conn.execute("SAVEPOINT apply_late")
        try:
            position, _ = projection.load_position(conn, event.store_id)
            if position is not None and position.epoch == event.epoch:
                levels = payload.levels if isinstance(payload, StockSnapshot) else getattr(payload, "stock", [])
                projection.write_levels_late(conn, event.store_id, levels, event.received_at, event.seq)
            if self.on_event is not None:
                self.on_event(conn, event.store_id, envelope, payload, from_text(event.received_at))
                self._write_pending(conn)
            parking.applied_late(conn, event.store_id, event.epoch, event.seq, event.event_id)
        except sqlite3.OperationalError:
            self._drop_pending()
            conn.execute("ROLLBACK TO apply_late")
            conn.execute("RELEASE apply_late")
            raise
        except Exception as e:
            self._drop_pending()
            conn.execute("ROLLBACK TO apply_late")
            log.exception("store %s: event %s that waited for an upgrade could not be applied", event.store_id,
                          event.event_id)
            projection.record_dead_letter(conn, store_id=event.store_id, epoch=event.epoch, seq=event.seq,
                                          type_=event.type, reason=f"could not be applied: {type(e).__name__}: {e}",
                                          data=event.data, received_at=event.received_at)
        conn.execute("RELEASE apply_late")

    def _write_pending(self, conn) -> None:
        self._levels.write(conn)
        if self.pending_writes is not None:
            self.pending_writes.write(conn)

    def _drop_pending(self) -> None:
        self._levels.drop()
        if self.pending_writes is not None:
            self.pending_writes.drop()

    def held_arrivals(self, store_id: str) -> list[Arrival]:
        """What the store has parked (tests and the resync check read it)."""
        with self._db.read() as conn:
            return parking.parked_arrivals(conn, store_id)

    async def publish_watermarks(self, positions: dict[str, Position]) -> None:
        if self._link.online:
            await self._publish_watermarks(positions, await asyncio.to_thread(self._store_facts, list(positions)))

    async def _publish_watermarks(self, positions: dict[str, Position],
                                  facts: dict[str, tuple[dict[str, int], int]]) -> None:
        if not self._link.online:
            return
        for store_id, position in positions.items():
            if store_id not in facts:  # the link was down when the batch applied: the repeat sends it
                continue
            store_numbers, readable_seq = facts[store_id]
            mark = AppliedWatermark(epoch=position.epoch, applied_seq=position.applied_seq, numbers=store_numbers,
                                    readable_seq=readable_seq)
            try:
                await self._link.nc.publish(subjects.applied_ack(store_id), mark.model_dump_json().encode())
            except Exception as e:
                log.debug("watermark for %s not sent: %s", store_id, e)

    async def repeat_watermarks(self, interval_s: float) -> None:
        """Every `ack_interval_s`, each known store's watermark again (a store may have missed the last one)."""
        while True:
            await asyncio.sleep(interval_s)
            await self.publish_watermarks(await asyncio.to_thread(self._known_positions))

    def _store_facts(self, store_ids: list[str]) -> dict[str, tuple[dict[str, int], int]]:
        with self._db.read() as conn:
            return {store_id: (store_receipts.store_numbers(conn, store_id), parking.readable_seq(conn, store_id))
                    for store_id in store_ids}

    def _known_positions(self) -> dict[str, Position]:
        with self._db.read() as conn:
            return projection.known_positions(conn)



class AsOf:
    """`to_text` of the arrival times of one batch: every event delivered in it shares one."""

    def __init__(self):
        self._texts: dict[datetime, str] = {}

    def __call__(self, moment: datetime) -> str:
        text = self._texts.get(moment)
        if text is None:
            text = self._texts[moment] = to_text(moment)
        return text


class _Filled:
    """The places one store's events filled in a batch, written together: which event filled each (one
    `executemany`), the last readable one, the position reached, and the parked copies that left the parking."""

    def __init__(self, store_id: str):
        self.store_id = store_id
        self.applied: list[parking.AppliedPlace] = []
        self.unparked: list[tuple[str, int]] = []
        self.readable_seq: int | None = None

    def add(self, arrival: Arrival, chosen: Incoming, as_of: str, *, unpark: bool, readable: bool = True) -> None:
        """`readable`: a place of the current epoch, whose readable events the store's numbers follow."""
        self.applied.append(parking.AppliedPlace(arrival.epoch, arrival.seq, chosen.envelope.id, chosen.envelope.type,
                                                 chosen.reason, as_of))
        if readable and chosen.reason is None:
            self.readable_seq = arrival.seq
        if unpark:
            self.unparked.append(arrival.key)

    def write(self, conn, position: Position | None) -> None:
        if position is None or not (self.applied or self.unparked):
            return
        projection.save_position(conn, self.store_id, position)
        parking.record_applied_places(conn, self.store_id, self.applied, self.readable_seq)
        parking.unpark_places(conn, self.store_id, self.unparked)
        self.applied, self.unparked, self.readable_seq = [], [], None


def _any_parked(copies: list[Incoming | parking.ParkedRef]) -> bool:
    return any(isinstance(copy, parking.ParkedRef) for copy in copies)


def _event_id(copy: Incoming | parking.ParkedRef) -> str:
    return copy.event_id if isinstance(copy, parking.ParkedRef) else copy.envelope.id


def _rank(arrival: Arrival, current_epoch: str | None) -> tuple[bool, int]:
    """Which parked events are needed first: the current epoch's, lowest seq first."""
    return arrival.epoch != current_epoch, arrival.seq
