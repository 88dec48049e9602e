"""A store and head office upgrading from the previous release: their databases, as that release wrote them
(tests/fixtures/previous_release, built by make.py from the release's own code), migrate forward on start after
a backup, keep every row, and the parts serve from them."""

import shutil
import sqlite3
from pathlib import Path

from fastapi.testclient import TestClient

from central.api.app import create_app as create_central
from central.settings import CentralSettings
from central.store.schema import MIGRATIONS as CENTRAL_MIGRATIONS
from central.store.schema import open_database as open_central
from edge.api.app import create_app as create_edge
from edge.settings import EdgeSettings
from edge.store.schema import MIGRATIONS as EDGE_MIGRATIONS
from edge.store.schema import open_database as open_edge
from shared.runtime.sqlite import upgrade_backups

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "previous_release"
ADMIN = "previous-release-admin-4c1e9b"


def released(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(FIXTURES / name, target)
    return target


def schema_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def counts(path: Path, tables: list[str]) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    finally:
        conn.close()


EDGE_ROWS = ["sales", "sale_lines", "sale_tenders", "returns", "fulfilments", "outbox", "commands", "stock",
             "stock_ledger", "associates"]
CENTRAL_ROWS = ["orders", "allocations", "store_receipts", "receipt_returns", "levels", "command_outbox",
                "store_sync", "nodes", "products"]


def test_the_fixtures_are_a_previous_release_with_real_rows():
    assert schema_of(FIXTURES / "edge.db") < len(EDGE_MIGRATIONS)
    assert schema_of(FIXTURES / "central.db") < len(CENTRAL_MIGRATIONS)
    edge, central = counts(FIXTURES / "edge.db", EDGE_ROWS), counts(FIXTURES / "central.db", CENTRAL_ROWS)
    assert all(edge[t] > 0 for t in ["sales", "returns", "fulfilments"]), edge
    assert all(central[t] > 0 for t in ["orders", "allocations", "store_receipts"]), central


def test_a_store_database_of_the_previous_release_migrates_after_a_backup_and_keeps_every_row(tmp_path):
    path = released(tmp_path, "edge.db")
    old, before = schema_of(path), counts(path, EDGE_ROWS)
    open_edge(path).close()
    assert schema_of(path) == len(EDGE_MIGRATIONS)
    assert counts(path, EDGE_ROWS) == before
    [backup] = upgrade_backups(path)
    assert f".schema-{old}-to-{len(EDGE_MIGRATIONS)}." in backup.name
    assert schema_of(backup) == old and counts(backup, EDGE_ROWS) == before
    open_edge(path).close()  # nothing left to run: no second backup
    assert upgrade_backups(path) == [backup]


def test_a_central_database_of_the_previous_release_migrates_after_a_backup_and_keeps_every_row(tmp_path):
    path = released(tmp_path, "central.db")
    old, before = schema_of(path), counts(path, CENTRAL_ROWS)
    open_central(path).close()
    assert schema_of(path) == len(CENTRAL_MIGRATIONS)
    assert counts(path, CENTRAL_ROWS) == before
    [backup] = upgrade_backups(path)
    assert f".schema-{old}-to-{len(CENTRAL_MIGRATIONS)}." in backup.name and schema_of(backup) == old


def test_the_store_agent_starts_on_the_previous_release_database_and_serves_its_sale(tmp_path):
    settings = EdgeSettings(store_id="S001", store_name="Main Street", db_path=released(tmp_path, "edge.db"))
    with TestClient(create_edge(settings, with_nats=False)) as client:
        token = client.post("/v1/login", json={"associate_id": "A1", "pin": "2468"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        sale = client.get("/v1/sales/S001-000001")
        assert sale.status_code == 200, sale.text
        assert [line["qty"] for line in sale.json()["lines"]] == [2]
        # 10 received, 2 sold, 1 back as damaged, 1 reserved for the accepted pickup
        stock = client.get("/v1/stock/MUG-01").json()
        assert (stock["on_hand"], stock["reserved"], stock["damaged"]) == (8, 1, 1)
        pickups = client.get("/v1/fulfilments", params={"type": "pickup"})
        assert pickups.status_code == 200 and len(pickups.json()["items"]) == 1, pickups.text
        assert client.post("/v1/sales", json={"lines": [{"sku": "MUG-01", "qty": 1}],
                                              "tenders": [{"type": "cash", "amount": 890}]}).status_code == 201


def test_central_starts_on_the_previous_release_database_and_serves_its_orders(tmp_path):
    settings = CentralSettings(db_path=released(tmp_path, "central.db"), admin_token=ADMIN)
    with TestClient(create_central(settings, with_nats=False)) as client:
        client.headers["Authorization"] = f"Bearer {ADMIN}"
        orders = client.get("/v1/orders")
        assert orders.status_code == 200, orders.text
        assert len(orders.json()["items"]) == 2
        for order in orders.json()["items"]:
            one = client.get(f"/v1/orders/{order['id']}")
            assert one.status_code == 200, one.text
        assert client.get("/v1/atp/MUG-01").status_code == 200
