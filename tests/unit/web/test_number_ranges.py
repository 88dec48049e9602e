"""Every number has a range a business accepts, integers are integers, and times stay inside the calendar:
what is outside is a 422 problem that changes nothing, never a 5xx and never a poisoned setting."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from shared.contract.models import MAX_AMOUNT
from tests.unit.web.conftest import ADMIN, assert_problem, sign_in

HUGE = 2**63
STORE = {"name": "High Street", "address": "1 High Street", "lat": 51.5, "lon": -0.12}
PRODUCT = {"name": "Red tee", "price": 1999, "currency": "EUR"}
ADDRESS = {"name": "Ann", "line1": "2 Low Road", "city": "London", "postal_code": "SW1A 1AA", "country": "GB",
           "lat": 51.0, "lon": 0.0}
WAREHOUSE = {"type": "warehouse", "name": "DC North", "address": "1 Dock Road", "lat": 53.4, "lon": -2.9}


def _order(**changes) -> dict:
    body = {"channel": "web", "customer": {"name": "Ann"}, "lines": [{"sku": "TEE", "qty": 1}],
            "delivery": {"type": "pickup", "store_id": "S001"}}
    body.update(changes)
    return body


@pytest.fixture
def catalog(central):
    assert central.put("/v1/stores/S001", json=STORE, headers=ADMIN).status_code == 201
    assert central.put("/v1/products/TEE", json=PRODUCT, headers=ADMIN).status_code == 201
    assert central.put("/v1/nodes/DC1", json=WAREHOUSE, headers=ADMIN).status_code == 201
    return central


class TestCentralNumbers:
    @pytest.mark.parametrize("path, body", [
        ("/v1/stores/S002", {**STORE, "ship_capacity_per_day": HUGE}),
        ("/v1/products/BIG", {**PRODUCT, "price": HUGE}),
        ("/v1/products/BIG", {**PRODUCT, "price": MAX_AMOUNT + 1}),
        ("/v1/products/BIG", {**PRODUCT, "tax_rate_bp": "1900"}),
    ])
    def test_integers_past_the_business_range_are_refused(self, catalog, path, body):
        assert_problem(catalog.put(path, json=body, headers=ADMIN), 422, "validation_error")
        assert catalog.get(path, headers=ADMIN).status_code in (404, 405)

    def test_a_feed_past_two_to_the_63_is_refused_and_the_warehouse_keeps_its_stock(self, catalog):
        now = datetime.now(timezone.utc).isoformat()
        good = catalog.put("/v1/nodes/DC1/stock", json={"as_of": now, "items": [{"sku": "TEE", "available": 5}]},
                           headers=ADMIN)
        assert good.status_code == 200, good.text
        bad = catalog.put("/v1/nodes/DC1/stock", json={"as_of": now, "items": [{"sku": "TEE", "available": HUGE}]},
                          headers=ADMIN)
        assert_problem(bad, 422, "validation_error")
        atp = catalog.get("/v1/atp/TEE", headers=ADMIN).json()
        assert [n["on_hand"] for n in atp["nodes"] if n["node_id"] == "DC1"] == [5]

    @pytest.mark.parametrize("qty", ["1", True, 1.0, 0, 1_000_001, HUGE])
    def test_an_order_quantity_is_a_strict_integer_in_range(self, catalog, qty):
        response = catalog.post("/v1/orders", json=_order(lines=[{"sku": "TEE", "qty": qty}]), headers=ADMIN)
        assert_problem(response, 422, "validation_error")
        assert catalog.get("/v1/orders", headers=ADMIN).json()["items"] == []

    def test_a_payment_past_the_upper_bound_is_refused(self, catalog):
        body = _order(payment={"tender": "card", "amount": HUGE})
        assert_problem(catalog.post("/v1/orders", json=body, headers=ADMIN), 422, "validation_error")

    def test_an_order_whose_total_is_past_the_bound_is_refused(self, catalog):
        catalog.put("/v1/products/GOLD", json={**PRODUCT, "price": MAX_AMOUNT}, headers=ADMIN)
        body = _order(lines=[{"sku": "GOLD", "qty": 2}])
        assert_problem(catalog.post("/v1/orders", json=body, headers=ADMIN), 422, "amount_too_large")
        assert catalog.get("/v1/orders", headers=ADMIN).json()["items"] == []

    @pytest.mark.parametrize("change", [
        {"cost_per_km": "Infinity"}, {"split_penalty": "NaN"}, {"base_cost_per_shipment": 1e308},
        {"pickup_hold_days": 10**9}, {"accept_timeout_s": HUGE}, {"safety_stock_default": HUGE},
        {"node_type_cost": {"store": "Infinity", "warehouse": 0}}, {"top_k": "5"},
    ])
    def test_a_policy_out_of_range_is_refused_and_routing_still_works(self, catalog, change):
        policy = catalog.get("/v1/routing/policy", headers=ADMIN).json()
        text = json.dumps({**policy, **change}).replace('"Infinity"', "Infinity").replace('"NaN"', "NaN")
        response = catalog.put("/v1/routing/policy", content=text,
                               headers={**ADMIN, "Content-Type": "application/json"})
        assert_problem(response, 422, "validation_error")
        assert catalog.get("/v1/routing/policy", headers=ADMIN).json() == policy
        simulated = catalog.post("/v1/routing/simulate", json={"lines": [{"sku": "TEE", "qty": 1}],
                                 "delivery": {"type": "ship", "address": ADDRESS}},
                                 headers=ADMIN)
        assert simulated.status_code == 200, simulated.text
        assert catalog.put("/v1/stores/S003", json=STORE, headers=ADMIN).status_code == 201


class TestCentralTimes:
    @pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
                                       "1900-01-01T00:00:00Z"])
    def test_a_feed_at_the_ends_of_the_calendar_is_refused(self, catalog, as_of):
        response = catalog.put("/v1/nodes/DC1/stock", json={"as_of": as_of, "items": []}, headers=ADMIN)
        assert_problem(response, 422, "validation_error")

    def test_a_feed_dated_in_the_future_is_refused_and_does_not_lock_the_feed(self, catalog):
        future = (datetime.now(timezone.utc) + timedelta(days=400)).isoformat()
        response = catalog.put("/v1/nodes/DC1/stock", json={"as_of": future, "items": []}, headers=ADMIN)
        assert_problem(response, 422, "feed_from_the_future")
        now = datetime.now(timezone.utc).isoformat()
        later = catalog.put("/v1/nodes/DC1/stock", json={"as_of": now, "items": []}, headers=ADMIN)
        assert later.status_code == 200, later.text

    @pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
    def test_an_order_filter_at_the_ends_of_the_calendar_is_refused(self, central, moment):
        response = central.get("/v1/orders", params={"created_from": moment}, headers=ADMIN)
        assert_problem(response, 422, "validation_error")


class TestEdgeNumbers:
    @pytest.mark.parametrize("qty", ["1", True, 1.5, 2.0, HUGE])
    def test_a_sale_quantity_is_a_strict_integer(self, edge, qty):
        body = {"lines": [{"sku": "MUG-01", "qty": qty}], "tenders": [{"type": "cash", "amount": 890}]}
        assert_problem(edge.post("/v1/sales", json=body, headers=sign_in(edge)), 422, "validation_error")

    @pytest.mark.parametrize("amount", ["890", True, 890.0, HUGE, MAX_AMOUNT + 1])
    def test_a_tender_amount_is_a_strict_integer_with_an_upper_bound(self, edge, amount):
        body = {"lines": [{"sku": "MUG-01", "qty": 1}], "tenders": [{"type": "cash", "amount": amount}]}
        assert_problem(edge.post("/v1/sales", json=body, headers=sign_in(edge)), 422, "validation_error")

    def test_a_sale_whose_total_is_past_the_bound_is_refused(self, edge):
        line = {"sku": "MUG-01", "qty": 1_000_000, "price_override": 100_000, "override_reason": "bulk"}
        body = {"lines": [line], "tenders": [{"type": "card", "amount": MAX_AMOUNT, "reference": "T1"}],
                "manager": {"id": "M1", "pin": "97531"}}
        assert_problem(edge.post("/v1/sales", json=body, headers=sign_in(edge)), 422, "validation_error")

    @pytest.mark.parametrize("path, body", [
        ("/v1/stock/receive", {"sku": "MUG-01", "qty": "5"}),
        ("/v1/stock/adjust", {"sku": "MUG-01", "delta": True, "reason": "found"}),
        ("/v1/stock/count", {"sku": "MUG-01", "counted": 3.0}),
    ])
    def test_stock_quantities_are_strict_integers(self, edge, path, body):
        assert_problem(edge.post(path, json=body, headers=sign_in(edge)), 422, "validation_error")

    @pytest.mark.parametrize("path", ["/v1/tasks?cursor=99999999999999999999999",
                                      "/v1/stock/MUG-01/ledger?cursor=%C2%B2"])
    def test_a_page_cursor_out_of_range_is_refused(self, edge, path):
        assert_problem(edge.get(path, headers=sign_in(edge)), 422, "validation_error")

    def test_an_end_of_day_at_the_end_of_the_calendar_is_refused(self, edge):
        response = edge.post("/v1/print/end-of-day", json={"date": "9999-12-31"}, headers=sign_in(edge, "M1", "97531"))
        assert_problem(response, 422, "validation_error")


class TestPolicyAtTheStore:
    @pytest.mark.parametrize("change", [{"pickup_hold_days": 10**9}, {"accept_timeout_s": 2**63}])
    def test_a_policy_message_out_of_range_is_not_taken(self, change):
        # The catalog follower drops a message that does not validate, and the store keeps its last policy.
        from pydantic import ValidationError

        from shared.contract.events import CatalogPolicy

        with pytest.raises(ValidationError):
            CatalogPolicy.model_validate(change)


class TestOrderChangesAndShipments:
    def test_a_line_cancel_quantity_is_a_strict_integer(self, catalog):
        for qty in ("1", True, 1.0):
            response = catalog.post("/v1/orders/ORD-X/lines/TEE/cancel", json={"qty": qty}, headers=ADMIN)
            assert_problem(response, 422, "validation_error")

    @pytest.mark.parametrize("shipped_at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
    def test_a_shipment_at_the_ends_of_the_calendar_is_refused(self, catalog, shipped_at):
        body = {"allocation_id": "A-1", "carrier": "DHL", "tracking_number": "JJD01", "shipped_at": shipped_at}
        assert_problem(catalog.post("/v1/nodes/DC1/shipments", json=body, headers=ADMIN), 422, "validation_error")


class TestAPolicyStoredBeforeTheRanges:
    def test_central_starts_on_the_defaults_and_routes(self, tmp_path):
        from fastapi.testclient import TestClient

        from central.api.app import create_app
        from central.store.schema import open_database
        from tests.unit.web.conftest import central_settings

        settings = central_settings(tmp_path)
        db = open_database(settings.db_path)
        with db.write() as conn:
            conn.execute("INSERT INTO routing_policy (id, policy, updated_at) VALUES (1, ?, '2026-01-01T00:00:00Z')",
                         ('{"cost_per_km": null, "pickup_hold_days": 1000000000}',))
        db.close()
        with TestClient(create_app(settings, with_nats=False)) as client:
            policy = client.get("/v1/routing/policy", headers=ADMIN)
            assert policy.status_code == 200 and policy.json()["pickup_hold_days"] == 7
