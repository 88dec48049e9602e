"""Imported products reach the stores over CATALOG the way a single PUT's product does (DESIGN §4)."""

from shared.contract import subjects
from shared.contract.events import CatalogProduct
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import STORE_BODY, running_central, store_link
from tests.integration.central.test_catalog_and_consumers import STORE, read_catalog
from tests.integration.central.test_imports import imported
from tests.waiting import eventually


async def test_every_imported_product_is_published_to_the_store_catalog_consumer(make_settings, nats_up):
    run = uuid7()[-8:]
    skus = [f"IMP-{run}-{n:04d}" for n in range(600)]  # more than one publisher page
    text = "sku,name,price,currency\n" + "".join(f"{sku},Imported {n},{100 + n},EUR\n" for n, sku in enumerate(skus))
    async with running_central(make_settings()) as central, store_link(nats_up, STORE) as link:
        assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
        await eventually(lambda: not central.service.consumers.outstanding, what="consumers created")
        view = await imported(central, "products", text)
        assert view["rows_applied"] == 600
        await eventually(lambda: central.query("SELECT COUNT(*) FROM products WHERE published_at IS NULL")[0][0] == 0,
                         what="every imported product published")
        wanted = {subjects.catalog_product(sku) for sku in skus}
        seen = await read_catalog(link, lambda s: wanted <= set(s))
        assert wanted <= set(seen)
        last = CatalogProduct.model_validate_json(seen[subjects.catalog_product(skus[-1])])
        assert (last.sku, last.price, last.currency) == (skus[-1], 699, "EUR")
