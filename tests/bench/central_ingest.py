"""Central applying a stream already full of the stores' sales, next to a bare pull-and-ack of the same messages.

Both sides read the same EVENTS stream from the start through the same durable consumer name (made afresh each
round), with the same batch size; ours is central's own loop (`Ingest.run`: the next batch fetched while one applies,
each batch decoded, ordered and applied in one transaction, acked after the commit), with central's own event hook
(receipts, credit notes, orders).
"""

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path

from nats.errors import TimeoutError as NatsTimeout

from central.bootstrap import CentralService
from central.settings import CentralSettings
from central.sync.ingest import BATCH, ingest_consumer_config
from shared.contract import subjects
from shared.contract.events import EventEnvelope
from shared.runtime.ids import uuid7
from shared.runtime.memory import start_up_kept
from shared.runtime.nats_link import NatsLink
from shared.runtime.tasks import cancel_and_wait
from tests.bench.bench_nats import BenchNats
from tests.bench.harness import Result, rate_result
from tests.conftest import TEST_STORES

NOW = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


def sale_event(store_id: str, epoch: str, seq: int) -> EventEnvelope:
    sku = f"SKU-{seq % 500:03d}"
    return EventEnvelope(id=uuid7(), type="sale.recorded", store_id=store_id, epoch=epoch, seq=seq, occurred_at=NOW,
                         actor="A1", payload={
                             "receipt_number": f"{store_id}-{seq:06d}", "currency": "EUR",
                             "lines": [{"sku": sku, "qty": 1, "unit_price": 1990, "tax_rate_bp": 1900,
                                        "line_total": 1990}],
                             "tenders": [{"type": "cash", "amount": 1990}], "total": 1990, "change_due": 0,
                             "stock": [{"sku": sku, "on_hand": 10_000 - seq, "reserved": 0, "damaged": 0}]})


async def fill(link: NatsLink, events: int, stores: list[str]) -> None:
    """The stream as after a busy hour: `events` sales spread over the stores, each store's in seq order."""
    await link.js.purge_stream(subjects.EVENTS_STREAM)
    epochs = {store: uuid7() for store in stores}
    for window in range(0, events, 500):
        batch = []
        for n in range(window, min(events, window + 500)):
            store, seq = stores[n % len(stores)], n // len(stores) + 1
            event = sale_event(store, epochs[store], seq)
            batch.append(link.js.publish(subjects.events(store), event.to_bytes(), stream=subjects.EVENTS_STREAM,
                                         headers={"Nats-Msg-Id": subjects.msg_id(store, event.id)}))
        await asyncio.gather(*batch)


async def fresh_consumer(link: NatsLink):
    try:
        await link.js.delete_consumer(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
    except Exception:  # none yet
        pass
    return await link.js.pull_subscribe(subjects.EVENTS_ALL, durable=subjects.CENTRAL_INGEST,
                                        stream=subjects.EVENTS_STREAM, config=ingest_consumer_config())


async def bare_pull_and_ack(link: NatsLink, events: int) -> float:
    sub = await fresh_consumer(link)
    started, done = time.perf_counter(), 0
    while done < events:
        try:
            msgs = await sub.fetch(BATCH, timeout=1)
        except (NatsTimeout, TimeoutError):
            continue
        for msg in msgs:
            await msg.ack()
        done += len(msgs)
    return events / (time.perf_counter() - started)


async def central_applies(root: Path, link: NatsLink, events: int, n: int) -> float:
    """Central's own ingest loop (`Ingest.run`: fetch, apply, ack, watermarks) until it has taken every event."""
    central = CentralService(CentralSettings(db_path=root / f"central-{n}.db", admin_token="bench-admin-token-0123"),
                             with_nats=False)
    ingest = central.ingest
    ingest._link = link
    await fresh_consumer(link)
    await ingest.subscribe()  # binds to it (as central does once its link is up)
    started = time.perf_counter()
    loop = asyncio.create_task(ingest.run())
    while ingest.handled < events:
        await asyncio.sleep(0.002)
    elapsed = time.perf_counter() - started
    await cancel_and_wait([loop])
    central.db.close()
    return events / elapsed


async def _ingest(root: Path, seconds: float, rounds: int) -> tuple[float, float, int]:
    async with BenchNats(root / "nats") as link:
        events = max(2000, int(5000 * seconds))
        await fill(link, events, TEST_STORES)
        ours, theirs = [], []
        with start_up_kept():  # as in central's process, for both sides
            for i in range(rounds):
                pair = [(lambda: central_applies(root, link, events, i), ours),
                        (lambda: bare_pull_and_ack(link, events), theirs)]
                for run, into in (pair if i % 2 == 0 else pair[::-1]):
                    into.append(await run())
    return sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2], events


def ingest(root: Path, seconds: float, rounds: int) -> list[Result]:
    ours, limit, events = asyncio.run(_ingest(root, seconds, rounds))
    return [rate_result(f"central ingest of a pre-filled stream ({events} sales, 9 stores)", ours, limit,
                        "bare pull + ack of the same stream", unit="events/s", at_least=0.5)]
