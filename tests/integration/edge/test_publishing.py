"""Outbox → EVENTS over a real nats-server: right ids and seqs, nothing lost or doubled across outages
and restarts."""

import uuid

from shared.contract import subjects
from tests.integration.edge.conftest import (
    add_products,
    running_edge,
    store_settings,
    stored_events,
)
from tests.waiting import eventually

STORE = "S001"


def unique_sku() -> str:
    return f"PUB-{uuid.uuid4().hex[:8]}"


async def receive(http, sku: str, qty: int = 1) -> dict:
    response = await http.post("/v1/stock/receive", json={"sku": sku, "qty": qty, "reference": "DEL-1"})
    assert response.status_code == 201, response.text
    return response.json()


async def status(http) -> dict:
    return (await http.get("/v1/sync/status")).json()


def assert_each_seq_once(events, last_seq: int) -> None:
    assert sorted(e.seq for e, _ in events) == list(range(1, last_seq + 1))


class TestPublishing:
    async def test_a_receive_reaches_events_with_its_msg_id_and_seq(self, tmp_path, nats_up, central_nats):
        settings = store_settings(tmp_path, nats_up, STORE)
        sku = unique_sku()
        add_products(settings, sku)
        async with running_edge(settings) as (app, http):
            received = await receive(http, sku, 3)
            done = await eventually(
                lambda: _all_sent(http, received["seq"]), what="receive acknowledged by JetStream")
            epoch = done["epoch"]
        events = await stored_events(central_nats.js, STORE, epoch)
        assert [(e.seq, e.type) for e, _ in events] == [(1, "stock.snapshot"), (2, "stock.received")]
        envelope, msg_id = events[1]
        assert msg_id == subjects.msg_id(STORE, envelope.id) == f"{STORE}:{received['event_id']}"
        assert envelope.store_id == STORE and envelope.actor == "A1"
        assert envelope.payload["stock"] == [{"sku": sku, "on_hand": 3, "reserved": 0, "damaged": 0}]

    async def test_receives_made_while_nats_is_down_are_published_once_it_is_back(self, tmp_path, nats_up,
                                                                                  central_nats):
        settings = store_settings(tmp_path, nats_up, STORE)
        sku = unique_sku()
        add_products(settings, sku)
        async with running_edge(settings) as (app, http):
            await eventually(lambda: _all_sent(http, 1), what="opening snapshot sent")
            nats_up.stop()
            try:
                await eventually(lambda: _offline(http), what="edge notices the outage")
                for _ in range(5):
                    await receive(http, sku)  # answered at once: the sale floor never waits on the network
                during = await status(http)
                assert during["backlog"] == 5 and during["online"] is False
            finally:
                nats_up.start()
            done = await eventually(lambda: _all_sent(http, 6), timeout=60, what="backlog drained")
        events = await stored_events(central_nats.js, STORE, done["epoch"])
        assert_each_seq_once(events, 6)
        assert len({msg_id for _, msg_id in events}) == 6

    async def test_the_publisher_resumes_from_the_first_unsent_row_after_a_restart(self, tmp_path, nats_up,
                                                                                 central_nats):
        settings = store_settings(tmp_path, nats_up, STORE)
        sku = unique_sku()
        add_products(settings, sku)
        async with running_edge(settings) as (app, http):
            await receive(http, sku)
            first = await eventually(lambda: _all_sent(http, 2), what="first events sent")
        async with running_edge(settings, with_nats=False) as (app, http):  # the link is down all along
            for _ in range(3):
                await receive(http, sku)
            assert (await status(http))["backlog"] == 3
        async with running_edge(settings) as (app, http):
            done = await eventually(lambda: _all_sent(http, 5), what="backlog sent after restart")
        assert done["epoch"] == first["epoch"]
        assert_each_seq_once(await stored_events(central_nats.js, STORE, done["epoch"]), 5)


async def _all_sent(http, last_seq: int) -> dict | None:
    current = await status(http)
    done = current["online"] and current["backlog"] == 0 and current["last_acked_seq"] == last_seq
    return current if done else None


async def _offline(http) -> bool:
    return not (await status(http))["online"]


class TestAHungServer:
    async def test_publishes_that_time_out_are_retried_with_the_same_id_and_stored_once(self, tmp_path, nats_up,
                                                                                        central_nats):
        settings = store_settings(tmp_path, nats_up, STORE)
        sku = unique_sku()
        add_products(settings, sku)
        async with running_edge(settings) as (app, http):
            await eventually(lambda: _all_sent(http, 1), what="opening snapshot sent")
            nats_up.server.freeze()  # sockets stay open: publishes go out and no PubAck comes back
            try:
                for _ in range(3):
                    await receive(http, sku)
                await eventually(lambda: _offline(http), what="edge notices the hung server")
            finally:
                nats_up.server.thaw()
            done = await eventually(lambda: _all_sent(http, 4), timeout=60, what="backlog drained after thaw")
        events = await stored_events(central_nats.js, STORE, done["epoch"])
        assert_each_seq_once(events, 4)
