"""Central recovers what the hub lost: the EVENTS stream wiped and recreated by an operator, or central
rebuilt from an empty database. The store (played with its own NATS identity) keeps its events, as an
edge's outbox does, and answers central's `sync.resend` and `sync.snapshot` (DESIGN §4)."""

from nats.errors import TimeoutError as NatsTimeout

from shared.contract import subjects
from shared.contract.events import CommandEnvelope, EventEnvelope
from shared.runtime.ids import uuid7
from shared.runtime.streams import ensure_streams
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    STORE_BODY,
    StoreEmitter,
    running_central,
    store_link,
)
from tests.waiting import eventually

STORE = "S003"


class PlayedStore:
    """Keeps every event it wrote (its outbox) and its levels; answers sync commands as the edge does."""

    def __init__(self, link, sku: str):
        self.link, self.sku = link, sku
        self.emitter = StoreEmitter(link, STORE)
        self.journal: list[EventEnvelope] = []
        self.on_hand = 0
        self._sub = None

    async def receive(self, qty: int, publish: bool = True) -> None:
        """A delivery; with publish=False it is written but never reaches the stream (an outage)."""
        self.on_hand += qty
        envelope = self.emitter.event(len(self.journal) + 1, "stock.received", {
            "sku": self.sku, "qty": qty, "reference": f"PO-{len(self.journal) + 1}",
            "stock": [{"sku": self.sku, "on_hand": self.on_hand, "reserved": 0, "damaged": 0}]})
        self.journal.append(envelope)
        if publish:
            await self.emitter.publish(envelope)

    async def heartbeat(self) -> None:
        await self.emitter.heartbeat(last_seq=len(self.journal))

    async def _commands(self):
        if self._sub is None:
            self._sub = await self.link.js.pull_subscribe_bind(subjects.command_consumer(STORE),
                                                               stream=subjects.COMMANDS_STREAM)
        try:
            msgs = await self._sub.fetch(10, timeout=0.3)
        except (NatsTimeout, TimeoutError):  # nats-py raises either when nothing came
            return []
        for msg in msgs:
            await msg.ack()
        return [CommandEnvelope.model_validate_json(m.data) for m in msgs]

    async def drain(self) -> None:
        """Commands left by earlier runs are not for this store's present."""
        while await self._commands():
            pass

    async def answer_until(self, wanted: str, rounds: int = 60) -> CommandEnvelope:
        """Heartbeat and answer commands (as the edge's sync agent) until one of type `wanted` was answered."""
        for _ in range(rounds):
            await self.heartbeat()
            for command in await self._commands():
                if command.type == "sync.resend":
                    for envelope in self.journal[command.payload["from_seq"] - 1:command.payload["to_seq"]]:
                        await self.emitter.publish(envelope)  # the same event, the same Nats-Msg-Id
                elif command.type == "sync.snapshot":
                    envelope = self.emitter.event(len(self.journal) + 1, "stock.snapshot", {
                        "chunk": 1, "chunks": 1,
                        "levels": [{"sku": self.sku, "on_hand": self.on_hand, "reserved": 0, "damaged": 0}]})
                    self.journal.append(envelope)
                    await self.emitter.publish(envelope)
                if command.type == wanted:
                    return command
        raise AssertionError(f"central sent no {wanted}")


async def register(central, sku: str) -> None:
    assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
    assert (await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code in (200, 201)
    await eventually(lambda: not central.service.consumers.outstanding, what="store consumers")


async def network_atp(central, sku: str) -> int:
    return (await central.client.get(f"/v1/atp/{sku}")).json()["network"]["atp"]


class TestEventsStreamWipedAndRecreated:
    async def test_central_gets_the_lost_events_again_by_resend_and_keeps_consuming_the_new_stream(
            self, make_settings, nats_up, central_nats):
        sku = f"WIPE-{uuid7()[-8:]}"
        settings = make_settings(resend_after_s=0.5)
        async with store_link(nats_up, STORE) as link:
            store = PlayedStore(link, sku)
            async with running_central(settings) as central:
                await register(central, sku)
                await store.drain()
                await store.receive(5)
                await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")

            # While central is down, the store publishes two more events; then an operator wipes EVENTS
            # (losing them and central's consumer with it) and recreates it empty.
            await store.receive(2)
            await store.receive(3)
            await central_nats.js.delete_stream(subjects.EVENTS_STREAM)
            await ensure_streams(central_nats.js)

            async with running_central(settings) as central:
                assert central.applied_seq(STORE) == 1
                resend = await store.answer_until("sync.resend")
                assert resend.payload == {"from_seq": 2, "to_seq": 3}
                await eventually(lambda: central.applied_seq(STORE) == 3, what="resent events applied")
                assert central.level(STORE, sku) == (10, 0, 0)

                # the new stream is central's from now on: a live event goes straight through
                await store.receive(1)
                await eventually(lambda: central.applied_seq(STORE) == 4, what="a new event applied")
                await store.heartbeat()
                await eventually(lambda: central.query("SELECT hb_last_seq FROM store_sync WHERE store_id=?",
                                                       STORE)[0][0] == 4, what="heartbeat seen")
                assert (await central.client.get(f"/v1/stores/{STORE}")).json()["fresh"] is True
                assert await network_atp(central, sku) == 11

    async def test_a_running_central_finds_its_consumer_again_after_the_stream_is_recreated(
            self, make_settings, nats_up, central_nats):
        sku = f"LIVE-{uuid7()[-8:]}"
        async with store_link(nats_up, STORE) as link, \
                running_central(make_settings(resend_after_s=0.5)) as central:
            store = PlayedStore(link, sku)
            await register(central, sku)
            await store.drain()
            await store.receive(4)
            await eventually(lambda: central.applied_seq(STORE) == 1, what="seq 1 applied")

            await central_nats.js.delete_stream(subjects.EVENTS_STREAM)
            await ensure_streams(central_nats.js)
            await store.receive(1)  # lands in the new stream, where central has no consumer yet
            await eventually(lambda: central.applied_seq(STORE) == 2, timeout=20,
                             what="the event in the recreated stream applied")
            assert central.level(STORE, sku) == (5, 0, 0)


class TestCentralRebuiltFromAnEmptyDatabase:
    async def test_asks_the_store_for_a_snapshot_and_has_its_stock_again(self, make_settings, nats_up, tmp_path):
        sku = f"REBUILD-{uuid7()[-8:]}"
        async with store_link(nats_up, STORE) as link:
            store = PlayedStore(link, sku)
            async with running_central(make_settings(resend_after_s=0.5)) as central:
                await register(central, sku)
                await store.drain()
                for qty in (5, 2, 1):
                    await store.receive(qty)
                await eventually(lambda: central.applied_seq(STORE) == 3, what="three events applied")

            # The database is lost; central starts again on an empty one and the store is registered again.
            rebuilt = make_settings(db_path=tmp_path / "rebuilt.db", resend_after_s=0.5)
            async with running_central(rebuilt) as central:
                await register(central, sku)
                assert central.level(STORE, sku) is None and await network_atp(central, sku) == 0
                await store.answer_until("sync.snapshot")
                await eventually(lambda: central.applied_seq(STORE) == 4, what="the snapshot applied")
                assert central.level(STORE, sku) == (8, 0, 0)
                epoch = central.query("SELECT epoch FROM store_sync WHERE store_id=?", STORE)[0][0]
                assert epoch == store.emitter.epoch
                await store.heartbeat()
                await eventually(lambda: central.query("SELECT hb_last_seq FROM store_sync WHERE store_id=?",
                                                       STORE)[0][0] == 4, what="heartbeat seen")
                assert await network_atp(central, sku) == 8
