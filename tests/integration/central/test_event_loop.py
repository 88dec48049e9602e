"""Central never blocks its event loop: a batch applies in a worker thread while the API keeps answering."""

import asyncio
import threading

from shared.runtime.ids import uuid7
from tests.integration.central.conftest import StoreEmitter, running_central, store_link
from tests.waiting import eventually

STORE = "S001"
HOLD_S = 30  # bounded, so a regression fails the test instead of hanging it


class TestALongIngestBatch:
    async def test_does_not_stall_healthz_and_commits_once_it_ends(self, make_settings, nats_up):
        tee = f"LOOP-tee-{uuid7()[-8:]}"
        inside_batch, release = threading.Event(), threading.Event()
        batch = {"held": False, "finished": False}
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            follow_orders = central.service.ingest.on_event

            def held_open(conn, store_id, envelope, payload, now) -> None:
                """Called inside the batch's transaction: keep it open until the test lets go."""
                follow_orders(conn, store_id, envelope, payload, now)
                if getattr(payload, "sku", None) == tee:
                    inside_batch.set()
                    batch["held"] = release.wait(HOLD_S)
                    batch["finished"] = True

            central.service.ingest.on_event = held_open
            await StoreEmitter(link, STORE).received(1, tee, 5, on_hand=5)
            assert await asyncio.to_thread(inside_batch.wait, HOLD_S), "the batch never started"

            response = await central.client.get("/healthz", headers={"Authorization": ""})
            still_open = not batch["finished"]
            release.set()

            assert response.status_code == 200 and response.json()["status"] == "ok"
            assert still_open, "/healthz answered only after the batch had ended: ingest blocked the event loop"
            await eventually(lambda: central.applied_seq(STORE) == 1, what="the held batch committed")
            assert batch["held"] and central.level(STORE, tee) == (5, 0, 0)
