"""How fast the store's write path and its sync path run, next to this machine's own limits.

    uv run python -m tests.bench.sync_throughput [--events 2000]

Prints one table. Each row compares omnistore's figure with the raw limit measured in the same run
(raw durable SQLite commits; raw JetStream publishes, one at a time and pipelined), so the figures
mean something on any machine. Not a test: nothing here asserts a time.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from edge.services.stock import StockService
from edge.settings import EdgeSettings
from edge.store.outbox import counters
from edge.store.products import upsert_product
from edge.store.schema import open_database, read_epoch
from edge.sync.context import SyncContext
from edge.sync.publisher import Publisher
from shared.contract import subjects
from shared.contract.events import CatalogProduct
from shared.runtime.clock import utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import connect
from shared.runtime.wakeup import Wakeup
from tests.conftest import RunningNats

STORE = "S009"


def raw_sqlite_commits(path: Path, n: int) -> float:
    """The floor under any durable write: an update and two inserts per WAL + FULL transaction."""
    conn = connect(path)
    conn.executescript("CREATE TABLE s (sku TEXT PRIMARY KEY, q INT); CREATE TABLE l (x TEXT); CREATE TABLE o (x TEXT);"
                       "INSERT INTO s VALUES ('A', 0);")
    started = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE s SET q = q + 1 WHERE sku = 'A'")
        conn.execute("INSERT INTO l VALUES (?)", (f"ledger {i}",))
        conn.execute("INSERT INTO o VALUES (?)", (f"outbox {i}" * 8,))
        conn.execute("COMMIT")
    return n / (time.perf_counter() - started)


def edge_receives(root: Path, n: int):
    """Receives through the store's unit of work: rule, levels, ledger, outbox event, idempotency record."""
    db = open_database(root / f"edge-{STORE}.db")
    with db.write() as conn:
        upsert_product(conn, CatalogProduct(sku="BENCH-1", name="Bench product", price=100, currency="EUR"))
    service = StockService(db)
    started = time.perf_counter()
    for i in range(n):
        service.receive(sku="BENCH-1", qty=1, reference=f"DEL-{i}", actor="bench", idempotency_key=f"k{i}")
    return db, n / (time.perf_counter() - started)


async def raw_publishes(nats: RunningNats, n: int) -> tuple[float, float]:
    link = NatsLink([nats.url], user=STORE, password=nats.password(STORE),
                    inbox_prefix=subjects.store_inbox_prefix(STORE), name="bench-raw")
    link.start()
    await link.wait_online(10)
    payload = b"x" * 600
    started = time.perf_counter()
    for i in range(n):
        await link.js.publish(subjects.events(STORE), payload, stream=subjects.EVENTS_STREAM,
                              headers={"Nats-Msg-Id": f"raw-seq-{i}"})
    sequential = n / (time.perf_counter() - started)
    started = time.perf_counter()
    for window in range(0, n, 256):
        await asyncio.gather(*(link.js.publish(subjects.events(STORE), payload, stream=subjects.EVENTS_STREAM,
                                               headers={"Nats-Msg-Id": f"raw-par-{i}"})
                               for i in range(window, min(n, window + 256))))
    pipelined = n / (time.perf_counter() - started)
    await link.close()
    return sequential, pipelined


async def outbox_drain(nats: RunningNats, db, n: int) -> float:
    """The store's publisher emptying a backlog of `n` events, as after an outage."""
    with db.read() as conn:
        epoch = read_epoch(conn)
    settings = EdgeSettings(store_id=STORE, nats_url=nats.url, nats_password=nats.password(STORE))
    link = NatsLink([nats.url], user=STORE, password=nats.password(STORE),
                    inbox_prefix=subjects.store_inbox_prefix(STORE), name="bench-edge")
    link.start()
    await link.wait_online(10)
    ctx = SyncContext(settings=settings, epoch=epoch, db=db, link=link, wakeup=Wakeup(), clock=utc_now)
    task = asyncio.create_task(Publisher(ctx).run())
    started = time.perf_counter()
    while True:
        with db.read() as conn:
            if counters(conn).backlog == 0:
                break
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    ctx.stopping.set()
    await task
    await link.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    n = parser.parse_args().events
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        nats = RunningNats(root / "nats")
        nats.start()
        try:
            sqlite_rate = statistics.median([raw_sqlite_commits(root / f"raw-{i}.db", n) for i in range(3)])
            db, receive_rate = edge_receives(root, n)
            sequential, pipelined = asyncio.run(raw_publishes(nats, n))
            drain_rate = asyncio.run(outbox_drain(nats, db, n))
        finally:
            nats.stop()
    rows = [
        ("store receive (one durable txn + event)", receive_rate, "raw SQLite durable txn", sqlite_rate),
        ("outbox drain to JetStream", drain_rate, "raw JetStream publish, one at a time", sequential),
        ("outbox drain to JetStream", drain_rate, "raw JetStream publish, pipelined", pipelined),
    ]
    print(f"\n{n} events each; sync_interval: always (every acknowledged event is on disk)\n")
    print(f"{'omnistore':<42} {'per s':>9}   {'machine limit':<38} {'per s':>9}  {'share':>6}")
    for name, rate, limit_name, limit in rows:
        print(f"{name:<42} {rate:>9,.0f}   {limit_name:<38} {limit:>9,.0f}  {rate / limit:>6.0%}")


if __name__ == "__main__":
    main()
