"""A frozen NATS server (SIGSTOP: sockets open, nothing moves) stops a store's heartbeats; after `stale_after`
(three heartbeat intervals by default) central calls the store stale and stops promising its units, in ATP and in
routing, and takes it back once heartbeats arrive again (DESIGN §4, §5)."""

import asyncio
import contextlib

from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    STORE_BODY,
    StoreEmitter,
    running_central,
    store_link,
)
from tests.waiting import eventually

STORE = "F07"
BEAT_S = 0.3


async def beating(store: StoreEmitter, last_seq: int) -> None:
    while True:
        with contextlib.suppress(Exception):  # a frozen link may refuse or buffer: the store just keeps beating
            await store.heartbeat(last_seq=last_seq)
        await asyncio.sleep(BEAT_S)


async def test_a_store_silent_for_three_heartbeats_is_stale_and_none_of_its_units_are_promised(make_settings,
                                                                                              nats_up):
    sku = f"FRZ-{uuid7()[-8:]}"
    settings = make_settings(stale_after_s=3 * BEAT_S * 2)
    async with running_central(settings) as central, store_link(nats_up, STORE) as link:
        assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
        assert (await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code in (200, 201)
        store = StoreEmitter(link, STORE)
        await store.received(1, sku, 4, on_hand=4)
        beats = asyncio.create_task(beating(store, last_seq=1))
        try:
            async def promised() -> tuple:
                view = (await central.client.get(f"/v1/stores/{STORE}")).json()
                atp = (await central.client.get(f"/v1/atp/{sku}")).json()
                plan = (await central.client.post("/v1/routing/simulate", json={
                    "lines": [{"sku": sku, "qty": 1}], "delivery": {"type": "pickup", "store_id": STORE}})).json()
                return view["fresh"], view["online"], atp["network"]["atp"], plan["outcome"]

            await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")
            assert await eventually(promised) == (True, True, 4, "allocated")

            nats_up.server.freeze()
            try:
                await eventually(lambda: _stale(promised), what="the store stale while NATS is frozen")
                fresh, online, atp, outcome = await promised()
                assert (fresh, online, atp) == (False, False, 0) and outcome != "allocated"
                plan = (await central.client.post("/v1/routing/simulate", json={
                    "lines": [{"sku": sku, "qty": 1}], "delivery": {"type": "pickup", "store_id": STORE}})).json()
                assert str(plan["explanation"]).count("stale") >= 1, plan["explanation"]
            finally:
                nats_up.server.thaw()
            await eventually(lambda: _fresh(promised), what="the store fresh again once heartbeats arrive")
        finally:
            beats.cancel()


async def _stale(promised) -> bool:
    return (await promised())[0] is False


async def _fresh(promised) -> bool:
    return await promised() == (True, True, 4, "allocated")
