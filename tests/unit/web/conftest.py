"""Both HTTP apps in-process on real SQLite files, without NATS: what a hostile or careless client meets."""

import pytest
from fastapi.testclient import TestClient

from central.api.app import create_app as create_central
from central.settings import CentralSettings
from edge.api.app import create_app as create_edge
from edge.services.access import AssociateIn, save_associates
from edge.settings import EdgeSettings
from edge.store.schema import open_database
from tests.unit.edge.conftest import T0, add_products

ADMIN_TOKEN = "test-admin-7f3a9c2e51b84d06"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def central_settings(tmp_path, **overrides) -> CentralSettings:
    return CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN, **overrides)


def edge_settings(tmp_path, **overrides) -> EdgeSettings:
    settings = EdgeSettings(store_id="S001", store_name="Main Street", db_path=tmp_path / "edge.db",
                            print_dir=tmp_path / "printed", **overrides)
    database = open_database(settings.db_path)
    add_products(database)
    save_associates(database, [AssociateIn(id="A1", name="Ana", pin="2468"),
                               AssociateIn(id="A2", name="Ben", pin="1357"),
                               AssociateIn(id="M1", name="Max", pin="97531", role="manager")], T0)
    database.close()
    return settings


@pytest.fixture
def central(tmp_path):
    with TestClient(create_central(central_settings(tmp_path), with_nats=False)) as client:
        yield client


@pytest.fixture
def edge(tmp_path):
    with TestClient(create_edge(edge_settings(tmp_path), with_nats=False)) as client:
        yield client


def sign_in(client: TestClient, associate_id: str = "A1", pin: str = "2468") -> dict:
    token = client.post("/v1/login", json={"associate_id": associate_id, "pin": pin}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body
