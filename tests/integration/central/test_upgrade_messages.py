"""A store of a newer release talking to this central (DESIGN §12, docs/upgrades.md), over a real nats-server:
fields central does not know are ignored; an event of a type or schema it does not read takes its place without
holding the store's later events, waits in `deferred_events`, and is applied once, by the upgraded central."""

import json
from typing import get_args

from shared.contract import events, subjects
from shared.contract.events import Lenient, StockSnapshot
from shared.contract.models import StockLevel
from tests.integration.central.conftest import StoreEmitter, running_central, store_link
from tests.waiting import eventually

STORE = "S001"


class StockTransferredIn(Lenient):
    """A type of a later release: units sent from another store arrived."""

    sku: str
    qty: int
    from_store: str
    stock: list[StockLevel]


def level(sku: str, on_hand: int) -> dict:
    return {"sku": sku, "on_hand": on_hand, "reserved": 0, "damaged": 0}


def newer(store: StoreEmitter, seq: int, type_: str, payload: dict, schema: int = 1, **envelope_extra) -> bytes:
    """An event as a newer release writes it: its schema, fields this release does not know in the envelope."""
    wire = json.loads(store.event(seq, type_, payload).to_bytes())
    return json.dumps({**wire, "schema": schema, **envelope_extra}).encode()


async def publish_raw(store: StoreEmitter, data: bytes) -> None:
    event_id = json.loads(data)["id"]
    await store.link.js.publish(subjects.events(store.store_id), data, timeout=5, stream=subjects.EVENTS_STREAM,
                                headers={"Nats-Msg-Id": subjects.msg_id(store.store_id, event_id)})


def deferred(central) -> list[tuple[int, str]]:
    return [(r[0], r[1]) for r in central.query("SELECT seq, type FROM deferred_events WHERE store_id=? "
                                                "ORDER BY seq", STORE)]


async def test_a_newer_stores_events_apply_and_what_central_cannot_read_yet_waits_for_its_upgrade(
        make_settings, nats_up, monkeypatch):
    settings = make_settings()
    mug, cup, tee = "UPG-MUG", "UPG-CUP", "UPG-TEE"
    async with store_link(nats_up, STORE) as link:
        store = StoreEmitter(link, STORE)
        async with running_central(settings) as central:
            await store.snapshot(1, {mug: 5, cup: 9})
            # a type this central does not know, carrying levels for MUG and CUP
            await publish_raw(store, newer(store, 2, "stock.transferred_in", {
                "sku": cup, "qty": 3, "from_store": "S002", "stock": [level(mug, 3), level(cup, 7)]}))
            # known types from the newer release: fields this central does not know, in payload and envelope
            await publish_raw(store, newer(store, 3, "stock.adjusted", {
                "sku": mug, "delta": -1, "reason": "shrink", "photo_url": "https://example.com/1.jpg",
                "stock": [{**level(mug, 2), "in_transit": 4}]}, trace_id="abc"))
            # a schema this central does not read yet
            await publish_raw(store, newer(store, 4, "stock.received", {
                "sku": tee, "qty": 6, "reference": "PO-4", "stock": [level(tee, 6)]}, schema=2))
            await store.received(5, cup, 1, on_hand=10)
            # the store's order is not held: seq 5 applies although 2 and 4 wait
            await eventually(lambda: central.applied_seq(STORE) == 5, what="seq 5 applied")
            assert central.level(STORE, mug) == (2, 0, 0)   # seq 3 applied, its unknown fields ignored
            assert central.level(STORE, cup) == (10, 0, 0)
            assert central.level(STORE, tee) is None
            assert deferred(central) == [(2, "stock.transferred_in"), (4, "stock.received")]
            assert central.query("SELECT COUNT(*) FROM dead_letters WHERE store_id=?", STORE)[0][0] == 0

        # The upgrade: the new type is known, and schema 2 is read.
        monkeypatch.setitem(events.EVENT_PAYLOADS, "stock.transferred_in", StockTransferredIn)
        monkeypatch.setattr(events, "SCHEMA", 2)
        async with running_central(settings) as central:
            assert deferred(central) == []
            # seq 2's MUG figure is older than seq 3's and stays; its CUP figure is older than seq 5's too
            assert central.level(STORE, mug) == (2, 0, 0)
            assert central.level(STORE, cup) == (10, 0, 0)
            assert central.level(STORE, tee) is None  # no figure to move: its next event or snapshot sets it
            assert [r[0] for r in central.query("SELECT dead_letter FROM applied_events WHERE store_id=? AND seq IN "
                                                "(2, 4)", STORE)] == [None, None]
            await store.received(6, tee, 1, on_hand=7)
            await eventually(lambda: central.applied_seq(STORE) == 6, what="seq 6 applied after the upgrade")
            assert central.level(STORE, tee) == (7, 0, 0)
        async with running_central(settings) as central:  # applied once: nothing is left to apply again
            assert deferred(central) == []


async def test_a_deferred_event_moves_the_levels_no_later_event_has_set(make_settings, nats_up, monkeypatch):
    settings = make_settings()
    mug, cup = "UPG2-MUG", "UPG2-CUP"
    async with store_link(nats_up, STORE) as link:
        store = StoreEmitter(link, STORE)
        async with running_central(settings) as central:
            await store.snapshot(1, {mug: 5, cup: 9})
            await publish_raw(store, newer(store, 2, "stock.transferred_in", {
                "sku": cup, "qty": 3, "from_store": "S002", "stock": [level(cup, 12)]}))
            await store.received(3, mug, 1, on_hand=6)
            await eventually(lambda: central.applied_seq(STORE) == 3, what="seq 3 applied")
            assert central.level(STORE, cup) == (9, 0, 0)
        monkeypatch.setitem(events.EVENT_PAYLOADS, "stock.transferred_in", StockTransferredIn)
        async with running_central(settings) as central:
            assert central.level(STORE, cup) == (12, 0, 0)  # no later event set CUP: the transfer's figure holds
            assert central.level(STORE, mug) == (6, 0, 0)
            assert deferred(central) == []


async def test_an_event_of_a_newer_release_parked_above_a_gap_waits_for_the_upgrade_once_the_gap_fills(
        make_settings, nats_up):
    cup = "UPG3-CUP"
    async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
        store = StoreEmitter(link, STORE)
        await store.snapshot(1, {cup: 9})
        await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")
        await publish_raw(store, newer(store, 3, "stock.transferred_in", {
            "sku": cup, "qty": 3, "from_store": "S002", "stock": [level(cup, 12)]}))
        await eventually(lambda: len(central.service.ingest.held_arrivals(STORE)) == 1, what="seq 3 parked")
        await store.received(2, cup, 1, on_hand=10)
        await eventually(lambda: central.applied_seq(STORE) == 3, what="the gap filled")
        assert deferred(central) == [(3, "stock.transferred_in")]
        assert central.query("SELECT COUNT(*) FROM dead_letters WHERE store_id=?", STORE)[0][0] == 0
        assert central.level(STORE, cup) == (10, 0, 0)


def test_every_payload_of_the_catalogue_ignores_fields_it_does_not_know():
    """A newer release may add a field to any payload or to anything nested in one."""
    seen: set[type] = set()

    def check(model) -> None:
        if model in seen or not isinstance(model, type) or not hasattr(model, "model_fields"):
            return
        seen.add(model)
        assert model.model_config.get("extra", "ignore") == "ignore", f"{model.__name__} refuses unknown fields"
        for field in model.model_fields.values():
            for inner in _types_in(field.annotation):
                check(inner)

    for model in [*events.EVENT_PAYLOADS.values(), *events.COMMAND_PAYLOADS.values(), events.EventEnvelope,
                  events.CommandEnvelope]:
        check(model)
    assert StockSnapshot in seen and StockLevel in seen and len(seen) > 20


def _types_in(annotation) -> list:
    found = [annotation]
    for arg in get_args(annotation):
        found.extend(_types_in(arg))
    return found
