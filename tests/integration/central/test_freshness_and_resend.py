"""Freshness, ATP and resend requests with a store heard over real NATS (DESIGN §4, §5)."""

import json

from nats.errors import TimeoutError as NatsTimeout

from shared.contract import subjects
from shared.contract.events import CommandEnvelope
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    STORE_BODY,
    StoreEmitter,
    running_central,
    store_link,
)
from tests.waiting import eventually

STORE = "S002"


async def register(central, sku: str) -> None:
    assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
    assert (await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code in (200, 201)


async def store_view(central) -> dict:
    response = await central.client.get(f"/v1/stores/{STORE}")
    assert response.status_code == 200
    return response.json()


async def fetch_commands(link, want: int = 1) -> list[CommandEnvelope]:
    sub = await link.js.pull_subscribe_bind(subjects.command_consumer(STORE), stream=subjects.COMMANDS_STREAM)
    got = []
    for _ in range(40):
        try:
            msgs = await sub.fetch(1, timeout=0.5)
        except NatsTimeout:
            continue
        for msg in msgs:
            got.append(CommandEnvelope.model_validate_json(msg.data))
            await msg.ack()
        if len(got) >= want:
            break
    await sub.unsubscribe()
    return got


class TestAtpOfAFreshStore:
    async def test_a_received_delivery_shows_in_the_network_atp(self, make_settings, nats_up):
        sku = f"ATP-{uuid7()[-8:]}"
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            await register(central, sku)
            store = StoreEmitter(link, STORE)
            await store.received(1, sku, 12, on_hand=12, reserved=2)
            await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")
            await store.heartbeat(last_seq=1)
            await eventually(lambda: central.service.heartbeats.received, what="a heartbeat")
            response = await central.client.get(f"/v1/atp/{sku}")
            assert response.status_code == 200
            body = response.json()
            assert body["network"] == {"atp": 10, "on_hand": 12, "reserved": 2}
            [node] = body["nodes"]
            assert (node["node_id"], node["type"], node["fresh"], node["atp"]) == (STORE, "store", True, 10)
            # what a store's `omni.req.<store>.atp` request is answered with
            assert central.service.responder.answer_atp(json.dumps({"sku": sku}).encode()) == body
            assert central.service.responder.answer_atp(b'{"sku": "NO-SUCH-SKU"}')["code"] == "unknown_sku"
            assert central.service.responder.answer_atp(b'{"item": 1}')["code"] == "validation_error"

    async def test_a_store_asks_central_for_atp_over_nats_request_reply(self, make_settings, nats_up):
        sku = f"REQ-{uuid7()[-8:]}"
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            await register(central, sku)
            body = (await central.client.get(f"/v1/atp/{sku}")).json()
            reply = await link.nc.request(subjects.atp_request(STORE), json.dumps({"sku": sku}).encode(), timeout=3)
            assert json.loads(reply.data) == body


class TestStoreWithMissingEvents:
    async def test_is_not_fresh_and_is_asked_to_resend_once_the_gap_outlasts_resend_after(self, make_settings,
                                                                                          nats_up):
        sku = f"GAP-{uuid7()[-8:]}"
        async with running_central(make_settings(resend_after_s=1)) as central, store_link(nats_up, STORE) as link:
            await register(central, sku)
            await eventually(lambda: not central.service.consumers.outstanding, what="store consumers created")
            store = StoreEmitter(link, STORE)
            await store.received(1, sku, 5, on_hand=5)
            await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")
            await store.heartbeat(last_seq=1)
            await eventually(lambda: central.service.heartbeats.received >= 1, what="first heartbeat")
            assert (await store_view(central))["fresh"] is True

            # The store wrote seq 2 and 3, but they never reached the stream.
            await store.heartbeat(last_seq=3)
            await eventually(lambda: central.service.heartbeats.received >= 2, what="second heartbeat")
            view = await store_view(central)
            assert view["fresh"] is False and view["online"] is True and view["last_seq"] == 3
            assert (await central.client.get(f"/v1/atp/{sku}")).json()["network"]["atp"] == 0

            commands = await fetch_commands(link)
            resend = [c for c in commands if c.type == "sync.resend"]
            assert resend and resend[0].payload == {"from_seq": 2, "to_seq": 3}
            await eventually(lambda: central.query("SELECT published_at FROM command_outbox WHERE id=?",
                                                   resend[0].id)[0][0], what="command marked published")

            await store.received(2, sku, 1, on_hand=6)
            await store.received(3, sku, 1, on_hand=7)
            await eventually(lambda: central.applied_seq(STORE) == 3, what="resent events applied")
            assert (await store_view(central))["fresh"] is True
            assert (await central.client.get(f"/v1/atp/{sku}")).json()["network"]["atp"] == 7
