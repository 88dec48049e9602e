"""The head-office API over its real app and SQLite (NATS unreachable: the API must not need it)."""

from datetime import datetime, timedelta, timezone

import pytest

from shared.runtime.clock import now_text, to_text
from tests.conftest import free_port
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    STORE_BODY,
    running_central,
)

PROBLEM = "application/problem+json"


@pytest.fixture
async def central(tmp_path):
    from central.settings import CentralSettings

    settings = CentralSettings(db_path=tmp_path / "central.db", nats_url=f"nats://127.0.0.1:{free_port()}",
                               admin_token=ADMIN_TOKEN)
    async with running_central(settings, wait_ready=False) as running:
        yield running


def as_(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {"Authorization": ""}


class TestHealth:
    async def test_answers_without_a_token_and_says_nats_is_offline(self, central):
        response = await central.client.get("/healthz", headers=as_(None))
        assert response.status_code == 200
        assert response.json()["status"] == "ok" and response.json()["nats"] == "offline"

    async def test_the_openapi_document_lists_the_resources(self, central):
        paths = (await central.client.get("/openapi.json")).json()["paths"]
        assert {"/v1/stores/{store_id}", "/v1/atp/{sku}", "/v1/nodes/{node_id}/stock", "/v1/tokens"} <= set(paths)


class TestAuth:
    async def test_a_request_without_a_token_is_unauthorized(self, central):
        response = await central.client.get("/v1/stores", headers=as_(None))
        assert response.status_code == 401 and response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["code"] == "unauthorized" and response.headers["www-authenticate"] == "Bearer"

    async def test_an_unknown_token_is_unauthorized(self, central):
        response = await central.client.get("/v1/stores", headers=as_("omni_not-a-real-token"))
        assert response.status_code == 401 and response.json()["code"] == "unauthorized"

    async def test_a_read_token_reads_but_may_not_administer_and_stops_working_once_revoked(self, central):
        made = await central.client.post("/v1/tokens", json={"name": "dashboard", "scopes": ["read"]})
        assert made.status_code == 201 and made.json()["scopes"] == ["read"]
        token = made.json()["token"]
        assert central.query("SELECT COUNT(*) FROM tokens WHERE hash LIKE ?", f"%{token}%")[0][0] == 0
        assert (await central.client.get("/v1/stores", headers=as_(token))).status_code == 200
        denied = await central.client.put("/v1/stores/S001", json=STORE_BODY, headers=as_(token))
        assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
        assert (await central.client.delete("/v1/tokens/dashboard")).status_code == 204
        assert (await central.client.get("/v1/stores", headers=as_(token))).status_code == 401

    async def test_an_orders_token_also_reads(self, central):
        token = (await central.client.post("/v1/tokens", json={"name": "web", "scopes": ["orders"]})).json()["token"]
        assert (await central.client.get("/v1/products", headers=as_(token))).status_code == 200
        assert (await central.client.post("/v1/tokens", json={"name": "x", "scopes": ["read"]},
                                          headers=as_(token))).status_code == 403

    async def test_a_second_token_with_the_same_name_is_refused(self, central):
        assert (await central.client.post("/v1/tokens", json={"name": "pos", "scopes": ["read"]})).status_code == 201
        again = await central.client.post("/v1/tokens", json={"name": "pos", "scopes": ["admin"]})
        assert again.status_code == 409 and again.json()["code"] == "token_exists"

    async def test_revoking_an_unknown_token_is_not_found(self, central):
        response = await central.client.delete("/v1/tokens/nobody")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


class TestStores:
    async def test_registering_answers_created_then_ok_and_lists_the_store(self, central):
        first = await central.client.put("/v1/stores/S001", json={**STORE_BODY, "ship_capacity_per_day": 20})
        assert first.status_code == 201
        body = first.json()
        assert (body["id"], body["registered"], body["fresh"], body["online"]) == ("S001", True, False, False)
        assert (await central.client.put("/v1/stores/S001", json={**STORE_BODY, "name": "Renamed"})).status_code == 200
        listing = (await central.client.get("/v1/stores")).json()
        assert [s["name"] for s in listing["items"]] == ["Renamed"] and listing["next_cursor"] is None

    async def test_bad_input_is_a_validation_problem_and_changes_nothing(self, central):
        for path, body in (("/v1/stores/S001", {**STORE_BODY, "lat": 200}),
                           ("/v1/stores/S001", {**STORE_BODY, "colour": "red"}),
                           ("/v1/stores/s%201", STORE_BODY),
                           ("/v1/stores/S001", {**STORE_BODY, "capabilities": ["teleport"]})):
            response = await central.client.put(path, json=body)
            assert response.status_code == 422, path
            assert response.json()["code"] == "validation_error" and response.json()["detail"]
        assert central.query("SELECT COUNT(*) FROM nodes")[0][0] == 0

    async def test_an_unknown_store_is_not_found(self, central):
        assert (await central.client.get("/v1/stores/S009")).json()["code"] == "not_found"

    async def test_a_warehouse_id_cannot_be_registered_as_a_store(self, central):
        await central.client.put("/v1/nodes/DC1", json={**STORE_BODY, "type": "warehouse"})
        response = await central.client.put("/v1/stores/DC1", json=STORE_BODY)
        assert response.status_code == 409 and response.json()["code"] == "node_type_conflict"


class TestProducts:
    async def test_a_body_sku_that_differs_from_the_path_is_refused(self, central):
        response = await central.client.put("/v1/products/TEE", json={**PRODUCT_BODY, "sku": "MUG"})
        assert response.status_code == 422 and response.json()["code"] == "validation_error"
        assert central.query("SELECT COUNT(*) FROM products")[0][0] == 0

    async def test_a_float_price_or_a_bad_currency_is_refused(self, central):
        assert (await central.client.put("/v1/products/TEE", json={**PRODUCT_BODY, "price": 19.99})).status_code == 422
        assert (await central.client.put("/v1/products/TEE", json={**PRODUCT_BODY, "currency": "eu"})).status_code == 422

    async def test_the_list_pages_by_sku(self, central):
        for sku in ("A1", "B2", "C3"):
            assert (await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code == 201
        first = (await central.client.get("/v1/products?limit=2")).json()
        assert [p["sku"] for p in first["items"]] == ["A1", "B2"] and first["next_cursor"] == "B2"
        second = (await central.client.get(f"/v1/products?limit=2&cursor={first['next_cursor']}")).json()
        assert [p["sku"] for p in second["items"]] == ["C3"] and second["next_cursor"] is None


class TestWarehouseAtp:
    async def _warehouse_with(self, central, as_of: datetime, available: dict[str, int]):
        assert (await central.client.put("/v1/nodes/DC1", json={**STORE_BODY, "type": "warehouse"})).status_code in (
            200, 201)
        for sku in available:
            await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)
        return await central.client.put("/v1/nodes/DC1/stock", json={
            "as_of": to_text(as_of), "items": [{"sku": s, "available": q} for s, q in available.items()]})

    async def test_a_fed_warehouse_counts_in_atp_less_its_safety_stock_and_later_allocations(self, central):
        as_of = datetime.now(timezone.utc) - timedelta(minutes=5)
        assert (await self._warehouse_with(central, as_of, {"TEE": 50, "MUG": 0})).status_code == 200
        with central.service.db.write() as conn:
            conn.execute("INSERT INTO safety_stock (node_id, sku, qty) VALUES ('DC1', 'TEE', 5)")
            for allocation, qty, created in (("a1", 3, now_text()),
                                             ("a0", 9, to_text(as_of - timedelta(minutes=1)))):  # a0: in the feed
                conn.execute("INSERT INTO allocations (id, order_id, node_id, node_type, type, status, created_at, "
                             "updated_at) VALUES (?, 'o1', 'DC1', 'warehouse', 'ship', 'accepted', ?, ?)",
                             (allocation, created, created))
                conn.execute("INSERT INTO allocation_lines (allocation_id, sku, node_id, qty) VALUES (?, 'TEE', "
                             "'DC1', ?)", (allocation, qty))
        body = (await central.client.get("/v1/atp/TEE")).json()
        [node] = body["nodes"]
        assert (node["node_id"], node["type"], node["fresh"]) == ("DC1", "warehouse", True)
        assert (node["on_hand"], node["pending"], node["safety_stock"], node["atp"]) == (50, 3, 5, 42)
        assert body["network"]["atp"] == 42
        assert (await central.client.get("/v1/atp/MUG")).json()["nodes"] == []

    async def test_a_feed_older_than_a_day_promises_nothing(self, central):
        await self._warehouse_with(central, datetime.now(timezone.utc) - timedelta(hours=25), {"TEE": 50})
        [node] = (await central.client.get("/v1/atp/TEE")).json()["nodes"]
        assert node["fresh"] is False and node["atp"] == 0 and node["on_hand"] == 50

    async def test_an_older_feed_than_the_last_is_refused(self, central):
        now = datetime.now(timezone.utc)
        await self._warehouse_with(central, now, {"TEE": 50})
        older = await central.client.put("/v1/nodes/DC1/stock", json={
            "as_of": to_text(now - timedelta(hours=1)), "items": [{"sku": "TEE", "available": 1}]})
        assert older.status_code == 409 and older.json()["code"] == "stale_feed"
        assert (await central.client.get("/v1/atp/TEE")).json()["nodes"][0]["on_hand"] == 50

    async def test_feeds_for_unknown_nodes_stores_or_with_repeated_skus_are_refused(self, central):
        feed = {"as_of": now_text(), "items": [{"sku": "TEE", "available": 1}]}
        assert (await central.client.put("/v1/nodes/DC9/stock", json=feed)).json()["code"] == "not_found"
        await central.client.put("/v1/stores/S001", json=STORE_BODY)
        assert (await central.client.put("/v1/nodes/S001/stock", json=feed)).json()["code"] == "node_type_conflict"
        await central.client.put("/v1/nodes/DC1", json={**STORE_BODY, "type": "warehouse"})
        twice = {"as_of": now_text(), "items": [{"sku": "TEE", "available": 1}, {"sku": "TEE", "available": 2}]}
        assert (await central.client.put("/v1/nodes/DC1/stock", json=twice)).status_code == 422
        naive = {"as_of": "2026-03-01T12:00:00", "items": []}
        assert (await central.client.put("/v1/nodes/DC1/stock", json=naive)).status_code == 422

    async def test_an_unknown_sku_is_a_404_with_its_code(self, central):
        response = await central.client.get("/v1/atp/NOPE")
        assert response.status_code == 404 and response.json()["code"] == "unknown_sku"
