"""Orders, routing and ATP queries over the real app and SQLite, with warehouses only (no NATS needed:
a warehouse is fresh from its feed, and central owns its allocations)."""

from datetime import datetime, timedelta, timezone

import pytest

from shared.runtime.clock import to_text
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    STORE_BODY,
    running_central,
)

LONDON = {"type": "ship", "address": {"name": "Ada Lovelace", "line1": "10 Downing St", "city": "London",
                                     "postal_code": "SW1A 2AA", "country": "GB", "lat": 51.5034, "lon": -0.1276}}
CUSTOMER = {"name": "Ada Lovelace", "email": "ada@example.com"}


def order(lines, delivery=None, **extra) -> dict:
    return {"channel": "web", "customer": CUSTOMER, "lines": [{"sku": s, "qty": q} for s, q in lines.items()],
            "delivery": delivery or LONDON, **extra}


@pytest.fixture
async def central(tmp_path):
    from central.settings import CentralSettings

    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN)
    async with running_central(settings, with_nats=False) as running:
        for sku in ("TEE", "MUG", "CAP", "HAT"):
            assert (await running.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code == 201
        await feed(running, "DC1", 51.45, -0.3, {"TEE": 10, "MUG": 1, "CAP": 2})   # near London
        await feed(running, "DC2", 53.48, -2.24, {"TEE": 10, "MUG": 5})  # Manchester
        yield running


async def feed(central, node_id, lat, lon, available):
    body = {"type": "warehouse", "name": node_id, "address": "Unit 1", "lat": lat, "lon": lon}
    assert (await central.client.put(f"/v1/nodes/{node_id}", json=body)).status_code in (200, 201)
    response = await central.client.put(f"/v1/nodes/{node_id}/stock", json={
        "as_of": to_text(datetime.now(timezone.utc) - timedelta(seconds=1)),
        "items": [{"sku": s, "available": q} for s, q in available.items()]})
    assert response.status_code == 200


class TestPlacingAnOrder:
    async def test_goes_to_the_nearest_warehouse_which_accepts_at_once_and_lowers_its_atp(self, central):
        response = await central.client.post("/v1/orders", json=order({"TEE": 2}))
        assert response.status_code == 201
        body = response.json()
        # A DC's allocation is accepted when made, so the order is in fulfilment straight away.
        assert body["status"] == "in_fulfilment" and "pickup_code" not in body
        [allocation] = body["allocations"]
        assert (allocation["node_id"], allocation["status"], allocation["accept_by"]) == ("DC1", "accepted", None)
        assert body["lines"] == [{"sku": "TEE", "qty": 2, "unit_price": 1999, "allocated": 2, "cancelled": 0, "unfilled": 0,
                              "returned": 0}]
        dc1 = next(n for n in (await central.client.get("/v1/atp/TEE")).json()["nodes"] if n["node_id"] == "DC1")
        assert (dc1["pending"], dc1["atp"]) == (2, 8)
        assert central.query("SELECT COUNT(*) FROM command_outbox")[0][0] == 0  # no command for a DC

    async def test_splits_over_two_warehouses_when_neither_has_everything(self, central):
        body = (await central.client.post("/v1/orders", json=order({"CAP": 1, "MUG": 3}))).json()
        assert body["status"] == "in_fulfilment"
        assert {a["node_id"]: [line["sku"] for line in a["lines"]] for a in body["allocations"]} == \
            {"DC1": ["CAP"], "DC2": ["MUG"]}
        assert "split over DC1, DC2" in central.query("SELECT explanation FROM routing_decisions")[0][0]

    async def test_without_split_the_order_goes_to_the_one_node_that_has_everything(self, central):
        body = (await central.client.post("/v1/orders", json=order({"TEE": 1, "MUG": 3}, allow_split=False))).json()
        assert [a["node_id"] for a in body["allocations"]] == ["DC2"]

    async def test_what_no_node_has_is_backordered_with_the_reason(self, central):
        body = (await central.client.post("/v1/orders", json=order({"TEE": 1, "HAT": 1}))).json()
        assert body["status"] == "in_fulfilment" and "backordered: 1 × HAT" in body["status_reason"]
        assert {line["sku"]: line["unfilled"] for line in body["lines"]} == {"HAT": 1, "TEE": 0}
        nothing = (await central.client.post("/v1/orders", json=order({"HAT": 1}))).json()
        assert nothing["status"] == "backordered" and nothing["allocations"] == []

    async def test_a_pickup_at_a_store_central_has_not_heard_from_is_held_with_the_reason(self, central):
        assert (await central.client.put("/v1/stores/S009", json=STORE_BODY)).status_code == 201
        body = (await central.client.post("/v1/orders", json=order(
            {"TEE": 1}, {"type": "pickup", "store_id": "S009"}))).json()
        assert body["status"] == "held" and "stale" in body["status_reason"]
        assert len(body["pickup_code"]) == 6
        full = (await central.client.get(f"/v1/orders/{body['id']}")).json()
        assert "pickup_code" not in full and full["decisions"][0]["outcome"] == "held"

    async def test_the_same_idempotency_key_answers_the_same_order_and_another_body_is_refused(self, central):
        key = {"Idempotency-Key": "web-checkout-42"}
        first = await central.client.post("/v1/orders", json=order({"TEE": 1}), headers=key)
        again = await central.client.post("/v1/orders", json=order({"TEE": 1}), headers=key)
        assert again.status_code == 201 and again.json() == first.json()
        assert central.query("SELECT COUNT(*) FROM orders")[0][0] == 1
        other = await central.client.post("/v1/orders", json=order({"TEE": 2}), headers=key)
        assert other.status_code == 422 and other.json()["code"] == "idempotency_mismatch"

    @pytest.mark.parametrize("body, status, code", [
        (order({"NOPE": 1}), 404, "unknown_sku"),
        (order({"TEE": 0}), 422, "validation_error"),
        ({**order({"TEE": 1}), "lines": [{"sku": "TEE", "qty": 1}, {"sku": "TEE", "qty": 2}]}, 422,
         "validation_error"),
        (order({"TEE": 1}, {"type": "pickup", "store_id": "S404"}), 422, "unknown_store"),
        (order({"TEE": 1}, {"type": "drone"}), 422, "validation_error"),
        ({**order({"TEE": 1}), "surprise": True}, 422, "validation_error"),
    ])
    async def test_bad_input_is_refused_with_a_code_and_changes_nothing(self, central, body, status, code):
        response = await central.client.post("/v1/orders", json=body)
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert response.json()["detail"]
        assert central.query("SELECT COUNT(*) FROM orders")[0][0] == 0


class TestFollowingOrders:
    async def test_the_list_filters_by_status_store_and_channel_and_pages(self, central):
        ids = [(await central.client.post("/v1/orders", json={**order({"TEE": 1}), "channel": ch})).json()["id"]
               for ch in ("web", "web", "app")]
        await central.client.post("/v1/orders", json=order({"HAT": 1}))
        page = (await central.client.get("/v1/orders", params={"limit": 2})).json()
        assert len(page["items"]) == 2 and page["next_cursor"]
        rest = (await central.client.get("/v1/orders", params={"limit": 2, "cursor": page["next_cursor"]})).json()
        assert len(rest["items"]) == 2 and rest["next_cursor"] is None
        web = (await central.client.get("/v1/orders", params={"channel": "web", "store": "DC1"})).json()
        assert [o["id"] for o in web["items"]] == ids[1::-1]
        backordered = (await central.client.get("/v1/orders", params={"status": "backordered"})).json()
        assert len(backordered["items"]) == 1
        later = to_text(datetime.now(timezone.utc) + timedelta(minutes=1))
        assert (await central.client.get("/v1/orders", params={"created_from": later})).json()["items"] == []

    async def test_an_order_shows_its_history_and_the_routing_decision_with_its_explanation(self, central):
        order_id = (await central.client.post("/v1/orders", json=order({"TEE": 1}))).json()["id"]
        body = (await central.client.get(f"/v1/orders/{order_id}")).json()
        assert [h["kind"] for h in body["history"]] == ["created", "allocated", "routed", "status"]
        assert body["history"][-1]["status"] == "in_fulfilment" and body["history"][0]["source"] == "api"
        [decision] = body["decisions"]
        assert decision["trigger"] == "order placed"
        assert {c["node_id"] for c in decision["explanation"]["candidates"]} == {"DC1", "DC2"}
        assert "DC1" in decision["explanation"]["why"]

    async def test_an_unknown_order_is_not_found(self, central):
        assert (await central.client.get("/v1/orders/nope")).json()["code"] == "not_found"


class TestCancelling:
    async def test_a_warehouse_order_is_cancelled_at_once_and_its_stock_promised_again(self, central):
        order_id = (await central.client.post("/v1/orders", json=order({"TEE": 4}))).json()["id"]
        response = await central.client.post(f"/v1/orders/{order_id}/cancel", json={"reason": "changed mind"})
        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert response.json()["allocations"][0]["status"] == "cancelled"
        again = await central.client.post(f"/v1/orders/{order_id}/cancel")
        assert again.status_code == 200 and again.json()["status"] == "cancelled"
        dc1 = next(n for n in (await central.client.get("/v1/atp/TEE")).json()["nodes"] if n["node_id"] == "DC1")
        assert dc1["atp"] == 10

    async def test_cancelling_an_unknown_order_is_not_found(self, central):
        assert (await central.client.post("/v1/orders/nope/cancel")).status_code == 404


class TestRouting:
    async def test_simulate_explains_the_plan_and_allocates_nothing(self, central):
        response = await central.client.post("/v1/routing/simulate", json={"lines": [{"sku": "TEE", "qty": 1}],
                                                                         "delivery": LONDON, "exclude": ["DC1"]})
        assert response.status_code == 200
        plan = response.json()
        assert plan["outcome"] == "allocated" and plan["shipments"][0]["node_id"] == "DC2"
        assert {"node_id": "DC1", "reason": "excluded: rejected or did not answer this order before"} in \
            plan["explanation"]["excluded"]
        assert central.query("SELECT COUNT(*) FROM allocations")[0][0] == 0

    async def test_the_policy_is_read_and_replaced_and_a_bad_one_refused(self, central):
        policy = (await central.client.get("/v1/routing/policy")).json()
        assert policy["accept_timeout_s"] == 900 and policy["stale_after_s"] == 15
        changed = await central.client.put("/v1/routing/policy", json={**policy, "cost_per_km": 0, "split_penalty": 0,
                                                                       "safety_stock_default": 1})
        assert changed.status_code == 200 and changed.json()["cost_per_km"] == 0
        assert (await central.client.get("/v1/routing/policy")).json()["safety_stock_default"] == 1
        dc1 = next(n for n in (await central.client.get("/v1/atp/TEE")).json()["nodes"] if n["node_id"] == "DC1")
        assert (dc1["safety_stock"], dc1["atp"]) == (1, 9)
        bad = await central.client.put("/v1/routing/policy", json={**policy, "accept_timeout_s": 0})
        assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


class TestAtpQuery:
    async def test_answers_many_skus_at_once_and_lists_the_unknown_ones(self, central):
        response = await central.client.post("/v1/atp/query", json={"skus": ["TEE", "MUG", "NOPE", "TEE"]})
        assert response.status_code == 200
        body = response.json()
        assert [(i["sku"], i["network"]["atp"]) for i in body["items"]] == [("TEE", 20), ("MUG", 6)]
        assert body["unknown_skus"] == ["NOPE"]
        assert all("fresh" in n for i in body["items"] for n in i["nodes"])
