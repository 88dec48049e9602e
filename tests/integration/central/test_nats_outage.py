"""Central keeps answering while NATS is down and catches up once it is back (DESIGN §1, §4)."""

from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    STORE_BODY,
    StoreEmitter,
    running_central,
    store_link,
)
from tests.waiting import eventually

STORE = "S004"


class TestNatsOutage:
    async def test_the_api_answers_during_the_outage_and_everything_catches_up_after(self, make_settings, nats_up):
        sku = f"OUT-{uuid7()[-8:]}"
        async with running_central(make_settings()) as central:
            async with store_link(nats_up, STORE) as link:
                store = StoreEmitter(link, STORE)
                await store.received(1, sku, 3, on_hand=3)
                await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")
            nats_up.stop()
            try:
                await eventually(lambda: not central.service.link.online, what="central notices the outage")
                health = await central.client.get("/healthz")
                assert health.status_code == 200 and health.json()["nats"] == "offline"
                assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
                assert (await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code == 201
                atp = await central.client.get(f"/v1/atp/{sku}")
                assert atp.status_code == 200 and atp.json()["nodes"][0]["on_hand"] == 3
                assert central.query("SELECT published_at FROM products WHERE sku=?", sku)[0][0] is None
            finally:
                nats_up.start()
            await eventually(lambda: central.service.link.online, timeout=20, what="central reconnects")
            await eventually(lambda: central.query("SELECT published_at FROM products WHERE sku=?", sku)[0][0],
                             timeout=20, what="the product saved during the outage is published")
            await eventually(lambda: not central.service.consumers.outstanding, what="consumers created")
            async with store_link(nats_up, STORE) as link:
                store.link = link
                await store.received(2, sku, 2, on_hand=5)
                await eventually(lambda: central.applied_seq(STORE) == 2, timeout=20, what="seq 2 after the outage")
            assert central.level(STORE, sku) == (5, 0, 0)
            assert (await central.client.get("/healthz")).json()["nats"] == "online"
