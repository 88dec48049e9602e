"""Seeding the demo network through the public APIs, exactly as head office and a store would."""

import time
from collections.abc import Callable

import httpx

from shared.launcher.demo_data import STORES, WAREHOUSES, products, seed_quantity
from shared.runtime.clock import now_text


class SeedError(RuntimeError):
    """The demo could not be seeded; the message says which call failed and why."""


def _check(response: httpx.Response, what: str) -> dict:
    if response.status_code >= 400:
        try:
            detail = response.json().get("detail", response.text)
        except ValueError:
            detail = response.text
        raise SeedError(f"{what}: {response.status_code} {detail}")
    return response.json() if response.content else {}


def seed_central(central_url: str, token: str) -> None:
    """Stores, the warehouse, the catalog and the warehouse's stock feed."""
    with httpx.Client(base_url=central_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        for store in STORES:
            body = {k: v for k, v in store.items() if k not in ("id", "timezone")}  # the zone is the edge's own
            _check(http.put(f"/v1/stores/{store['id']}", json=body), f"registering store {store['id']}")
        for warehouse in WAREHOUSES:
            body = {k: v for k, v in warehouse.items() if k != "id"}
            _check(http.put(f"/v1/nodes/{warehouse['id']}", json=body), f"registering warehouse {warehouse['id']}")
        catalog = products()
        for product in catalog:
            _check(http.put(f"/v1/products/{product['sku']}", json=product), f"publishing product {product['sku']}")
        for warehouse in WAREHOUSES:
            items = [{"sku": p["sku"], "available": seed_quantity(warehouse["id"], p["sku"])} for p in catalog]
            _check(http.put(f"/v1/nodes/{warehouse['id']}/stock", json={"as_of": now_text(), "items": items}),
                   f"feeding stock of {warehouse['id']}")


def _catalog_size(http: httpx.Client) -> int:
    count, cursor = 0, None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = _check(http.get("/v1/products", params=params), "reading the store's catalog")
        count += len(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return count


def seed_store(edge_url: str, store_id: str, manager_id: str, manager_pin: str,
               progress: Callable[[str], None], timeout: float = 60.0) -> None:
    """Wait for the catalog to reach the store, then receive its opening stock (once: the keys make reruns no-ops)."""
    with httpx.Client(base_url=edge_url, timeout=30) as http:
        login = _check(http.post("/v1/login", json={"associate_id": manager_id, "pin": manager_pin}),
                       f"signing in at {store_id}")
        http.headers["Authorization"] = f"Bearer {login['token']}"
        expected = len(products())
        deadline = time.monotonic() + timeout
        while (have := _catalog_size(http)) < expected:
            if time.monotonic() > deadline:
                raise SeedError(f"{store_id} has {have} of {expected} products after {timeout:.0f} s: "
                                "is the catalog reaching it over NATS?")
            time.sleep(0.25)
        progress(f"{store_id}: catalog of {expected} products arrived")
        for product in products():
            qty = seed_quantity(store_id, product["sku"])
            if qty == 0:
                continue
            _check(http.post("/v1/stock/receive", json={"sku": product["sku"], "qty": qty, "reference": "OPENING-STOCK"},
                             headers={"Idempotency-Key": f"demo-opening-{store_id}-{product['sku']}"}),
                   f"receiving opening stock of {product['sku']} at {store_id}")


SAMPLE_ORDERS = [
    ("demo-order-pickup", {"channel": "web", "customer": {"name": "Hanna Krüger", "email": "hanna@example.com"},
                           "lines": [{"sku": "MUG-HH", "qty": 1}, {"sku": "TEA-OSTF", "qty": 2}],
                           "delivery": {"type": "pickup", "store_id": "S001"}}),
    ("demo-order-ship", {"channel": "marketplace", "customer": {"name": "Jan Meier"},
                         "lines": [{"sku": "HOOD-GRY-M", "qty": 1}],
                         "delivery": {"type": "ship", "address": {
                             "name": "Jan Meier", "line1": "Lange Reihe 50", "city": "Hamburg", "postal_code": "20099",
                             "country": "DE", "phone": "+49 40 1234567", "lat": 53.5571, "lon": 10.0133}}}),
]


def place_sample_orders(central_url: str, token: str) -> list[dict]:
    """Two online orders so the stores' pickup and shipping queues have work (the keys make reruns no-ops)."""
    placed = []
    with httpx.Client(base_url=central_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        for key, body in SAMPLE_ORDERS:
            order = _check(http.post("/v1/orders", json=body, headers={"Idempotency-Key": key}),
                           f"placing the sample order {key}")
            placed.append({"id": order["id"], "status": order.get("status"), "delivery": body["delivery"]["type"],
                           **({"pickup_code": order["pickup_code"]} if order.get("pickup_code") else {})})
    return placed


SAMPLE_SALE = {"lines": [{"sku": "BOTL-750", "qty": 2}], "tenders": [{"type": "card", "amount": 5598,
                                                                     "reference": "DEMO-TERMINAL-1"}]}


def ring_up_sample_sale(edge_url: str, store_id: str, manager_id: str, manager_pin: str) -> str:
    """A walk-in sale at a store, whose receipt can be returned at the other one; its receipt number."""
    with httpx.Client(base_url=edge_url, timeout=30) as http:
        login = _check(http.post("/v1/login", json={"associate_id": manager_id, "pin": manager_pin}),
                       f"signing in at {store_id}")
        http.headers["Authorization"] = f"Bearer {login['token']}"
        sale = _check(http.post("/v1/sales", json=SAMPLE_SALE, headers={"Idempotency-Key": f"demo-sale-{store_id}"}),
                      f"ringing up the sample sale at {store_id}")
    return sale["receipt_number"]


def wait_until_fresh(central_url: str, token: str, store_ids: list[str], timeout: float = 60.0) -> list[str]:
    """The stores central does not yet count as fresh after `timeout` (empty when all caught up)."""
    deadline = time.monotonic() + timeout
    stale = list(store_ids)
    with httpx.Client(base_url=central_url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        while stale and time.monotonic() < deadline:
            stores = _check(http.get("/v1/stores"), "reading the store registry")["items"]
            stale = [s["id"] for s in stores if s["id"] in store_ids and not s.get("fresh")]
            if stale:
                time.sleep(0.5)
    return stale
