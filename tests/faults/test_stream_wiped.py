"""The stream loses events while central is down and the store keeps selling; central restarts with events parked;
a malformed message is sent at the store's next seq with its identity. Nothing committed is lost, nothing is
applied twice, no operator is needed, and the store does not take itself for a restored database (DESIGN §4)."""

import asyncio
import sqlite3

from shared.contract import subjects
from shared.contract.permissions import CENTRAL_USER
from shared.runtime.ids import uuid7
from shared.runtime.nats_link import NatsLink
from tests.faults.live.network import Network
from tests.integration.central.conftest import (
    STORE_BODY,
    StoreEmitter,
    running_central,
    store_link,
)
from tests.integration.edge.conftest import add_products, running_edge, store_settings
from tests.processes import CentralProcess
from tests.waiting import eventually, poll

STORE, AUDITED = "F07", "F08"


async def receive(http, sku: str, n: int) -> None:
    for i in range(n):
        answer = await http.post("/v1/stock/receive", json={"sku": sku, "qty": 1, "reference": f"DEL-{i}"})
        assert answer.status_code == 201, answer.text


async def sync_status(http) -> dict:
    return (await http.get("/v1/sync/status")).json()


def edge_rows(settings) -> dict[int, str]:
    with sqlite3.connect(settings.db_path) as conn:
        return dict(conn.execute("SELECT seq, id FROM outbox"))


def edge_on_hand(settings, sku: str) -> int:
    with sqlite3.connect(settings.db_path) as conn:
        return conn.execute("SELECT on_hand FROM stock WHERE sku=?", (sku,)).fetchone()[0]


async def the_same(central, http, settings, sku: str) -> bool:
    """Central has every event of the store's epoch once, each the store's own, and the same level."""
    status = await sync_status(http)
    applied = dict(central.query("SELECT seq, event_id FROM applied_events WHERE store_id=? AND epoch=?",
                                 STORE, status["epoch"]))
    level = central.level(STORE, sku)
    return status["backlog"] == 0 and applied == edge_rows(settings) \
        and level is not None and level[0] == edge_on_hand(settings, sku)


async def test_a_wiped_stream_and_a_restart_with_parked_events_heal_by_themselves(make_settings, tmp_path,
                                                                                 nats_up, central_nats):
    sku = f"WIPE-{uuid7()[-8:]}"
    edge_settings = store_settings(tmp_path, nats_up, STORE, heartbeat_interval_s=0.3)
    add_products(edge_settings, sku)
    healing = make_settings(resend_after_s=1)
    async with running_edge(edge_settings) as (app, http):
        async with running_central(healing) as central:
            assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
            await receive(http, sku, 3)
            await eventually(lambda: the_same(central, http, edge_settings, sku), what="central has the first sales")

        # Central is down; the store sells on; the stream loses what central never read; the store sells on.
        await receive(http, sku, 4)
        await eventually(lambda: _sent(http), what="the sales published")
        await central_nats.js.purge_stream(subjects.EVENTS_STREAM, subject=subjects.events(STORE))
        await receive(http, sku, 3)
        await eventually(lambda: _sent(http), what="the later sales published")

        async with running_central(make_settings(resend_after_s=600)) as central:
            await eventually(lambda: len(central.service.ingest.held_arrivals(STORE)) == 3,
                             what="the sales above the gap parked")
        async with running_central(healing) as central:
            assert len(central.service.ingest.held_arrivals(STORE)) == 3  # parked survived the restart
            await eventually(lambda: the_same(central, http, edge_settings, sku), what="central healed")
            assert central.service.ingest.held_arrivals(STORE) == []
            assert central.query("SELECT COUNT(*) FROM dead_letters WHERE store_id=?", STORE)[0][0] == 0

            # A malformed message at the store's next seq, sent with the store's identity.
            status = await sync_status(http)
            async with store_link(nats_up, STORE) as link:
                forger = StoreEmitter(link, STORE, epoch=status["epoch"])
                await forger.emit(status["last_seq"] + 1, "stock.received", {"sku": sku})
            await eventually(lambda: central.applied_seq(STORE) == status["last_seq"] + 1, what="the forgery filled")
            await eventually(lambda: _applied(http, status["last_seq"] + 1), what="the watermark at the store")
            assert (await sync_status(http))["epoch"] == status["epoch"]  # not taken for a restored database

            # The store's own event at that seq meets the dead letter: a conflict, kept, answered by a snapshot.
            await receive(http, sku, 1)
            await eventually(lambda: _conflicts(central), what="the conflict flagged")
            await eventually(lambda: _level_equal(central, edge_settings, sku), what="levels equal again")
            [(kept,)] = central.query("SELECT event_id FROM event_conflicts WHERE store_id=?", STORE)
            assert kept == edge_rows(edge_settings)[status["last_seq"] + 1]


async def _sent(http) -> bool:
    return (await sync_status(http))["backlog"] == 0


async def _applied(http, seq: int) -> bool:
    return (await sync_status(http))["applied_seq"] == seq


async def _conflicts(central) -> bool:
    return (await central.client.get(f"/v1/stores/{STORE}")).json()["conflicts"] == 1


def _level_equal(central, settings, sku: str) -> bool:
    level = central.level(STORE, sku)
    return level is not None and level[0] == edge_on_hand(settings, sku)


def test_the_audit_finds_nothing_amiss_after_the_stream_lost_events_while_central_was_down(tmp_path, nats_up):
    """The same fault with both parts as processes, judged by `omnistore audit`'s own code."""
    central = CentralProcess(tmp_path, nats_up, env={"OMNISTORE_CENTRAL_RESEND_AFTER_S": "1"}).start()
    net = Network(tmp_path, nats_up, AUDITED, central, edge_env={"OMNISTORE_EDGE_HEARTBEAT_INTERVAL_S": "0.5"})
    try:
        for n in range(3):
            net.receive(n)
        net.agrees()
        net.kill_central()
        for n in range(3, 7):
            net.receive(n)
        poll(lambda: net.status()["backlog"] == 0, what="the sales published")
        asyncio.run(_purge(nats_up, AUDITED))
        for n in range(7, 10):
            net.receive(n)
        poll(lambda: net.status()["backlog"] == 0, what="the later sales published")
        net.central.start()
        net.agrees()
        assert net.status()["applied_seq"] == net.status()["last_seq"]
    finally:
        net.close()
        central.stop()


async def _purge(nats, store_id: str) -> None:
    link = NatsLink([nats.url], user=CENTRAL_USER, password=nats.password(CENTRAL_USER),
                    inbox_prefix=subjects.CENTRAL_INBOX_PREFIX, name="test-purge")
    link.start()
    try:
        assert await link.wait_online(10)
        await link.js.purge_stream(subjects.EVENTS_STREAM, subject=subjects.events(store_id))
    finally:
        await link.close()
