"""A simulated store: what a store sends central, without the store.

It connects with its own NATS user, opens an epoch with a `stock.snapshot` of its levels, and then publishes
events exactly as the edge's publisher does — `EventEnvelope`s of the contract's payloads, `seq` rising by one
within the epoch, `Nats-Msg-Id = <store>:<event id>`, each awaited until JetStream acknowledges it — plus a
heartbeat on core NATS announcing its last seq. Central's applied watermark (`omni.ack.<store>`) tells it when each
event was applied: the time from publishing an event to the watermark covering it is the event's ingest lag.

Cheap enough to run a thousand in one asyncio process: one connection and two small tasks a store.
"""

import asyncio
import random
import time
from dataclasses import dataclass, field

import nats

from shared.contract import subjects
from shared.contract.events import (
    AppliedWatermark,
    EventEnvelope,
    Heartbeat,
    SaleLine,
    SaleRecorded,
    StockReceived,
    StockSnapshot,
    Tender,
)
from shared.contract.models import StockLevel
from shared.runtime.clock import utc_now
from shared.runtime.ids import uuid7

OPENING_ON_HAND = 1_000_000
HEARTBEAT_INTERVAL_S = 5.0  # the edge's default


@dataclass
class Lags:
    """Ingest lags of applied events, in ms, and how many were applied."""

    ms: list[float] = field(default_factory=list)
    applied: int = 0
    published: int = 0
    publish_failures: int = 0
    heartbeats: int = 0


class SimulatedStore:
    def __init__(self, store_id: str, password: str, nats_url: str, catalog: list[str], lags: Lags,
                 rng: random.Random):
        self.store_id, self._password, self._url = store_id, password, nats_url
        self.skus = rng.sample(catalog, min(len(catalog), 40))  # what this store stocks
        self.levels = {sku: OPENING_ON_HAND for sku in self.skus}
        self.epoch, self.seq, self.receipts = uuid7(), 0, 0
        self._lags, self._rng = lags, rng
        self._published_at: dict[int, float] = {}  # seq → when its publish started, until a watermark covers it
        self._applied = 0
        self.nc = None
        self.js = None

    async def connect(self) -> None:
        self.nc = await nats.connect(self._url, user=self.store_id, password=self._password, name=self.store_id,
                                     inbox_prefix=subjects.store_inbox_prefix(self.store_id).encode(),
                                     max_reconnect_attempts=-1)
        self.js = self.nc.jetstream()
        await self.nc.subscribe(subjects.applied_ack(self.store_id), cb=self._on_watermark)

    async def close(self) -> None:
        if self.nc is not None:
            await self.nc.close()

    async def open_epoch(self) -> None:
        levels = [StockLevel(sku=sku, on_hand=qty, reserved=0, damaged=0) for sku, qty in self.levels.items()]
        await self.publish("stock.snapshot", StockSnapshot(chunk=1, chunks=1, levels=levels))

    async def sell(self) -> None:
        lines = self._rng.sample(self.skus, self._rng.choice((1, 1, 1, 2, 2, 3)))
        for sku in lines:
            self.levels[sku] -= 1
        self.receipts += 1
        total = 1990 * len(lines)
        await self.publish("sale.recorded", SaleRecorded(
            receipt_number=f"{self.store_id}-{self.receipts:06d}", currency="EUR", total=total, change_due=0,
            lines=[SaleLine(sku=sku, qty=1, unit_price=1990, tax_rate_bp=1900, line_total=1990) for sku in lines],
            tenders=[Tender(type=self._rng.choice(("cash", "card")), amount=total)],
            stock=[StockLevel(sku=sku, on_hand=self.levels[sku], reserved=0, damaged=0) for sku in lines]))

    async def receive(self) -> None:
        sku = self._rng.choice(self.skus)
        self.levels[sku] += 12
        await self.publish("stock.received", StockReceived(
            sku=sku, qty=12, reference=f"PO-{self.store_id}-{self.seq + 1}",
            stock=[StockLevel(sku=sku, on_hand=self.levels[sku], reserved=0, damaged=0)]))

    async def publish(self, type_: str, payload) -> None:
        """One event as the edge's publisher sends it: the envelope, the edge's Msg-Id, awaited until stored."""
        self.seq += 1
        event = EventEnvelope(id=uuid7(), type=type_, store_id=self.store_id, epoch=self.epoch, seq=self.seq,
                              occurred_at=utc_now(), actor="A1", payload=payload.model_dump(mode="json"))
        self._published_at[self.seq] = time.perf_counter()
        for attempt in range(5):  # a timeout is retried with the same id, as the edge does
            try:
                await self.js.publish(subjects.events(self.store_id), event.to_bytes(),
                                      stream=subjects.EVENTS_STREAM, timeout=10,
                                      headers={"Nats-Msg-Id": subjects.msg_id(self.store_id, event.id)})
                self._lags.published += 1
                return
            except Exception:
                self._lags.publish_failures += 1
                await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"{self.store_id}: event {self.seq} could not be published")

    async def heartbeat(self) -> None:
        beat = Heartbeat(store_id=self.store_id, epoch=self.epoch, last_seq=self.seq, backlog=0, clock=utc_now(),
                         version="sim")
        await self.nc.publish(subjects.heartbeat(self.store_id), beat.model_dump_json().encode())
        self._lags.heartbeats += 1

    async def heartbeats(self, stop: asyncio.Event) -> None:
        pause = self._rng.uniform(0, HEARTBEAT_INTERVAL_S)  # stores do not beat in step
        while not await _stopped_within(stop, pause):
            await self.heartbeat()
            pause = HEARTBEAT_INTERVAL_S

    async def _on_watermark(self, msg) -> None:
        received = time.perf_counter()
        mark = AppliedWatermark.model_validate_json(msg.data)
        if mark.epoch != self.epoch:
            return
        for seq in range(self._applied + 1, mark.applied_seq + 1):
            started = self._published_at.pop(seq, None)
            if started is not None:
                self._lags.ms.append((received - started) * 1000)
                self._lags.applied += 1
        self._applied = max(self._applied, mark.applied_seq)

    @property
    def applied_seq(self) -> int:
        return self._applied


async def _stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass
    return stop.is_set()
