"""A store's backlog drained all the way to applied at central, next to pipelined publishes of the same payloads.

Each round: a new store database whose outbox holds `events` sales (as after an outage), a new central database,
an empty stream. The store's publisher and central's ingest run as they do in the parts (same code, one process);
the round ends when central has applied the store's last event. The limit publishes the same envelopes, 256 in
flight, on the same server (`sync_interval: always`: every acknowledged event is on disk).

A second row shows the publisher's own share, without central: the same backlog from the outbox until every row is
marked sent (JetStream acknowledged it and the store's database says so), against the same limit. The first row
cannot be faster than central's ingest; this one says what the store's side costs.
"""

import asyncio
import sqlite3
import statistics
import time
from pathlib import Path

from nats.errors import TimeoutError as NatsTimeout

from central.bootstrap import CentralService
from central.settings import CentralSettings
from central.store import projection
from central.sync.ingest import BATCH as INGEST_BATCH
from edge.settings import EdgeSettings
from edge.store.outbox import append_event, unpublished
from edge.store.schema import open_database, read_epoch
from edge.sync.context import SyncContext
from edge.sync.publisher import Publisher
from shared.contract import subjects
from shared.contract.events import SaleLine, SaleRecorded, Tender
from shared.contract.models import StockLevel
from shared.runtime.clock import utc_now
from shared.runtime.wakeup import Wakeup
from tests.bench.bench_nats import BenchNats
from tests.bench.central_ingest import fresh_consumer
from tests.bench.harness import Result, rate_result

STORE = "S001"


def backlog(path: Path, events: int):
    db = open_database(path)
    with db.write() as conn:
        for n in range(1, events + 1):
            append_event(conn, "sale.recorded", SaleRecorded(
                receipt_number=f"{STORE}-{n:06d}", currency="EUR", total=1990, change_due=0,
                lines=[SaleLine(sku="SKU-1", qty=1, unit_price=1990, tax_rate_bp=1900, line_total=1990)],
                tenders=[Tender(type="cash", amount=1990)],
                stock=[StockLevel(sku="SKU-1", on_hand=100_000 - n, reserved=0, damaged=0)]), actor="A1")
    return db


async def drain(root: Path, link, events: int, n: int) -> float:
    await link.js.purge_stream(subjects.EVENTS_STREAM)
    db = backlog(root / f"edge-{n}.db", events)
    with db.read() as conn:
        epoch, last = read_epoch(conn), conn.execute("SELECT last_seq FROM sync_state").fetchone()[0]
    central = CentralService(CentralSettings(db_path=root / f"central-{n}.db", admin_token="bench-admin-token-0123"),
                             with_nats=False)
    central.ingest._link = link
    sub = await fresh_consumer(link)
    settings = EdgeSettings(store_id=STORE, nats_url="nats://unused", db_path=root / f"edge-{n}.db")
    ctx = SyncContext(settings=settings, epoch=epoch, db=db, link=link, wakeup=Wakeup(), clock=utc_now)

    async def ingest() -> None:
        while True:
            with central.db.read() as conn:
                position, _ = projection.load_position(conn, STORE)
            if position is not None and position.epoch == epoch and position.applied_seq >= last:
                return
            try:
                msgs = await sub.fetch(INGEST_BATCH, timeout=0.2)
            except (NatsTimeout, TimeoutError):
                continue
            await central.ingest.handle(msgs)

    started = time.perf_counter()
    publisher = asyncio.create_task(Publisher(ctx).run())
    await ingest()
    elapsed = time.perf_counter() - started
    ctx.stopping.set()
    await publisher
    db.close(), central.db.close()
    return last / elapsed


async def publish_only(root: Path, link, events: int, n: int) -> float:
    """The publisher alone: outbox to every row marked sent, nothing reading the stream."""
    await link.js.purge_stream(subjects.EVENTS_STREAM)
    path = root / f"pub-{n}.db"
    db = backlog(path, events)
    with db.read() as conn:
        epoch, last = read_epoch(conn), conn.execute("SELECT last_seq FROM sync_state").fetchone()[0]
    settings = EdgeSettings(store_id=STORE, nats_url="nats://unused", db_path=path)
    ctx = SyncContext(settings=settings, epoch=epoch, db=db, link=link, wakeup=Wakeup(), clock=utc_now)
    watch = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)  # beside the writer: never waits for it

    def all_marked() -> bool:
        return watch.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0] == 0

    started = time.perf_counter()
    publisher = asyncio.create_task(Publisher(ctx).run())
    while not all_marked():
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    ctx.stopping.set()
    await publisher
    watch.close(), db.close()
    return last / elapsed


async def pipelined(root: Path, link, events: int, n: int) -> float:
    db = backlog(root / f"raw-{n}.db", events)
    with db.read() as conn:
        epoch, rows = read_epoch(conn), unpublished(conn, events + 10)
    db.close()
    payloads = [(row.envelope(STORE, epoch).to_bytes(), f"raw-{n}-{row.id}") for row in rows]
    await link.js.purge_stream(subjects.EVENTS_STREAM)
    started = time.perf_counter()
    for window in range(0, len(payloads), 256):
        await asyncio.gather(*(link.js.publish(subjects.events(STORE), data, stream=subjects.EVENTS_STREAM,
                                               headers={"Nats-Msg-Id": msg_id})
                               for data, msg_id in payloads[window:window + 256]))
    return len(payloads) / (time.perf_counter() - started)


async def _rounds(root: Path, events: int, rounds: int) -> tuple[float, float, float]:
    applied, acked, limit = [], [], []
    async with BenchNats(root / "nats") as link:
        for i in range(rounds):
            turn = [(drain, applied), (pipelined, limit), (publish_only, acked)]
            for run, into in (turn if i % 2 == 0 else turn[::-1]):
                into.append(await run(root, link, events, i))
    return tuple(statistics.median(figures) for figures in (applied, acked, limit))


def outbox_drain(root: Path, seconds: float, rounds: int) -> list[Result]:
    events = 100_000 if seconds >= 2 else 3000
    applied, acked, limit = asyncio.run(_rounds(root, events, rounds))
    limit_name = "pipelined publish of the same payloads (256 in flight)"
    return [rate_result(f"outbox drain of {events:,} events to applied at central", applied, limit, limit_name,
                        unit="events/s", at_least=0.5),
            rate_result(f"outbox drain of {events:,} events to sent (the publisher alone)", acked, limit, limit_name,
                        unit="events/s", at_least=0.5)]
