"""Central's pull requests to a durable consumer (`shared/runtime/jetstream_pull.py`), on a real nats-server: every
message delivered once per pull and in stream order, acked one by one, an unacked batch delivered again after
`ack_wait`, and a deleted consumer or a restarted server told apart from an empty stream."""

import asyncio

import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from shared.contract import subjects
from shared.runtime import jetstream_pull
from shared.runtime.ids import uuid7
from shared.runtime.jetstream_pull import ConsumerGone, JetStreamPull
from shared.runtime.nats_link import NatsLink
from tests.integration.central.conftest import store_link
from tests.waiting import eventually

STORE = "S001"
CONSUMER = "pull-test"
# A request that finds nothing waits this long; a fetch asked to wait far longer than a test should last shows
# that it ended on the server's word, not on its own clock.
SHORT_S, LONG_S = 0.3, 60


@pytest.fixture
async def events(central_nats, nats_up):
    """An empty EVENTS stream, a fresh consumer of central's kind on it, and a store link that fills it."""
    await central_nats.js.purge_stream(subjects.EVENTS_STREAM)
    await fresh_consumer(central_nats)
    async with store_link(nats_up, STORE) as store:
        yield store


async def fresh_consumer(link: NatsLink, ack_wait: float = 30, max_waiting: int = 512) -> None:
    try:
        await link.js.delete_consumer(subjects.EVENTS_STREAM, CONSUMER)
    except NotFoundError:
        pass
    await link.js.add_consumer(subjects.EVENTS_STREAM, config=ConsumerConfig(
        durable_name=CONSUMER, deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.EXPLICIT, ack_wait=ack_wait,
        filter_subject=subjects.EVENTS_ALL, max_waiting=max_waiting))


async def publish(store: NatsLink, first: int, count: int) -> None:
    for n in range(first, first + count):
        await store.js.publish(subjects.events(STORE), f"event {n}".encode(), stream=subjects.EVENTS_STREAM,
                               headers={"Nats-Msg-Id": f"{STORE}:{uuid7()}"})  # never a duplicate


async def pulled(central: NatsLink) -> JetStreamPull:
    pull = JetStreamPull(central.nc, subjects.EVENTS_STREAM, CONSUMER)
    await pull.start()
    return pull


async def in_state(central: NatsLink, state: tuple[int, int]) -> bool:
    """Whether the consumer has (messages not delivered yet, delivered and not acked)."""
    info = await central.js.consumer_info(subjects.EVENTS_STREAM, CONSUMER)
    return (info.num_pending, info.num_ack_pending) == state


def bodies(msgs) -> list[str]:
    return [m.data.decode() for m in msgs]


async def test_every_message_comes_once_in_stream_order_and_a_short_batch_ends_on_the_servers_word(
        central_nats, events):
    await publish(events, 1, 25)
    pull = await pulled(central_nats)
    batches = [await asyncio.wait_for(pull.fetch(10, LONG_S), 20) for _ in range(3)]
    assert [len(b) for b in batches] == [10, 10, 5]
    msgs = [m for batch in batches for m in batch]
    assert bodies(msgs) == [f"event {n}" for n in range(1, 26)]
    assert [m.metadata.sequence.stream for m in msgs] == sorted(m.metadata.sequence.stream for m in msgs)
    assert {m.metadata.num_delivered for m in msgs} == {1}
    for batch in batches:
        await jetstream_pull.ack(central_nats.nc, batch)
    await eventually(lambda: in_state(central_nats, (0, 0)), what="all acked")
    assert await pull.fetch(10, SHORT_S) == []
    await pull.stop()


async def test_an_empty_stream_gives_an_empty_batch_and_a_message_published_meanwhile_comes_at_once(
        central_nats, events):
    pull = await pulled(central_nats)
    assert await pull.fetch(10, SHORT_S) == []
    waiting = asyncio.create_task(pull.fetch(10, LONG_S))
    await asyncio.sleep(0.2)  # the request is at the server, waiting
    await publish(events, 1, 1)
    assert bodies(await asyncio.wait_for(waiting, 20)) == ["event 1"]
    await pull.stop()


async def test_only_the_acked_messages_are_settled_and_the_others_come_back_after_ack_wait(central_nats, events):
    await fresh_consumer(central_nats, ack_wait=1)
    await publish(events, 1, 6)
    pull = await pulled(central_nats)
    first = await pull.fetch(10, SHORT_S)
    assert bodies(first) == [f"event {n}" for n in range(1, 7)]
    await jetstream_pull.ack(central_nats.nc, first[:2])  # a batch whose apply failed is not acked at all

    again = []
    async def redelivered(count: int) -> bool:
        again.extend(await pull.fetch(10, SHORT_S))
        return len(again) >= count
    await eventually(lambda: redelivered(4), what="the unacked messages delivered again")
    assert bodies(again) == [f"event {n}" for n in range(3, 7)]
    assert {m.metadata.num_delivered for m in again} == {2}
    await jetstream_pull.ack(central_nats.nc, again)
    await eventually(lambda: in_state(central_nats, (0, 0)), what="all acked")
    await pull.stop()


async def test_a_deleted_consumer_is_told_apart_from_an_empty_stream(central_nats, events):
    pull = await pulled(central_nats)
    waiting = asyncio.create_task(pull.fetch(10, LONG_S))
    await asyncio.sleep(0.2)  # the request is at the server, waiting
    await central_nats.js.delete_consumer(subjects.EVENTS_STREAM, CONSUMER)
    with pytest.raises(ConsumerGone):  # deleted under a waiting request
        await asyncio.wait_for(waiting, 20)
    with pytest.raises(ConsumerGone):  # a request to a consumer that does not exist
        await asyncio.wait_for(pull.fetch(10, LONG_S), 20)
    await publish(events, 1, 3)
    await fresh_consumer(central_nats)  # made again: everything from the start
    assert bodies(await pull.fetch(10, SHORT_S)) == ["event 1", "event 2", "event 3"]
    await pull.stop()


async def test_a_request_the_server_cuts_short_ends_the_fetch_empty_and_the_waiting_one_still_delivers(
        central_nats, events):
    await fresh_consumer(central_nats, max_waiting=1)
    first, second = await pulled(central_nats), await pulled(central_nats)
    waiting = asyncio.create_task(first.fetch(10, LONG_S))
    await asyncio.sleep(0.2)  # the first request is the one the consumer lets wait
    assert await asyncio.wait_for(second.fetch(10, LONG_S), 20) == []  # 409 Exceeded MaxWaiting
    await publish(events, 1, 1)
    assert bodies(await asyncio.wait_for(waiting, 20)) == ["event 1"]
    await first.stop()
    await second.stop()


async def test_a_pull_across_a_server_restart_ends_empty_and_the_next_ones_get_every_message_once(
        central_nats, events, nats_up):
    await publish(events, 1, 3)
    pull = await pulled(central_nats)
    first = await pull.fetch(2, SHORT_S)
    await jetstream_pull.ack(central_nats.nc, first)
    await eventually(lambda: in_state(central_nats, (1, 0)), what="two acked")
    waiting = asyncio.create_task(pull.fetch(10, 2))
    await asyncio.sleep(0.1)
    nats_up.server.stop()
    try:
        cut = await waiting  # the answer is lost with the server: a fetch ends on its own clock
    finally:
        nats_up.start()
    await central_nats.wait_online(20)
    await eventually(lambda: central_nats.online, what="central's link back")
    await publish(events, 4, 2)
    later = list(cut)

    async def pulled_after() -> bool:
        later.extend(await pull.fetch(10, SHORT_S))
        return len(later) >= 3
    await eventually(pulled_after, what="the rest after the restart")
    assert bodies(first + later) == [f"event {n}" for n in range(1, 6)]
    await jetstream_pull.ack(central_nats.nc, later)
    await eventually(lambda: in_state(central_nats, (0, 0)), what="all acked")
    await pull.stop()
