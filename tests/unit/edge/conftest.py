"""Fixtures of the edge unit tests: a real store database in tmp_path, with a small catalog."""

from datetime import datetime, timezone

import pytest

from edge.db import open_database
from edge.products import upsert_product
from shared.events import CatalogProduct

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

CATALOG = [
    CatalogProduct(sku="TEE-RED-M", name="T-shirt red M", gtin="4006381333931", price=1990, currency="EUR",
                   tax_rate_bp=1900),
    CatalogProduct(sku="TEE-BLU-M", name="T-shirt blue M", gtin="4006381333948", price=1990, currency="EUR"),
    CatalogProduct(sku="MUG-01", name="Mug 'Morning'", price=890, currency="EUR"),
    CatalogProduct(sku="SOCK_50%", name="Socks 50% wool", price=590, currency="EUR"),
]


def add_products(db, products=CATALOG) -> None:
    with db.write() as conn:
        for product in products:
            upsert_product(conn, product)


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "edge-S001.db")
    add_products(database)
    yield database
    database.close()
