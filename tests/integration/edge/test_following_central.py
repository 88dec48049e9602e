"""What central sends a store, over a real nats-server: the catalog and commands reach the store's database."""

import json
import uuid
from datetime import datetime, timezone

from shared.contract import subjects
from shared.contract.events import CommandEnvelope
from shared.runtime.ids import uuid7
from tests.integration.edge.conftest import (
    create_store_consumers,
    running_edge,
    store_settings,
)
from tests.waiting import eventually

STORE = "S002"


async def products(http, q: str) -> list[dict]:
    return (await http.get("/v1/products", params={"q": q})).json()["items"]


def command(cmd_seq: int) -> CommandEnvelope:
    now = datetime.now(timezone.utc)
    return CommandEnvelope(id=uuid7(), type="fulfilment.cancel", store_id=STORE, cmd_seq=cmd_seq, issued_at=now,
                           payload={"allocation_id": uuid7(), "order_id": "O-1", "reason": "customer"})


def inbox(app) -> dict[str, dict]:
    with app.state.edge.db.read() as conn:
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM commands")}


class TestCatalog:
    async def test_a_product_central_publishes_appears_in_the_store_catalog(self, tmp_path, nats_up, central_nats):
        await create_store_consumers(central_nats.js, STORE)
        sku = f"CAT-{uuid.uuid4().hex[:8]}"
        settings = store_settings(tmp_path, nats_up, STORE)
        async with running_edge(settings) as (app, http):
            product = {"sku": sku, "name": "Linen shirt", "gtin": "4006381333955", "price": 4990, "currency": "EUR",
                       "tax_rate_bp": 1900, "active": True, "a_field_from_a_newer_central": 1}
            await central_nats.js.publish(subjects.catalog_product(sku), json.dumps(product).encode(),
                                          stream=subjects.CATALOG_STREAM)
            await central_nats.js.publish(subjects.CATALOG_POLICY, b'{"pickup_hold_days": 5}',
                                          stream=subjects.CATALOG_STREAM)
            found = await eventually(lambda: products(http, sku), what="product reaches the store")
            assert (found[0]["name"], found[0]["price"], found[0]["gtin"]) == ("Linen shirt", 4990, "4006381333955")

            product["price"] = 3990  # a price change replaces the product
            await central_nats.js.publish(subjects.catalog_product(sku), json.dumps(product).encode(),
                                          stream=subjects.CATALOG_STREAM)
            await eventually(lambda: _price_is(http, sku, 3990), what="price change reaches the store")
            with app.state.edge.db.read() as conn:
                policy = json.loads(conn.execute("SELECT value FROM catalog_settings WHERE key = 'policy'")
                                    .fetchone()["value"])
            assert policy["pickup_hold_days"] == 5


async def _price_is(http, sku: str, price: int) -> bool:
    return [p["price"] for p in await products(http, sku)] == [price]


class TestCommands:
    async def test_a_command_is_recorded_once_even_when_delivered_twice(self, tmp_path, nats_up, central_nats):
        await create_store_consumers(central_nats.js, STORE)
        settings = store_settings(tmp_path, nats_up, STORE)
        cancel = command(1)
        async with running_edge(settings) as (app, http):
            for _ in range(2):  # the same command twice on the stream, as after a lost ack
                await central_nats.js.publish(subjects.commands(STORE), cancel.to_bytes(),
                                              stream=subjects.COMMANDS_STREAM)
            await central_nats.js.publish(subjects.commands(STORE), b'{"not": "a command"}',
                                          stream=subjects.COMMANDS_STREAM)
            later = command(2)
            await central_nats.js.publish(subjects.commands(STORE), later.to_bytes(), stream=subjects.COMMANDS_STREAM)
            await eventually(lambda: later.id in inbox(app), what="commands recorded")
            await eventually(lambda: _consumer_idle(central_nats.js), what="every command acknowledged")
            recorded = inbox(app)
        assert recorded[cancel.id]["type"] == "fulfilment.cancel" and recorded[cancel.id]["cmd_seq"] == 1
        assert json.loads(recorded[cancel.id]["payload"])["reason"] == "customer"
        undeliverable = [r for r in recorded.values() if r["undeliverable_reason"]]
        assert len(undeliverable) == 1 and "malformed" in undeliverable[0]["undeliverable_reason"]
        assert set(recorded) - {r["id"] for r in undeliverable} == {cancel.id, later.id}


async def _consumer_idle(js) -> bool:
    info = await js.consumer_info(subjects.COMMANDS_STREAM, subjects.command_consumer(STORE))
    return info.num_pending == 0 and info.num_ack_pending == 0

