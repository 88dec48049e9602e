"""Central's ingest split by store partition — what the path beyond one central (docs/performance.md) would give on
this machine, next to one ingest process and a bare pull + ack of the same stream. Central does not run this way
today: this measures the design before it is built.

    uv run python -m tests.bench.ingest_partitions [events] [rounds]

The stream is filled once with `events` sales of 8 stores. Each round, interleaved: the bare pull + ack (the
`ingest` measure's limit, in this process); central's own ingest loop (`Ingest.run`, its event hook) in one process
of its own; and the same in two processes, each with its own durable consumer filtered to half of the stores
(`filter_subjects`), both writing one new database. The workers start, bind their consumers and say they are ready
before the clock starts; the round ends when every worker has taken its share. Printed per round: events/s, the
ratio to the bare side, each worker's CPU seconds and the machine's idle share while it ran.
"""

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from central.bootstrap import CentralService
from central.settings import CentralSettings
from central.store.schema import open_database
from central.sync.ingest import ingest_consumer_config
from shared.contract import subjects
from shared.runtime.jetstream_pull import JetStreamPull
from shared.runtime.memory import start_up_kept
from shared.runtime.nats_link import NatsLink
from shared.runtime.tasks import cancel_and_wait
from tests.bench.bench_nats import BenchNats
from tests.bench.central_ingest import bare_pull_and_ack, fill

STORES = [f"S{i:03d}" for i in range(1, 9)]


async def worker(url: str, db: str, stores: list[str], count: int, durable: str) -> None:
    """One partition's ingest: central's own loop on a consumer of its stores' events, started when told to."""
    central = CentralService(CentralSettings(db_path=Path(db), admin_token="bench-admin-token-0123"), with_nats=False)
    link = NatsLink([url], user=None, password=None, inbox_prefix=f"_INBOX_{durable.upper()}", name=durable)
    link.start()
    await link.wait_online(10)
    config = ingest_consumer_config()
    config.filter_subject, config.filter_subjects = None, [subjects.events(store) for store in stores]
    central.ingest._link = link
    await link.js.pull_subscribe(config.filter_subjects[0], durable=durable, stream=subjects.EVENTS_STREAM,
                                 config=config)  # makes the partition's consumer
    central.ingest._pull = JetStreamPull(link.nc, subjects.EVENTS_STREAM, durable)  # ingest's pull requests to it
    await central.ingest._pull.start()
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    started_cpu = time.process_time()
    loop = asyncio.create_task(central.ingest.run())
    while central.ingest.handled < count:
        await asyncio.sleep(0.002)
    cpu = time.process_time() - started_cpu
    await cancel_and_wait([loop])
    print(json.dumps({"cpu": cpu}), flush=True)
    await link.close()
    central.db.close()


def _machine_idle() -> tuple[int, int]:
    """(idle, total) jiffies of every CPU since boot."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return ticks[3] + ticks[4], sum(ticks)


def _every_sale_recorded_once(path: Path, events: int) -> None:
    """The partitions shared one database: each sale is there once (a figure of lost work would be no figure)."""
    db = open_database(path)
    with db.read() as conn:
        receipts, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT receipt_number) FROM store_receipts").fetchone()
    db.close()
    if not receipts == distinct == events:
        raise RuntimeError(f"{events} sales were fetched but {receipts} receipts ({distinct} distinct) recorded")


async def partitioned(url: str, db: Path, processes: int, events: int, round_: int) -> tuple[float, list[float], float]:
    """Events/s of `processes` ingest workers sharing the stores, each worker's CPU seconds, the machine's idle
    share while they ran."""
    open_database(db).close()  # migrated once, before the workers open it
    parts = [STORES[i::processes] for i in range(processes)]
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tests.bench.ingest_partitions", "--worker", url, str(db), ",".join(stores),
         str(events * len(stores) // len(STORES)), f"part-{processes}-{i}-{round_}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i, stores in enumerate(parts)]
    try:
        for w in workers:
            ready = await asyncio.to_thread(w.stdout.readline)
            if not ready.startswith("ready"):
                raise RuntimeError(f"an ingest worker did not start: {ready!r}")
        idle_before, total_before = _machine_idle()
        started = time.perf_counter()
        for w in workers:
            w.stdin.write("go\n")
            w.stdin.flush()
        cpu = [json.loads(await asyncio.to_thread(w.stdout.readline))["cpu"] for w in workers]
        elapsed = time.perf_counter() - started
        idle_after, total_after = _machine_idle()
    finally:
        for w in workers:
            w.stdin.close()
            w.wait(timeout=30)
    _every_sale_recorded_once(db, events)
    return events / elapsed, cpu, (idle_after - idle_before) / max(1, total_after - total_before)


async def measure(events: int, rounds: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="ingest-partitions-"))
    nats = BenchNats(root / "nats")
    async with nats as link:
        await fill(link, events, STORES)
        print(f"{events:,} sales of {len(STORES)} stores; load average {Path('/proc/loadavg').read_text().split()[:3]}")
        print(f"{'round':>5} {'bare /s':>9} {'1 proc /s':>10} {'ratio':>6} {'2 procs /s':>11} {'ratio':>6} "
              f"{'CPU s (1 | 2)':>18} {'idle (1 | 2)':>13}")
        with start_up_kept():
            for n in range(rounds):
                bare = await bare_pull_and_ack(link, events)
                one, one_cpu, one_idle = await partitioned(nats.url, root / f"one-{n}.db", 1, events, n)
                two, two_cpu, two_idle = await partitioned(nats.url, root / f"two-{n}.db", 2, events, n)
                cpu = f"{one_cpu[0]:.2f} | " + " ".join(f"{c:.2f}" for c in two_cpu)
                print(f"{n:>5} {bare:>9,.0f} {one:>10,.0f} {one / bare:>6.2f} {two:>11,.0f} {two / bare:>6.2f} "
                      f"{cpu:>18} {one_idle:>6.2f} | {two_idle:.2f}", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        url, db, stores, count, durable = sys.argv[2:7]
        with start_up_kept():
            asyncio.run(worker(url, db, stores.split(","), int(count), durable))
    else:
        asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 32_000,
                            int(sys.argv[2]) if len(sys.argv) > 2 else 3))
