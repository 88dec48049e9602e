"""Registering a store creates its consumers; products reach the store over CATALOG (DESIGN §4)."""

from nats.js.api import AckPolicy, DeliverPolicy

from shared.contract import subjects
from shared.contract.events import CatalogPolicy, CatalogProduct
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    STORE_BODY,
    running_central,
    store_link,
)
from tests.waiting import eventually

STORE = "S003"


async def read_catalog(link, until) -> dict[str, bytes]:
    """Everything the store's own catalog consumer delivers, by subject, until `until(seen)` holds."""
    sub = await link.js.pull_subscribe_bind(subjects.catalog_consumer(STORE), stream=subjects.CATALOG_STREAM)
    seen: dict[str, bytes] = {}
    for _ in range(60):
        try:
            for msg in await sub.fetch(50, timeout=0.5):
                seen[msg.subject] = msg.data
                await msg.ack()
        except TimeoutError:  # nats-py raises either its own (a subclass) or asyncio's: an empty fetch either way
            pass
        if until(seen):
            break
    await sub.unsubscribe()
    return seen


class TestStoreRegistration:
    async def test_creates_the_store_consumers_as_the_design_describes(self, make_settings, central_nats):
        async with running_central(make_settings()) as central:
            response = await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)
            assert response.status_code in (200, 201) and response.json()["registered"] is True
            await eventually(lambda: not central.service.consumers.outstanding, what="consumers created")
        commands = await central_nats.js.consumer_info(subjects.COMMANDS_STREAM, subjects.command_consumer(STORE))
        assert commands.config.filter_subject == subjects.commands(STORE)
        assert commands.config.max_ack_pending == 1
        assert commands.config.ack_policy == AckPolicy.EXPLICIT
        assert commands.config.deliver_policy == DeliverPolicy.ALL
        catalog = await central_nats.js.consumer_info(subjects.CATALOG_STREAM, subjects.catalog_consumer(STORE))
        assert catalog.config.filter_subject == subjects.CATALOG_ALL
        assert catalog.config.deliver_policy == DeliverPolicy.LAST_PER_SUBJECT
        assert catalog.config.ack_policy == AckPolicy.EXPLICIT


class TestProducts:
    async def test_a_product_put_reaches_the_store_catalog_consumer_with_the_policy(self, make_settings, nats_up):
        sku = f"CAT tee/{uuid7()[-8:]}"  # a SKU that needs encoding in its subject
        async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
            assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
            await eventually(lambda: not central.service.consumers.outstanding, what="consumers created")
            response = await central.client.put(f"/v1/products/{sku.replace('/', '%2F')}", json=PRODUCT_BODY)
            # a slash cannot stand in a path segment; use a SKU without one for the API check
            assert response.status_code == 404
            sku = sku.replace("/", "-")
            response = await central.client.put(f"/v1/products/{sku}", json={**PRODUCT_BODY, "sku": sku})
            assert response.status_code == 201 and response.json()["published_at"] is None
            await eventually(lambda: central.query("SELECT published_at FROM products WHERE sku=?", sku)[0][0],
                             what="product published")
            subject = subjects.catalog_product(sku)
            seen = await read_catalog(link, lambda s: subject in s and subjects.CATALOG_POLICY in s)
            product = CatalogProduct.model_validate_json(seen[subject])
            assert (product.sku, product.price, product.currency) == (sku, 1999, "EUR")
            CatalogPolicy.model_validate_json(seen[subjects.CATALOG_POLICY])

            # a change is published again; the store sees only the latest version of the subject
            changed = await central.client.put(f"/v1/products/{sku}", json={**PRODUCT_BODY, "price": 2499})
            assert changed.status_code == 200
            await eventually(lambda: central.query("SELECT published_at FROM products WHERE sku=?", sku)[0][0],
                             what="change published")
            seen = await read_catalog(link, lambda s: subject in s)
            assert CatalogProduct.model_validate_json(seen[subject]).price == 2499
