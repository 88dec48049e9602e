"""The local API on a real app and database (no NATS): sign-in, catalog, stock, problem codes."""

import pytest

from shared.contract.events import CatalogProduct
from tests.unit.edge.conftest import add_products, assert_problem


class TestHealthAndSignIn:
    def test_healthz_needs_no_sign_in(self, client):
        assert client.get("/healthz").json() == {"status": "ok", "store_id": "S001", "store_name": "Main Street",
                                                 "version": client.get("/healthz").json()["version"]}

    def test_every_v1_route_needs_a_token(self, client):
        for path in ("/v1/products", "/v1/stock/MUG-01", "/v1/sync/status"):
            assert_problem(client.get(path), 401, "unauthorized")
        assert_problem(client.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 1, "reference": "x"}), 401,
                       "unauthorized")

    def test_a_wrong_pin_is_a_401_problem(self, client):
        assert_problem(client.post("/v1/login", json={"associate_id": "A1", "pin": "0000"}), 401, "unauthorized")

    def test_the_sixth_try_after_five_wrong_pins_is_429(self, client):
        for _ in range(5):
            client.post("/v1/login", json={"associate_id": "A1", "pin": "0000"})
        assert_problem(client.post("/v1/login", json={"associate_id": "A1", "pin": "2468"}), 429,
                       "too_many_attempts")


class TestStock:
    def test_receive_then_read_levels_by_sku_or_barcode(self, signed_in):
        response = signed_in.post("/v1/stock/receive", json={"sku": "TEE-RED-M", "qty": 4, "reference": "PO-1"})
        assert response.status_code == 201
        assert response.json()["seq"] == 2 and response.json()["on_hand"] == 4
        levels = signed_in.get("/v1/stock/4006381333931").json()
        assert levels == {"sku": "TEE-RED-M", "name": "T-shirt red M", "on_hand": 4, "reserved": 0, "damaged": 0,
                          "available": 4}

    def test_adjust_damaged_moves_units(self, signed_in):
        signed_in.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 4, "reference": "PO-1"})
        body = signed_in.post("/v1/stock/adjust", json={"sku": "MUG-01", "delta": -1, "reason": "damaged",
                                                         "note": "dropped"}).json()
        assert (body["on_hand"], body["damaged"]) == (3, 1)

    def test_a_retry_with_the_same_key_answers_the_original(self, signed_in):
        request = {"sku": "MUG-01", "qty": 2, "reference": "PO-7"}
        first = signed_in.post("/v1/stock/receive", json=request, headers={"Idempotency-Key": "k-1"})
        again = signed_in.post("/v1/stock/receive", json=request, headers={"Idempotency-Key": "k-1"})
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        assert signed_in.get("/v1/stock/MUG-01").json()["on_hand"] == 2

    def test_the_same_key_with_another_body_is_422_idempotency_mismatch(self, signed_in):
        signed_in.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 2, "reference": "PO-7"},
                       headers={"Idempotency-Key": "k-1"})
        assert_problem(signed_in.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 3, "reference": "PO-7"},
                                      headers={"Idempotency-Key": "k-1"}), 422, "idempotency_mismatch")

    @pytest.mark.parametrize("path,body", [
        ("/v1/stock/receive", {"sku": "NOPE", "qty": 1, "reference": "PO"}),
        ("/v1/stock/adjust", {"sku": "NOPE", "delta": -1, "reason": "shrink"}),
    ])
    def test_an_unknown_sku_is_404_unknown_sku(self, signed_in, path, body):
        assert_problem(signed_in.post(path, json=body), 404, "unknown_sku")
        assert_problem(signed_in.get("/v1/stock/NOPE"), 404, "unknown_sku")

    @pytest.mark.parametrize("path,body", [
        ("/v1/stock/receive", {"sku": "MUG-01", "qty": 0, "reference": "PO"}),
        ("/v1/stock/receive", {"sku": "MUG-01", "qty": -2, "reference": "PO"}),
        ("/v1/stock/receive", {"sku": "MUG-01", "qty": 1}),
        ("/v1/stock/receive", {"sku": "MUG-01", "qty": 1, "reference": "PO", "extra": 1}),
        ("/v1/stock/adjust", {"sku": "MUG-01", "delta": 2, "reason": "shrink"}),
        ("/v1/stock/adjust", {"sku": "MUG-01", "delta": 0, "reason": "other"}),
        ("/v1/stock/adjust", {"sku": "MUG-01", "delta": -1, "reason": "stolen"}),
    ])
    def test_bad_input_is_422_validation_error_and_changes_nothing(self, signed_in, path, body):
        assert_problem(signed_in.post(path, json=body), 422, "validation_error")
        assert signed_in.get("/v1/sync/status").json()["last_seq"] == 1


class TestCatalogAndStatus:
    def test_products_are_searched_and_paged(self, signed_in):
        first = signed_in.get("/v1/products", params={"q": "t-shirt", "limit": 1}).json()
        assert [p["sku"] for p in first["items"]] == ["TEE-BLU-M"] and first["next_cursor"]
        second = signed_in.get("/v1/products", params={"q": "t-shirt", "cursor": first["next_cursor"]}).json()
        assert [p["sku"] for p in second["items"]] == ["TEE-RED-M"] and second["next_cursor"] is None

    def test_a_made_up_cursor_is_422(self, signed_in):
        assert_problem(signed_in.get("/v1/products", params={"cursor": "%%%"}), 422, "validation_error")

    def test_sync_status_shows_the_unsent_backlog_while_offline(self, signed_in):
        signed_in.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 1, "reference": "PO"})
        status = signed_in.get("/v1/sync/status").json()
        assert status["online"] is False and status["store_id"] == "S001"
        assert (status["backlog"], status["last_seq"], status["last_acked_seq"], status["applied_seq"]) == (2, 2, 0, 0)
        assert status["oldest_unsent_at"] and status["epoch"] and status["printers"] == []


class TestFreeTextSkus:
    def test_a_sku_with_a_slash_and_spaces_is_found(self, signed_in):
        edge = signed_in.app.state.edge
        add_products(edge.db, [CatalogProduct(sku="BOX 10/20", name="Box", price=100, currency="EUR")])
        signed_in.post("/v1/stock/receive", json={"sku": "BOX 10/20", "qty": 2, "reference": "PO"})
        assert signed_in.get("/v1/stock/BOX 10%2F20").json()["on_hand"] == 2
        assert signed_in.get("/v1/stock/BOX 10/20").json()["on_hand"] == 2
