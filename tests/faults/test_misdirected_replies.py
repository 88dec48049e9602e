"""Central answers a store's request only into that store's own inbox (DESIGN §4).

NATS does not check a message's reply subject against the sender's permissions, and central's answer is published
with central's rights: a store that names another store's command subject, a catalog subject, another stream's
subject or a JetStream API subject as its reply would make central write there. Each target is tried with one store's
own credentials; nothing may land, and the store's proper requests are still answered."""

import json

import pytest
from nats.js.api import StreamConfig

from shared.contract import subjects
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import running_central, store_link
from tests.waiting import eventually

STORE, OTHER = "S005", "S006"


async def ask_with_reply(link, subject: str, reply: str, body: dict) -> None:
    await link.nc.publish(subject, json.dumps(body).encode(), reply=reply)
    await link.nc.flush()


async def answered_properly(link) -> dict:
    """A proper request is answered; central handles one store's requests in turn, so the earlier ones are done."""
    msg = await link.nc.request(subjects.atp_request(STORE), json.dumps({"sku": "NONE"}).encode(), timeout=10)
    return json.loads(msg.data)


async def messages(js, stream: str, subject: str) -> int:
    info = await js.stream_info(stream, subjects_filter=subject)
    return (info.state.subjects or {}).get(subject, 0)


@pytest.fixture
async def scratch_stream(central_nats):
    """A stream of central's account other than the three: a reply must reach it neither by its subject nor through
    the JetStream API (purge)."""
    name, subject = f"SCRATCH{uuid7()[-6:].upper()}", f"omni.ack.ZZ{uuid7()[-6:].upper()}"
    await central_nats.js.add_stream(StreamConfig(name=name, subjects=[subject]))
    await central_nats.js.publish(subject, b"keep me", stream=name)
    yield name, subject
    await central_nats.js.delete_stream(name)


async def test_answers_aimed_at_other_subjects_land_nowhere(make_settings, nats_up, central_nats, scratch_stream):
    scratch, scratch_subject = scratch_stream
    product_subject = subjects.catalog_product(f"REPLY-{uuid7()[-6:]}")
    heard_by_other: list = []
    async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link, \
            store_link(nats_up, OTHER) as other:

        async def hear(msg):
            heard_by_other.append(msg)

        await other.nc.subscribe(f"{subjects.store_inbox_prefix(OTHER)}.>", cb=hear)
        await other.nc.flush()
        before = {"cmd": await messages(central_nats.js, subjects.COMMANDS_STREAM, subjects.commands(OTHER)),
                  "evt": await messages(central_nats.js, subjects.EVENTS_STREAM, subjects.events(OTHER))}
        targets = [subjects.commands(OTHER), product_subject, subjects.events(OTHER), scratch_subject,
                   f"$JS.API.STREAM.PURGE.{scratch}", f"{subjects.store_inbox_prefix(OTHER)}.stolen",
                   f"{subjects.store_inbox_prefix(STORE)}", f"{subjects.store_inbox_prefix(STORE)}X.abc"]
        for target in targets:
            for kind in ("atp", "order", "receipt", "not-yet-a-kind"):
                await ask_with_reply(link, f"omni.req.{STORE}.{kind}", target, {"sku": "TEE", "order_id": "X",
                                                                              "receipt_number": "R"})
        assert (await answered_properly(link))["sku"] == "NONE"
        assert await messages(central_nats.js, subjects.COMMANDS_STREAM, subjects.commands(OTHER)) == before["cmd"]
        assert await messages(central_nats.js, subjects.EVENTS_STREAM, subjects.events(OTHER)) == before["evt"]
        assert await messages(central_nats.js, subjects.CATALOG_STREAM, product_subject) == 0
        assert (await central_nats.js.stream_info(scratch)).state.messages == 1  # neither purged nor written
        assert heard_by_other == []
        await eventually(lambda: central.service.responder.refused >= len(targets) * 4, what="every request refused")


async def test_a_request_kind_added_later_is_covered_too(make_settings, nats_up, central_nats, scratch_stream):
    scratch, scratch_subject = scratch_stream
    async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
        central.service.responder.answers["echo"] = lambda _, data: {"echo": json.loads(data)}
        await ask_with_reply(link, f"omni.req.{STORE}.echo", scratch_subject, {"hello": 1})
        answer = await link.nc.request(f"omni.req.{STORE}.echo", b'{"hello": 2}', timeout=10)
        assert json.loads(answer.data) == {"echo": {"hello": 2}}
        assert central.service.responder.refused == 1
        assert (await central_nats.js.stream_info(scratch)).state.messages == 1


async def test_a_store_cannot_listen_in_another_stores_inbox(make_settings, nats_up):
    """The other half of the rule: the store's NATS user may subscribe only to its own inbox prefix."""
    heard: list = []

    async def hear(msg):
        heard.append(msg)

    async with running_central(make_settings()), store_link(nats_up, STORE) as link, \
            store_link(nats_up, OTHER) as other:
        await link.nc.subscribe(f"{subjects.store_inbox_prefix(OTHER)}.>", cb=hear)
        await link.nc.flush()
        answer = await other.nc.request(subjects.atp_request(OTHER), b'{"sku": "NONE"}', timeout=10)
        assert json.loads(answer.data)["sku"] == "NONE"
        await link.nc.flush()
        assert heard == []
