"""Fixtures of the edge unit tests: a real store database in tmp_path, with a small catalog."""

from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.services.access import AssociateIn, save_associates
from edge.settings import EdgeSettings
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct

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


@pytest.fixture
def client(tmp_path):
    """The real app on a real database, without NATS (offline from the start); A1 associate, M1 manager."""
    settings = EdgeSettings(store_id="S001", store_name="Main Street", db_path=tmp_path / "edge.db")
    database = open_database(settings.db_path)
    add_products(database)
    save_associates(database, [AssociateIn(id="A1", name="Ana", pin="2468"),
                               AssociateIn(id="M1", name="Max", pin="97531", role="manager")], T0)
    database.close()
    with TestClient(create_app(settings, with_nats=False)) as client:
        yield client


@pytest.fixture
def signed_in(client):
    token = client.post("/v1/login", json={"associate_id": "A1", "pin": "2468"}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body
