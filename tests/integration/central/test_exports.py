"""CSV exports through the API: what is in central comes out as CSV, filtered by date, and loads back in."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest

from central.store import receipts
from central.store.exports import ORDER_COLUMNS, RECEIPT_COLUMNS, STOCK_COLUMNS
from shared.contract.events import EventEnvelope, SaleRecorded
from shared.runtime.clock import now_text, to_text, utc_now
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    running_central,
)
from tests.integration.central.test_imports import imported
from tests.integration.central.test_orders_api import feed, order


@pytest.fixture
async def central(tmp_path):
    from central.settings import CentralSettings

    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN)
    async with running_central(settings, with_nats=False) as running:
        for sku in ("TEE", "MUG"):
            await running.client.put(f"/v1/products/{sku}", json={**PRODUCT_BODY, "name": f"{sku}, the best"})
        await feed(running, "DC1", 51.45, -0.3, {"TEE": 10, "MUG": 4})
        yield running


async def exported(central, kind: str, **params) -> list[dict]:
    response = await central.client.get(f"/v1/exports/{kind}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def record_sale(central, number: str, at: datetime, lines: dict[str, int]) -> None:
    """A walk-in sale as ingest records it from the store's event."""
    sale = SaleRecorded(receipt_number=number, currency="EUR", change_due=0, stock=[],
                        lines=[{"sku": s, "qty": q, "unit_price": 500, "tax_rate_bp": 0, "line_total": 500 * q}
                               for s, q in lines.items()],
                        tenders=[{"type": "cash", "amount": 500 * sum(lines.values())}],
                        total=500 * sum(lines.values()))
    envelope = EventEnvelope(id=uuid7(), type="sale.recorded", store_id="S001", epoch="e1", seq=1, occurred_at=at,
                             actor="A1", payload=sale.model_dump())
    with central.service.db.write() as conn:
        receipts.record_sale(conn, "S001", envelope, sale, utc_now())


class TestExports:
    async def test_orders_come_out_one_row_per_line_and_the_date_filter_holds(self, central):
        placed = (await central.client.post("/v1/orders", json=order({"TEE": 2, "MUG": 1}))).json()
        rows = await exported(central, "orders")
        assert list(rows[0]) == list(ORDER_COLUMNS)
        assert [(r["order_id"], r["sku"], r["qty"], r["unit_price"], r["customer_email"]) for r in rows] == [
            (placed["id"], "MUG", "1", "1999", "ada@example.com"), (placed["id"], "TEE", "2", "1999", "ada@example.com")]
        assert await exported(central, "orders", **{"from": to_text(utc_now() + timedelta(minutes=1))}) == []
        assert len(await exported(central, "orders", to=to_text(utc_now() + timedelta(minutes=1)))) == 2

    async def test_receipts_come_out_one_row_per_line_within_the_dates(self, central):
        day = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
        record_sale(central, "S001-000001", day, {"TEE": 1, "MUG": 3})
        record_sale(central, "S001-000002", day + timedelta(days=1), {"TEE": 2})
        rows = await exported(central, "receipts", **{"from": to_text(day), "to": to_text(day + timedelta(hours=1))})
        assert list(rows[0]) == list(RECEIPT_COLUMNS)
        assert [(r["receipt_number"], r["sku"], r["qty"], r["total"]) for r in rows] == [
            ("S001-000001", "TEE", "1", "2000"), ("S001-000001", "MUG", "3", "2000")]
        assert len(await exported(central, "receipts", store="S001")) == 3
        assert await exported(central, "receipts", store="S002") == []

    async def test_exports_need_a_token_and_read_is_enough(self, central):
        made = (await central.client.post("/v1/tokens", json={"name": "bi", "scopes": ["read"]})).json()
        ok = await central.client.get("/v1/exports/stock", headers={"Authorization": f"Bearer {made['token']}"})
        none = await central.client.get("/v1/exports/stock", headers={"Authorization": ""})
        assert (ok.status_code, none.status_code) == (200, 401)


class TestRoundTrips:
    async def test_the_product_export_loads_back_unchanged(self, central):
        await central.client.put("/v1/products/PEN", json={**PRODUCT_BODY, "name": 'Pen, "blue"\nfine',
                                                             "gtin": "4006381333931", "active": False})
        before = (await central.client.get("/v1/exports/products")).text
        await central.client.put("/v1/products/PEN", json={**PRODUCT_BODY, "name": "changed"})
        view = await imported(central, "products", before)
        assert (view["rows_applied"], view["rows_refused"]) == (3, 0)
        assert (await central.client.get("/v1/exports/products")).text == before

    async def test_the_warehouse_stock_export_loads_back_as_a_warehouse_stock_import(self, central):
        exported_rows = (await central.client.get("/v1/exports/stock", params={"node_type": "warehouse"})).text
        assert list(csv.DictReader(io.StringIO(exported_rows)))[0].keys() == set(STOCK_COLUMNS)
        await imported(central, "warehouse-stock", f"node_id,sku,available,as_of\nDC1,TEE,1,{now_text()}\n")
        assert (await central.client.get("/v1/atp/TEE")).json()["network"]["atp"] == 1
        # The same counts again, as of a later time than the export's: they apply.
        later = exported_rows.replace(list(csv.DictReader(io.StringIO(exported_rows)))[0]["as_of"], now_text())
        view = await imported(central, "warehouse-stock", later)
        assert (view["rows_applied"], view["rows_refused"]) == (2, 0)
        assert (await central.client.get("/v1/atp/TEE")).json()["network"]["atp"] == 10

    async def test_an_export_older_than_the_figures_held_is_refused_row_by_row(self, central):
        exported_rows = (await central.client.get("/v1/exports/stock", params={"node_type": "warehouse"})).text
        await imported(central, "warehouse-stock", f"node_id,sku,available,as_of\nDC1,TEE,1,{now_text()}\n")
        view = await imported(central, "warehouse-stock", exported_rows)
        assert (view["rows_applied"], [(r["row"], r["column"]) for r in view["refusals"]]) == (1, [(3, "as_of")])
        assert (await central.client.get("/v1/atp/TEE")).json()["network"]["atp"] == 1
