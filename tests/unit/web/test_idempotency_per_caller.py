"""An Idempotency-Key belongs to its caller: another token or associate sending the same key and body never gets
the first caller's answer; the caller's own retry still does."""

from tests.unit.web.conftest import ADMIN, sign_in

STORE = {"name": "High Street", "address": "1 High Street", "lat": 51.5, "lon": -0.12}
ORDER = {"channel": "web", "customer": {"name": "Ann"}, "lines": [{"sku": "TEE", "qty": 1}],
         "delivery": {"type": "pickup", "store_id": "S001"}}


def _token(central, name: str) -> dict:
    made = central.post("/v1/tokens", json={"name": name, "scopes": ["orders"]}, headers=ADMIN)
    return {"Authorization": f"Bearer {made.json()['token']}"}


class TestAtCentral:
    def test_another_token_with_the_same_key_gets_its_own_order_not_the_pickup_code(self, central):
        central.put("/v1/stores/S001", json=STORE, headers=ADMIN)
        central.put("/v1/products/TEE", json={"name": "Tee", "price": 1999, "currency": "EUR"}, headers=ADMIN)
        shop, intruder = _token(central, "webshop"), _token(central, "intruder")
        key = {"Idempotency-Key": "order-1"}

        first = central.post("/v1/orders", json=ORDER, headers={**shop, **key})
        assert first.status_code == 201, first.text
        retried = central.post("/v1/orders", json=ORDER, headers={**shop, **key})
        assert retried.json()["id"] == first.json()["id"]

        other = central.post("/v1/orders", json=ORDER, headers={**intruder, **key})
        assert other.status_code == 201, other.text
        assert other.json()["id"] != first.json()["id"]
        assert other.json()["pickup_code"] != first.json()["pickup_code"]


class TestAtTheStore:
    def test_another_associate_with_the_same_key_records_a_sale_of_their_own(self, edge):
        sale = {"lines": [{"sku": "MUG-01", "qty": 1}], "tenders": [{"type": "cash", "amount": 890}]}
        key = {"Idempotency-Key": "sale-1"}
        ana = edge.post("/v1/sales", json=sale, headers={**sign_in(edge, "A1", "2468"), **key})
        assert ana.status_code == 201, ana.text
        ben = edge.post("/v1/sales", json=sale, headers={**sign_in(edge, "A2", "1357"), **key})
        assert ben.status_code == 201, ben.text
        assert ben.json()["receipt_number"] != ana.json()["receipt_number"]

    def test_the_same_associate_signed_in_again_still_gets_the_first_answer(self, edge):
        sale = {"lines": [{"sku": "MUG-01", "qty": 1}], "tenders": [{"type": "cash", "amount": 890}]}
        key = {"Idempotency-Key": "sale-2"}
        first = edge.post("/v1/sales", json=sale, headers={**sign_in(edge), **key})
        again = edge.post("/v1/sales", json=sale, headers={**sign_in(edge), **key})
        assert again.json()["receipt_number"] == first.json()["receipt_number"]
