"""An Idempotency-Key belongs to its caller: another token or associate sending the same key and body never gets
the first caller's answer; the caller's own retry still does."""

from datetime import datetime, timezone
from pathlib import Path

from tests.unit.web.conftest import ADMIN, sign_in

STORE = {"name": "High Street", "address": "1 High Street", "lat": 51.5, "lon": -0.12}
ADDRESS = {"name": "Ann", "line1": "2 Low Road", "city": "London", "postal_code": "SW1A 1AA", "country": "GB",
           "lat": 51.5, "lon": -0.1}
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


    def test_every_keyed_change_of_an_order_belongs_to_its_caller_too(self, central):
        central.put("/v1/products/TEE", json={"name": "Tee", "price": 1999, "currency": "EUR"}, headers=ADMIN)
        central.put("/v1/nodes/DC1", json={"type": "warehouse", "name": "DC1", "address": "Unit 1", "lat": 51.45,
                                           "lon": -0.3}, headers=ADMIN)
        now = datetime.now(timezone.utc).isoformat()
        central.put("/v1/nodes/DC1/stock", json={"as_of": now, "items": [{"sku": "TEE", "available": 10}]},
                    headers=ADMIN)
        shop, intruder = _token(central, "webshop"), _token(central, "intruder")
        order = central.post("/v1/orders", json={**ORDER, "lines": [{"sku": "TEE", "qty": 3}],
                                                 "delivery": {"type": "ship", "address": ADDRESS}}, headers=shop)
        assert order.status_code == 201, order.text
        path, key = f"/v1/orders/{order.json()['id']}/lines/TEE/cancel", {"Idempotency-Key": "cancel-1"}

        first = central.post(path, json={"qty": 1}, headers={**shop, **key})
        assert first.status_code == 200, first.text
        other = central.post(path, json={"qty": 1}, headers={**intruder, **key})
        assert other.status_code == 200, other.text
        # The second caller's request was carried out, not answered with the first one's result.
        assert first.json()["lines"][0]["cancelled"] == 1 and other.json()["lines"][0]["cancelled"] == 2


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


class TestEveryRoute:
    def test_only_the_per_caller_dependencies_read_the_header(self):
        # A route that declared the header itself would share its answers between callers.
        root = Path(__file__).resolve().parents[3]
        readers = sorted(str(path.relative_to(root)) for part in ("edge", "central")
                         for path in (root / part).rglob("*.py") if 'alias="Idempotency-Key"' in path.read_text())
        assert readers == ["central/api/deps.py", "edge/api/deps.py"]
