"""A store's backlog drained all the way to applied at central, next to pipelined publishes of the same payloads.

The network is live as in a deployment (`tests.bench.live_network`): nats-server with one NATS user per store and
`sync_interval: always` (every acknowledged event is on disk), central as its own process (`python -m central
serve`). Each round: a new store database whose outbox holds `events` sales (as after an outage), a new central
(its own process on a new database, the store and product registered, its ingest consumer made), an empty stream.
The store's publisher runs here, on the store's own NATS user, and the round runs from its start until central's
applied watermark (`omni.ack.<store>`, published right after the batch holding the events commits) covers the
store's last seq. The limit publishes the same envelopes, 256 in flight, on the same connection to the same server.

A second row shows the publisher's own share, without central: the same backlog from the outbox until every row is
marked sent (JetStream acknowledged it and the store's database says so), against the same limit. The first row
cannot be faster than central's ingest; this one says what the store's side costs.
"""

import asyncio
import sqlite3
import statistics
import time
from pathlib import Path

from nats.js.errors import NotFoundError

from edge.settings import EdgeSettings
from edge.store.outbox import append_event, unpublished
from edge.store.schema import open_database, read_epoch
from edge.sync.context import SyncContext
from edge.sync.publisher import Publisher
from shared.contract import subjects
from shared.contract.events import AppliedWatermark, SaleLine, SaleRecorded, Tender
from shared.contract.models import StockLevel
from shared.runtime.clock import utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.wakeup import Wakeup
from tests.bench.harness import Result, rate_result
from tests.bench.live_network import LiveNetwork, store_ids

[STORE] = store_ids(1)
SKU = "SKU-1"


def backlog(path: Path, events: int):
    db = open_database(path)
    with db.write() as conn:
        for n in range(1, events + 1):
            append_event(conn, "sale.recorded", SaleRecorded(
                receipt_number=f"{STORE}-{n:06d}", currency="EUR", total=1990, change_due=0,
                lines=[SaleLine(sku=SKU, qty=1, unit_price=1990, tax_rate_bp=1900, line_total=1990)],
                tenders=[Tender(type="cash", amount=1990)],
                stock=[StockLevel(sku=SKU, on_hand=100_000 - n, reserved=0, damaged=0)]), actor="A1")
    return db


class Watermarks:
    """Central's applied watermarks for the store as the store hears them: the highest applied seq per epoch."""

    def __init__(self):
        self.applied: dict[str, int] = {}
        self._moved = asyncio.Event()

    async def listen(self, link: NatsLink) -> None:
        await link.nc.subscribe(subjects.applied_ack(STORE), cb=self._on_message)
        await link.nc.flush()  # the server has the subscription before anything is published

    async def _on_message(self, msg) -> None:
        mark = AppliedWatermark.model_validate_json(msg.data)
        self.applied[mark.epoch] = max(self.applied.get(mark.epoch, 0), mark.applied_seq)
        self._moved.set()

    async def covering(self, epoch: str, seq: int) -> None:
        while self.applied.get(epoch, 0) < seq:
            self._moved.clear()
            await self._moved.wait()


class Round:
    """What every round shares: the live network, the store's link, central's link for resetting the stream."""

    def __init__(self, root: Path, net: LiveNetwork, store: NatsLink, central: NatsLink, heard: Watermarks,
                 events: int):
        self.root, self.net, self.store, self.central, self.heard = root, net, store, central, heard
        self.events = events

    async def empty_stream(self) -> None:
        """No events in the stream and no ingest consumer: the next central makes its own, as a new one does."""
        await self.central.js.purge_stream(subjects.EVENTS_STREAM)
        try:
            await self.central.js.delete_consumer(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
        except NotFoundError:
            pass

    async def central_consuming(self, timeout: float = 60) -> None:
        """Central's ingest has made its consumer: from now on it takes what is published."""
        deadline = time.perf_counter() + timeout
        while True:
            try:
                await self.central.js.consumer_info(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
                return
            except NotFoundError:
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"central never consumed:\n{self.net.central.log_tail()}") from None
                await asyncio.sleep(0.05)

    async def backlogged_store(self, name: str) -> tuple[SyncContext, int]:
        """An empty stream and a new store database whose outbox holds the backlog: the store's sync context on
        its own link, and its last seq."""
        await self.empty_stream()
        path = self.root / f"{name}.db"
        db = backlog(path, self.events)
        with db.read() as conn:
            epoch, last = read_epoch(conn), conn.execute("SELECT last_seq FROM sync_state").fetchone()[0]
        settings = EdgeSettings(store_id=STORE, nats_url=self.net.nats_url, db_path=path)
        return SyncContext(settings=settings, epoch=epoch, db=db, link=self.store, wakeup=Wakeup(),
                           clock=utc_now), last


async def drain(r: Round, n: int) -> float:
    """The backlog to applied at central: central as its own process, its watermark covering the last seq."""
    ctx, last = await r.backlogged_store(f"edge-{n}")
    await r.net.start_central(r.root / f"central-{n}.db")
    await r.central_consuming()
    started = time.perf_counter()
    publisher = asyncio.create_task(Publisher(ctx).run())
    try:
        await asyncio.wait_for(r.heard.covering(ctx.epoch, last), 60 + r.events / 100)
    except TimeoutError:
        raise RuntimeError(f"central applied seq {r.heard.applied.get(ctx.epoch, 0)} of {last}:\n"
                           f"{r.net.central.log_tail()}") from None
    elapsed = time.perf_counter() - started
    ctx.stopping.set()
    await publisher
    await r.net.stop_central()
    ctx.db.close()
    return last / elapsed


async def publish_only(r: Round, n: int) -> float:
    """The publisher alone: outbox to every row marked sent, no central reading the stream."""
    ctx, last = await r.backlogged_store(f"pub-{n}")
    # Read beside the writer: never waits for it.
    watch = sqlite3.connect(f"{ctx.settings.db_path.as_uri()}?mode=ro", uri=True)

    def all_marked() -> bool:
        return watch.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0] == 0

    started = time.perf_counter()
    publisher = asyncio.create_task(Publisher(ctx).run())
    while not all_marked():
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    ctx.stopping.set()
    await publisher
    watch.close(), ctx.db.close()
    return last / elapsed


async def pipelined(r: Round, n: int) -> float:
    """The same envelopes published 256 at a time on the store's connection, nothing else done."""
    db = backlog(r.root / f"raw-{n}.db", r.events)
    with db.read() as conn:
        epoch, rows = read_epoch(conn), unpublished(conn, r.events + 10)
    db.close()
    payloads = [(row.envelope(STORE, epoch).to_bytes(), subjects.msg_id(STORE, row.id)) for row in rows]
    await r.empty_stream()
    js = r.store.js
    started = time.perf_counter()
    for window in range(0, len(payloads), 256):
        await asyncio.gather(*(js.publish(subjects.events(STORE), data, stream=subjects.EVENTS_STREAM,
                                          headers={"Nats-Msg-Id": msg_id})
                               for data, msg_id in payloads[window:window + 256]))
    return len(payloads) / (time.perf_counter() - started)


async def _rounds(root: Path, events: int, rounds: int) -> tuple[float, float, float]:
    applied, acked, limit = [], [], []
    async with LiveNetwork(root, [STORE], [SKU], with_central=False) as net:
        store, central = net.store_link(STORE), net.central_link()
        for link in (store, central):
            link.start()
            await link.wait_online(30)
        heard = Watermarks()
        await heard.listen(store)
        r = Round(root, net, store, central, heard, events)
        try:
            for i in range(rounds):
                turn = [(drain, applied), (pipelined, limit), (publish_only, acked)]
                for run, into in (turn if i % 2 == 0 else turn[::-1]):
                    into.append(await run(r, i))
        finally:
            await store.close()
            await central.close()
    return tuple(statistics.median(figures) for figures in (applied, acked, limit))


def outbox_drain(root: Path, seconds: float, rounds: int) -> list[Result]:
    events = 100_000 if seconds >= 2 else 3000
    applied, acked, limit = asyncio.run(_rounds(root, events, rounds))
    limit_name = "pipelined publish of the same payloads (256 in flight)"
    return [rate_result(f"outbox drain of {events:,} events to applied at central", applied, limit, limit_name,
                        unit="events/s", at_least=0.5),
            rate_result(f"outbox drain of {events:,} events to sent (the publisher alone)", acked, limit, limit_name,
                        unit="events/s", at_least=0.5)]
