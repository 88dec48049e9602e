"""Ingest of a store's events (DESIGN §4): once each, in seq order, epochs superseding, watermarks back."""

import asyncio
import json

from nats.js.errors import NotFoundError

from shared.contract import subjects
from shared.contract.events import AppliedWatermark
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    StoreEmitter,
    running_central,
    store_link,
)
from tests.waiting import eventually

STORE = "S001"


def sku(name: str) -> str:
    return f"ING-{name}-{uuid7()[-8:]}"


class TestEventsApplyOnce:
    async def test_a_repeat_published_under_another_message_id_is_skipped(self, make_settings, nats_up):
        tee, mug = sku("tee"), sku("mug")
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            store = StoreEmitter(link, STORE)
            first = await store.received(1, tee, 10, on_hand=10)
            await store.emit(2, "stock.adjusted", {"sku": tee, "delta": -3, "reason": "shrink",
                                                   "stock": [{"sku": tee, "on_hand": 7, "reserved": 0, "damaged": 0}]})
            await eventually(lambda: central.applied_seq(STORE) == 2, what="seq 2 applied")
            await store.publish(first, msg_id=f"{STORE}:{uuid7()}")  # the same event, stored a second time
            await store.received(3, mug, 4, on_hand=4)
            await eventually(lambda: central.applied_seq(STORE) == 3, what="seq 3 applied")
            assert central.level(STORE, tee) == (7, 0, 0)
            assert central.level(STORE, mug) == (4, 0, 0)

    async def test_events_delivered_again_after_a_restart_are_not_applied_twice(self, make_settings, nats_up,
                                                                                 central_nats):
        tee, mug = sku("tee"), sku("mug")
        settings = make_settings()
        async with store_link(nats_up, STORE) as link:
            store = StoreEmitter(link, STORE)
            async with running_central(settings) as central:
                await store.received(1, tee, 10, on_hand=10)
                await store.received(2, tee, 5, on_hand=15)
                await eventually(lambda: central.applied_seq(STORE) == 2, what="seq 2 applied")
            # The consumer is lost with its acks: everything in EVENTS is delivered again from the start.
            try:
                await central_nats.js.delete_consumer(subjects.EVENTS_STREAM, subjects.CENTRAL_INGEST)
            except NotFoundError:
                pass
            async with running_central(settings) as central:
                await store.received(3, mug, 1, on_hand=1)
                await eventually(lambda: central.applied_seq(STORE) == 3, what="seq 3 applied after restart")
                assert central.level(STORE, tee) == (15, 0, 0)
                assert central.query("SELECT COUNT(*) FROM dead_letters WHERE store_id=?", STORE)[0][0] == 0


class TestOrder:
    async def test_events_after_a_gap_wait_and_apply_once_it_fills(self, make_settings, nats_up):
        tee = sku("tee")
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            store = StoreEmitter(link, STORE)
            await store.received(1, tee, 1, on_hand=1)
            await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")
            later = [store.event(3, "stock.received", {"sku": tee, "qty": 1, "reference": "PO-3", "stock": [
                {"sku": tee, "on_hand": 3, "reserved": 0, "damaged": 0}]}),
                     store.event(4, "stock.received", {"sku": tee, "qty": 1, "reference": "PO-4", "stock": [
                         {"sku": tee, "on_hand": 4, "reserved": 0, "damaged": 0}]})]
            for envelope in reversed(later):
                await store.publish(envelope)
            await eventually(lambda: len(central.service.ingest.held_arrivals(STORE)) == 2, what="3 and 4 held")
            assert central.applied_seq(STORE) == 1 and central.level(STORE, tee) == (1, 0, 0)
            await store.received(2, tee, 1, on_hand=2)
            await eventually(lambda: central.applied_seq(STORE) == 4, what="the gap filled")
            assert central.level(STORE, tee) == (4, 0, 0)
            assert central.service.ingest.held_arrivals(STORE) == []

    async def test_a_malformed_event_is_dead_lettered_and_counts_as_filled(self, make_settings, nats_up):
        tee = sku("tee")
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            store = StoreEmitter(link, STORE)
            await store.emit(1, "stock.received", {"sku": tee})  # no qty, no stock
            await store.emit(2, "stock.teleported", {"sku": tee})  # a type only a newer release knows
            await store.received(3, tee, 2, on_hand=2)
            await eventually(lambda: central.applied_seq(STORE) == 3, what="seq 3 applied")
            reasons = [r[0] for r in central.query(
                "SELECT reason FROM dead_letters WHERE epoch=? ORDER BY seq", store.epoch)]
            assert len(reasons) == 1 and "stock.received" in reasons[0]
            # not a dead letter: it waits for central's upgrade (test_upgrade_messages.py)
            assert [r[0] for r in central.query("SELECT seq FROM deferred_events WHERE epoch=?", store.epoch)] == [2]
            assert central.level(STORE, tee) == (2, 0, 0)


class TestEpochs:
    async def test_a_new_epoch_opened_by_a_snapshot_replaces_the_old_levels(self, make_settings, nats_up):
        tee, mug, cap = sku("tee"), sku("mug"), sku("cap")
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            old = StoreEmitter(link, STORE)
            await old.received(1, tee, 5, on_hand=5)
            await old.received(2, mug, 3, on_hand=3)
            await eventually(lambda: central.applied_seq(STORE) == 2, what="old epoch applied")
            new = StoreEmitter(link, STORE)  # the store PC was replaced: a new epoch, opening with a snapshot
            await new.snapshot(1, {tee: 2, cap: 6}, chunk=1, chunks=2)
            await new.snapshot(2, {cap: 7}, chunk=2, chunks=2)
            await old.received(3, mug, 1, on_hand=4)  # a late event of the superseded epoch
            await new.received(3, tee, 1, on_hand=3)
            await eventually(lambda: central.query("SELECT epoch, applied_seq FROM store_sync WHERE store_id=?",
                                                   STORE)[0][:] == (new.epoch, 3), what="new epoch at seq 3")
            assert central.level(STORE, tee) == (3, 0, 0)
            assert central.level(STORE, cap) == (7, 0, 0)
            assert central.level(STORE, mug) is None


class TestWatermark:
    async def test_the_applied_watermark_comes_back_on_the_store_ack_subject(self, make_settings, nats_up):
        tee = sku("tee")
        marks: list[AppliedWatermark] = []
        async with running_central(make_settings()), store_link(nats_up, STORE) as link:
            store = StoreEmitter(link, STORE)

            async def on_ack(msg):
                marks.append(AppliedWatermark.model_validate(json.loads(msg.data)))

            await link.nc.subscribe(subjects.applied_ack(STORE), cb=on_ack)
            await store.received(1, tee, 1, on_hand=1)
            await store.received(2, tee, 1, on_hand=2)
            await eventually(lambda: any(m.epoch == store.epoch and m.applied_seq == 2 for m in marks),
                             what="watermark 2 on omni.ack")
            count = len(marks)
            await eventually(lambda: len(marks) > count, what="the watermark repeated every ack_interval")
            assert marks[-1].epoch == store.epoch and marks[-1].applied_seq == 2

            # The highest receipt and return numbers come back too (a restored database carries on above them).
            level = [{"sku": tee, "on_hand": 1, "reserved": 0, "damaged": 0}]
            await store.publish(store.event(3, "sale.recorded", {
                "receipt_number": f"{STORE}-000345", "currency": "EUR", "total": 100, "change_due": 0,
                "lines": [{"sku": tee, "qty": 1, "unit_price": 100, "tax_rate_bp": 0, "line_total": 100}],
                "tenders": [{"type": "cash", "amount": 100}], "stock": level}))
            await store.publish(store.event(4, "return.recorded", {
                "return_number": f"{STORE}-R000012", "original": {}, "currency": "EUR", "refunds": [],
                "lines": [{"sku": tee, "qty": 1, "reason": "x", "disposition": "restock", "refund": 100}],
                "stock": level}))
            await eventually(lambda: marks[-1].applied_seq == 4 and marks[-1].numbers == {"receipt": 345, "return": 12},
                             what="the numbers in the watermark")
            await asyncio.sleep(0)


class TestWhatAStoreCannotDo:
    async def test_an_event_claiming_another_store_is_dead_lettered_and_takes_no_place(self, make_settings, nats_up):
        tee = sku("tee")
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            store = StoreEmitter(link, STORE)
            forged = store.event(1, "stock.received", {"sku": tee, "qty": 9, "reference": "x", "stock": [
                {"sku": tee, "on_hand": 9, "reserved": 0, "damaged": 0}]}).model_copy(update={"store_id": "S002"})
            await store.publish(forged, msg_id=f"S002:{forged.id}")
            await store.received(1, tee, 1, on_hand=1)
            await eventually(lambda: central.applied_seq(STORE) == 1, what="the store's own seq 1 applied")
            [reason] = [r[0] for r in central.query("SELECT reason FROM dead_letters WHERE epoch=?", store.epoch)]
            assert "does not match" in reason
            assert central.level(STORE, tee) == (1, 0, 0) and central.level("S002", tee) is None


class TestHeartbeats:
    async def test_a_store_heard_but_not_registered_is_listed_as_unregistered(self, make_settings, nats_up):
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            store = StoreEmitter(link, STORE)
            await store.heartbeat(last_seq=0)
            await eventually(lambda: central.service.heartbeats.received, what="a heartbeat")
            items = (await central.client.get("/v1/stores")).json()["items"]
            [listed] = [s for s in items if s["id"] == STORE]
            assert (listed["id"], listed["registered"], listed["online"], listed["version"]) == (
                STORE, False, True, "test")
            assert abs(listed["clock_skew_ms"]) < 5000
