"""Central's ingest loop on its own pull requests (a real nats-server): a batch whose transaction fails is not
acknowledged, comes back after `ack_wait` and is applied once; a consumer deleted under it is made again."""

import asyncio
import sqlite3

from nats.js.errors import NotFoundError

from central.bootstrap import CentralService
from central.settings import CentralSettings
from central.sync.ingest import ingest_consumer_config
from shared.contract import subjects
from shared.runtime.ids import uuid7
from shared.runtime.nats_link import NatsLink
from shared.runtime.tasks import cancel_and_wait
from tests.integration.central.conftest import ADMIN_TOKEN, StoreEmitter, store_link
from tests.waiting import eventually

STORE = "S002"


async def ingest_consumer(link: NatsLink, ack_wait: float) -> None:
    try:
        await link.js.delete_consumer(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
    except NotFoundError:
        pass
    config = ingest_consumer_config()
    config.ack_wait = ack_wait
    await link.js.add_consumer(subjects.EVENTS_STREAM, config=config)


def on_hand(central: CentralService, sku: str) -> int | None:
    with central.db.read() as conn:
        row = conn.execute("SELECT on_hand FROM levels WHERE node_id=? AND sku=?", (STORE, sku)).fetchone()
    return row[0] if row else None


async def all_acked(link: NatsLink) -> bool:
    return (await link.js.consumer_info(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)).num_ack_pending == 0


async def test_a_failed_batch_is_not_acked_and_applies_once_when_it_comes_back(central_nats, nats_up, tmp_path):
    await central_nats.js.purge_stream(subjects.EVENTS_STREAM)
    await ingest_consumer(central_nats, ack_wait=1)
    central = CentralService(CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN),
                             with_nats=False)
    ingest = central.ingest
    ingest._link = central_nats
    hook, failures = ingest.on_event, []

    def fails_once(conn, *event):  # the database cannot be written, once: the whole batch fails
        if not failures:
            failures.append(event)
            raise sqlite3.OperationalError("disk I/O error")
        hook(conn, *event)
    ingest.on_event = fails_once

    sku = f"PULL-{uuid7()[-8:]}"
    async with store_link(nats_up, STORE) as link:
        store = StoreEmitter(link, STORE)
        for seq in (1, 2, 3):
            await store.received(seq, sku, 1, on_hand=seq)
    loop = asyncio.create_task(ingest.run())
    try:
        await eventually(lambda: ingest.handled == 3, what="the batch applied after it came back")
        assert failures and on_hand(central, sku) == 3
        await eventually(lambda: all_acked(central_nats), what="every event acked")

        await central_nats.js.delete_consumer(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
        await eventually(lambda: consumer_made(central_nats), what="the consumer made again")
        await eventually(lambda: ingest.handled == 6, what="the stream delivered again from its start")
        assert on_hand(central, sku) == 3  # each event applied once
        with central.db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()[0] == 0
    finally:
        await cancel_and_wait([loop])
        central.db.close()


async def consumer_made(link: NatsLink) -> bool:
    try:
        await link.js.consumer_info(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
    except NotFoundError:
        return False
    return True
