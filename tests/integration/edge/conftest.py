"""Helpers of the edge integration tests: a running agent (app + sync loops) on the test's event loop,
central's consumers for a store, and reading back what reached the EVENTS stream."""

from contextlib import asynccontextmanager
from datetime import datetime, timezone

import httpx
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import BadRequestError

from edge.api.app import create_app
from edge.services.access import AssociateIn, save_associates
from edge.settings import EdgeSettings
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract import subjects
from shared.contract.events import CatalogProduct, EventEnvelope

PIN = "2468"


def store_settings(tmp_path, nats, store_id: str, **overrides) -> EdgeSettings:
    """Settings of a store with an associate A1 and the given products already in its database."""
    settings = EdgeSettings(store_id=store_id, db_path=tmp_path / f"edge-{store_id}.db", nats_url=nats.url,
                            nats_password=nats.password(store_id), **overrides)
    db = open_database(settings.db_path)
    save_associates(db, [AssociateIn(id="A1", name="Ana", pin=PIN)], datetime.now(timezone.utc))
    db.close()
    return settings


def add_products(settings: EdgeSettings, *skus: str) -> None:
    db = open_database(settings.db_path)
    with db.write() as conn:
        for sku in skus:
            upsert_product(conn, CatalogProduct(sku=sku, name=f"Product {sku}", price=100, currency="EUR"))
    db.close()


@asynccontextmanager
async def running_edge(settings: EdgeSettings, *, with_nats: bool = True):
    """The agent as `serve` runs it (lifespan: database, NATS link, sync loops), and a signed-in HTTP client."""
    app = create_app(settings, with_nats=with_nats)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://edge", timeout=30) as http:
            login = await http.post("/v1/login", json={"associate_id": "A1", "pin": PIN})
            http.headers["Authorization"] = f"Bearer {login.json()['token']}"
            yield app, http



async def create_store_consumers(js, store_id: str) -> None:
    """What central does for each store (DESIGN §4): its command and catalog consumers."""
    configs = {
        subjects.COMMANDS_STREAM: ConsumerConfig(durable_name=subjects.command_consumer(store_id),
                                                 filter_subject=subjects.commands(store_id), max_ack_pending=1,
                                                 ack_policy=AckPolicy.EXPLICIT, ack_wait=5),
        subjects.CATALOG_STREAM: ConsumerConfig(durable_name=subjects.catalog_consumer(store_id),
                                                filter_subject=subjects.CATALOG_ALL,
                                                deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
                                                ack_policy=AckPolicy.EXPLICIT, ack_wait=5),
    }
    for stream, config in configs.items():
        try:
            await js.add_consumer(stream, config)
        except BadRequestError:
            pass  # made already by an earlier test, with central's own settings: fine for these tests


async def stored_events(js, store_id: str, epoch: str) -> list[tuple[EventEnvelope, str]]:
    """Every event of this store and epoch in EVENTS, in stream order, with its Nats-Msg-Id."""
    sub = await js.pull_subscribe(subjects.events(store_id), stream=subjects.EVENTS_STREAM,
                                  config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE,
                                                        inactive_threshold=30))
    found = []
    try:
        while True:
            try:
                batch = await sub.fetch(500, timeout=2)
            except TimeoutError:  # nats-py raises either its own or asyncio's; only an empty stream ends the read
                if (await sub.consumer_info()).num_pending == 0:
                    break
                continue
            for msg in batch:
                envelope = EventEnvelope.model_validate_json(msg.data)
                if envelope.epoch == epoch:
                    found.append((envelope, (msg.headers or {}).get("Nats-Msg-Id")))
    finally:
        await sub.unsubscribe()
    return found
