"""Events sent with one store's own credentials that a well-behaved store never sends: a flood above a gap, and a
second event at a place already filled. One store's trouble never delays another store, nothing committed is lost,
and central recovers without an operator (DESIGN §4)."""

import asyncio
from datetime import datetime, timedelta, timezone

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

FLOODED, CALM = "F06", "F07"


def received(store: StoreEmitter, seq: int, sku: str):
    return store.event(seq, "stock.received", {"sku": sku, "qty": 1, "reference": f"PO-{seq}",
                                               "stock": [{"sku": sku, "on_hand": seq, "reserved": 0, "damaged": 0}]})


async def publish_all(store: StoreEmitter, envelopes, resent: int = 0) -> None:
    for start in range(0, len(envelopes), 200):  # pipelined, in order, as the outbox publisher does
        await asyncio.gather(*(store.publish(e, msg_id=subjects.msg_id(store.store_id, e.id, resent))
                               for e in envelopes[start:start + 200]))


async def commands_of(link, store_id: str, seen: set[str], timeout: float = 0.3) -> list[CommandEnvelope]:
    sub = await link.js.pull_subscribe_bind(subjects.command_consumer(store_id), stream=subjects.COMMANDS_STREAM)
    got = []
    try:
        while True:
            try:
                msgs = await sub.fetch(1, timeout=timeout)
            except NatsTimeout:
                return got
            for msg in msgs:
                command = CommandEnvelope.model_validate_json(msg.data)
                await msg.ack()
                if command.id not in seen:
                    seen.add(command.id)
                    got.append(command)
    finally:
        await sub.unsubscribe()


async def register(central, *store_ids: str) -> None:
    for store_id in store_ids:
        assert (await central.client.put(f"/v1/stores/{store_id}", json=STORE_BODY)).status_code in (200, 201)
    await eventually(lambda: not central.service.consumers.outstanding, what="store consumers created")


async def test_a_flood_above_a_gap_is_parked_bounded_and_recovered_while_another_store_keeps_applying(
        make_settings, nats_up):
    sku, calm_sku = f"FLD-{uuid7()[-8:]}", f"CLM-{uuid7()[-8:]}"
    async with running_central(make_settings(park_limit_per_store=300, resend_after_s=1.5)) as central, \
            store_link(nats_up, FLOODED) as flood_link, store_link(nats_up, CALM) as calm_link:
        await register(central, FLOODED, CALM)
        for s in (sku, calm_sku):
            assert (await central.client.put(f"/v1/products/{s}", json=PRODUCT_BODY)).status_code in (200, 201)
        flooded, calm = StoreEmitter(flood_link, FLOODED), StoreEmitter(calm_link, CALM)
        events = {seq: received(flooded, seq, sku) for seq in range(1, 2301)}
        await publish_all(flooded, [events[1]])
        # Seq 2 never reaches the stream; 2,299 events follow it, more than the shared consumer lets wait unacked.
        await publish_all(flooded, [events[seq] for seq in range(3, 2301)])
        for seq in (1, 2, 3):
            await calm.received(seq, calm_sku, 1, on_hand=seq)
        await eventually(lambda: central.applied_seq(CALM) == 3, what="the calm store's events applied")
        await eventually(lambda: central.query("SELECT parked_dropped FROM store_sync WHERE store_id=?",
                                               FLOODED)[0][0] == 2298 - 300, what="the flood past the bound dropped")
        assert central.applied_seq(FLOODED) == 1
        parked = central.service.ingest.held_arrivals(FLOODED)
        assert [a.seq for a in parked] == list(range(3, 303))  # the ones needed first are kept

        # The store answers what central asks, as an edge does: the rows again, each send with its own id.
        await flooded.heartbeat(last_seq=2300)
        seen: set[str] = set()

        async def answer_resends() -> bool:
            for command in await commands_of(flood_link, FLOODED, seen):
                if command.type == "sync.resend":
                    wanted = range(command.payload["from_seq"], command.payload["to_seq"] + 1)
                    await publish_all(flooded, [events[s] for s in wanted], resent=len(seen))
            await flooded.heartbeat(last_seq=2300)
            return central.applied_seq(FLOODED) == 2300

        await eventually(answer_resends, timeout=60, what="the flooded store recovered by resends")
        assert central.level(FLOODED, sku) == (2300, 0, 0)
        assert central.service.ingest.held_arrivals(FLOODED) == []
        ids = dict(central.query("SELECT seq, event_id FROM applied_events WHERE store_id=? AND epoch=?",
                                 FLOODED, flooded.epoch))
        assert ids == {seq: e.id for seq, e in events.items()}  # every event once, each the store's own


async def test_two_events_at_one_place_are_a_conflict_kept_flagged_and_answered_by_a_snapshot(make_settings,
                                                                                              nats_up):
    sku = f"CNF-{uuid7()[-8:]}"
    async with running_central(make_settings()) as central, store_link(nats_up, FLOODED) as link:
        await register(central, FLOODED)
        store = StoreEmitter(link, FLOODED)
        first = await store.received(1, sku, 5, on_hand=5)
        sale = await store.emit(2, "stock.adjusted", {"sku": sku, "delta": -1, "reason": "sold", "stock": [
            {"sku": sku, "on_hand": 4, "reserved": 0, "damaged": 0}]})
        await eventually(lambda: central.applied_seq(FLOODED) == 2, what="seq 2 applied")
        # A second publisher in the same epoch (a cloned PC): its own seq 2 and a copy of seq 1.
        clone = await store.emit(2, "stock.adjusted", {"sku": sku, "delta": -2, "reason": "sold", "stock": [
            {"sku": sku, "on_hand": 3, "reserved": 0, "damaged": 0}]})
        await store.publish(first, msg_id=subjects.msg_id(FLOODED, first.id, 1))  # the same event again: no conflict
        seen: set[str] = set()
        commands = await eventually(lambda: _snapshot_asked(link, seen), what="a snapshot asked")
        assert [c.type for c in commands] == ["sync.snapshot"]
        view = (await central.client.get(f"/v1/stores/{FLOODED}")).json()
        assert view["conflicts"] == 1 and view["last_conflict_at"] is not None
        assert [tuple(r) for r in central.query("SELECT seq, event_id, applied_event_id FROM event_conflicts "
                                                 "WHERE store_id=?", FLOODED)] == [(2, clone.id, sale.id)]
        assert central.query("SELECT event_id FROM applied_events WHERE store_id=? AND seq=2", FLOODED)[0][0] == sale.id
        page = (await central.client.get(f"/v1/stores/{FLOODED}/conflicts")).json()
        assert [(c["seq"], c["event_id"], c["met_event_id"], c["type"]) for c in page["items"]] == [
            (2, clone.id, sale.id, "stock.adjusted")]
        assert '"delta":-2' in page["items"][0]["event"].replace(" ", "") and page["next_cursor"] is None
        # The store's snapshot settles the levels; the conflict stays on record.
        await store.snapshot(3, {sku: 3})
        await eventually(lambda: central.level(FLOODED, sku) == (3, 0, 0), what="the snapshot applied")
        assert (await central.client.get(f"/v1/stores/{FLOODED}")).json()["conflicts"] == 1


async def _snapshot_asked(link, seen: set[str]) -> list[CommandEnvelope]:
    return await commands_of(link, FLOODED, seen)


async def test_events_of_an_epoch_never_opened_wait_aside_and_ask_for_nothing(make_settings, nats_up):
    sku = f"EPO-{uuid7()[-8:]}"
    async with running_central(make_settings(park_limit_per_store=20)) as central, \
            store_link(nats_up, FLOODED) as link:
        await register(central, FLOODED)
        store = StoreEmitter(link, FLOODED)
        await store.received(1, sku, 1, on_hand=1)
        await store.heartbeat(last_seq=1)
        bogus = StoreEmitter(link, FLOODED)  # an epoch no snapshot ever opens, sent with the store's identity
        await publish_all(bogus, [received(bogus, seq, sku) for seq in range(2, 60)])
        for seq in (2, 3):
            await store.received(seq, sku, 1, on_hand=seq)
        await store.heartbeat(last_seq=3)
        await eventually(lambda: central.applied_seq(FLOODED) == 3, what="the store's own events applied")
        assert len(central.service.ingest.held_arrivals(FLOODED)) == 20  # bounded
        later = datetime.now(timezone.utc)
        for hours in (1, 2):  # long past resend_after: a snapshot would be due by now
            assert central.service.resync.check(later + timedelta(hours=hours)) == 0
        assert [c.type for c in await commands_of(link, FLOODED, set())] == []
        assert central.level(FLOODED, sku) == (3, 0, 0)
