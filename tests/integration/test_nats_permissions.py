"""Each store's NATS user can do its own work and nothing of another store's (DESIGN §4)."""

import asyncio

import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig

from shared.contract import subjects
from shared.runtime.nats_link import NatsLink


@pytest.fixture
async def store_link(nats_up):
    link = NatsLink([nats_up.url], user="S005", password=nats_up.password("S005"),
                    inbox_prefix=subjects.store_inbox_prefix("S005"), name="test-S005")
    link.start()
    assert await link.wait_online(10)
    yield link
    await link.close()


async def test_a_store_publishes_its_own_events(central_nats, store_link):
    ack = await store_link.js.publish(subjects.events("S005"), b"{}", stream=subjects.EVENTS_STREAM,
                                      headers={"Nats-Msg-Id": "S005:permission-own"})
    assert ack.stream == subjects.EVENTS_STREAM


async def test_a_store_cannot_publish_on_another_stores_subject(central_nats, store_link):
    before = (await central_nats.js.stream_info(subjects.EVENTS_STREAM)).state.messages
    with pytest.raises(NatsTimeout):
        await store_link.js.publish(subjects.events("S006"), b"{}", stream=subjects.EVENTS_STREAM, timeout=1.5)
    await asyncio.sleep(0.2)
    assert (await central_nats.js.stream_info(subjects.EVENTS_STREAM)).state.messages == before


async def test_a_store_cannot_send_commands_or_touch_the_catalog(central_nats, store_link):
    for subject in (subjects.commands("S005"), subjects.catalog_product("TEE"), subjects.CATALOG_POLICY):
        with pytest.raises(NatsTimeout):
            await store_link.js.publish(subject, b"{}", timeout=1.0)


async def test_a_store_cannot_create_consumers_or_delete_streams(central_nats, store_link):
    with pytest.raises(NatsTimeout):
        await store_link.js.add_consumer(subjects.EVENTS_STREAM, ConsumerConfig(
            durable_name="sneaky", filter_subject="omni.evt.>", ack_policy=AckPolicy.EXPLICIT), timeout=1.0)
    with pytest.raises(NatsTimeout):
        await store_link.js.delete_stream(subjects.EVENTS_STREAM)
    assert (await central_nats.js.stream_info(subjects.EVENTS_STREAM)).config.name == subjects.EVENTS_STREAM


async def test_a_store_hears_nothing_of_another_stores_watermark(central_nats, store_link):
    heard = []

    async def hear(message):
        heard.append(message)

    await store_link.nc.subscribe(subjects.applied_ack("S006"), cb=hear)
    await store_link.nc.subscribe(subjects.applied_ack("S005"), cb=hear)
    await store_link.nc.flush()
    # Central says both; the store must hear its own (repeated until it does: links may still be settling) ...
    for _ in range(100):
        await central_nats.nc.publish(subjects.applied_ack("S006"), b'{"epoch": "e", "applied_seq": 1}')
        await central_nats.nc.publish(subjects.applied_ack("S005"), b'{"epoch": "e", "applied_seq": 2}')
        await central_nats.nc.flush()
        await asyncio.sleep(0.2)
        if heard:
            break
    await asyncio.sleep(0.3)
    # ... and never the other store's.
    assert heard and {m.subject for m in heard} == {subjects.applied_ack("S005")}
