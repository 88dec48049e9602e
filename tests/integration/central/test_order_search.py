"""Finding things: orders by their customer's email, phone or name with status, store, channel and dates, page by
page; the plans SQLite makes for those searches (an index, never a read of every order); a store's receipts by
date."""

from datetime import datetime, timedelta, timezone

import pytest

from central.api.routes.orders import OrderBody
from central.settings import CentralSettings
from central.store.order_search import search_plan
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    running_central,
)
from tests.integration.central.test_orders_api import LONDON, feed
from tests.integration.central.test_reports import Store

T0 = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
CUSTOMERS = [
    {"name": "Ada Lovelace", "email": "Ada@Example.com", "phone": "+44 20 7946 0000"},
    {"name": "Alan Turing", "email": "alan@example.com", "phone": "+44 (20) 7946-0001"},
    {"name": "ada byron", "email": "byron@example.com"},
    {"name": "Grace Hopper", "email": "grace@example.com", "phone": "+1 555.0100"},
    {"name": "Ängel Ölsen", "email": "ÄNGEL@example.com"},
]


@pytest.fixture(scope="module")
async def central(tmp_path_factory):
    settings = CentralSettings(db_path=tmp_path_factory.mktemp("search") / "central.db", admin_token=ADMIN_TOKEN)
    async with running_central(settings, with_nats=False) as running:
        assert (await running.client.put("/v1/products/TEE", json=PRODUCT_BODY)).status_code == 201
        await feed(running, "DC1", 51.45, -0.3, {"TEE": 100})
        for n, customer in enumerate(CUSTOMERS * 3):  # three orders of each customer
            body = OrderBody.model_validate({"channel": "app" if n % 2 else "web", "customer": customer,
                                             "delivery": LONDON, "lines": [{"sku": "TEE", "qty": 1}]})
            status, _ = running.service.orders.place(body.model_dump(mode="json"), None, T0 + timedelta(days=n))
            assert status == 201
        yield running


async def found(central, **params) -> list[dict]:
    response = await central.client.get("/v1/orders", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


class TestFindingOrders:
    async def test_by_email_in_any_case(self, central):
        orders = await found(central, email="ADA@example.COM")
        assert len(orders) == 3 and {o["customer"]["name"] for o in orders} == {"Ada Lovelace"}

    async def test_by_phone_written_any_way(self, central):
        assert len(await found(central, phone="+442079460001")) == 3
        assert len(await found(central, phone="+44 20 7946-0000")) == 3
        assert await found(central, phone="+44 20 7946 9999") == []

    async def test_by_the_start_of_the_name_in_any_case(self, central):
        orders = await found(central, name="ADA")
        assert {o["customer"]["name"] for o in orders} == {"Ada Lovelace", "ada byron"} and len(orders) == 6
        assert await found(central, name="Lovelace") == []

    async def test_letters_beyond_a_to_z_keep_their_case_as_sqlite_compares_them(self, central):
        assert len(await found(central, name="ÄNGEL ö")) == 0
        assert len(await found(central, name="ÄNGEL Ö")) == 3
        assert len(await found(central, email="Ängel@EXAMPLE.com")) == 3

    async def test_with_channel_status_store_and_dates_together(self, central):
        orders = await found(central, name="a", channel="app", status="in_fulfilment", store="DC1",
                             created_from=(T0 + timedelta(days=1)).isoformat(),
                             created_to=(T0 + timedelta(days=6)).isoformat())
        # Days 1..5, app: orders 1 (Alan), 3 (Grace: not "a"), 5 (Ada Lovelace); newest first.
        assert [o["customer"]["name"] for o in orders] == ["Ada Lovelace", "Alan Turing"]
        assert await found(central, email="ada@example.com", store="S999") == []

    async def test_page_by_page_newest_first_without_repeats(self, central):
        first = (await central.client.get("/v1/orders", params={"name": "ada", "limit": 4})).json()
        second = (await central.client.get("/v1/orders", params={"name": "ada", "limit": 4,
                                                                  "cursor": first["next_cursor"]})).json()
        ids = [o["id"] for o in first["items"] + second["items"]]
        assert len(first["items"]) == 4 and len(second["items"]) == 2 and second["next_cursor"] is None
        assert ids == sorted(ids, reverse=True) and len(set(ids)) == 6

    @pytest.mark.parametrize("filters, index", [
        ({"email": "ada@example.com"}, "orders_by_email"),
        ({"phone": "+44 20 7946 0000"}, "orders_by_phone"),
        ({"name": "ada"}, "orders_by_name"),
        ({"email": "ada@example.com", "channel": "web", "status": "completed"}, "orders_by_email"),
    ])
    def test_a_customer_search_reads_its_index_not_every_order(self, central, filters, index):
        with central.service.db.read() as conn:
            plan = search_plan(conn, filters)
        assert any(f"USING INDEX {index}" in step for step in plan), plan
        assert not any(step.startswith("SCAN orders") for step in plan), plan


class TestAStoresReceipts:
    async def test_by_day_newest_number_first_page_by_page(self, central):
        store = Store(central.service, "S002")
        for n in range(1, 6):  # one receipt a day, 2 March to 6 March
            store.emit("sale.recorded", {
                "receipt_number": f"S002-{n:06d}", "currency": "EUR", "total": 1000 * n, "change_due": 0,
                "lines": [{"sku": "TEE", "qty": n, "unit_price": 1000, "tax_rate_bp": 2000, "line_total": 1000 * n}],
                "tenders": [{"type": "cash", "amount": 1000 * n}], "stock": []}, T0 + timedelta(days=n - 1))
        page = (await central.client.get("/v1/receipts", params={"store": "S002", "from": "2026-03-03",
                                                                  "to": "2026-03-05", "limit": 2})).json()
        assert [(r["receipt_number"], r["total"], r["units"]) for r in page["items"]] == [
            ("S002-000004", 4000, 4), ("S002-000003", 3000, 3)]
        rest = (await central.client.get("/v1/receipts", params={"store": "S002", "from": "2026-03-03",
                                                                  "to": "2026-03-05", "limit": 2,
                                                                  "cursor": page["next_cursor"]})).json()
        assert [r["receipt_number"] for r in rest["items"]] == ["S002-000002"] and rest["next_cursor"] is None
        since = (await central.client.get("/v1/receipts", params={"store": "S002", "from": "2026-03-05"})).json()
        assert [r["receipt_number"] for r in since["items"]] == ["S002-000005", "S002-000004"]
        assert (await central.client.get("/v1/receipts", params={"store": "S001"})).json()["items"] == []
        assert (await central.client.get("/v1/receipts")).status_code == 422
