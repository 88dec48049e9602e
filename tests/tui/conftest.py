"""The stores the UI tests drive, a few products with stock in each.

`store`: the agent's app served from the test process, offline (no NATS, no central) — quick to start, for
everything the counter does on its own. `shop`: a real little network (central and one store agent as
processes, over NATS) for the journeys that need head office or the link; tests using it are marked slow.
"""

import httpx
import pytest

from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.tui.in_process import InProcessStore
from tests.waiting import poll

SHOP = "S005"
PRODUCTS = [
    {"sku": "UI-TEE-M", "name": "Organic cotton T-shirt, size M", "gtin": "2000000000718", "price": 1999,
     "currency": "EUR", "tax_rate_bp": 1900},
    {"sku": "UI-MUG", "name": "Enamel mug 'Moin'", "gtin": "2000000000725", "price": 1199, "currency": "EUR",
     "tax_rate_bp": 1900},
    {"sku": "UI-TEA", "name": "East Frisian black tea, 250 g", "gtin": "2000000000732", "price": 699,
     "currency": "EUR", "tax_rate_bp": 700},
]


def receive_opening_stock(api: httpx.Client) -> None:
    for product in PRODUCTS:
        api.post("/v1/stock/receive", json={"sku": product["sku"], "qty": 20, "reference": "OPENING"},
                 headers={"Idempotency-Key": f"ui-opening-{product['sku']}"}).raise_for_status()


class Shop:
    def __init__(self, root, nats):
        self.central = CentralProcess(root, nats).start()
        self.head_office = head_office = httpx.Client(base_url=self.central.url, timeout=10,
                                                      headers={"Authorization": f"Bearer {self.central.token}"})
        head_office.put(f"/v1/stores/{SHOP}", json={"name": "Ottensen", "address": "Ottenser Hauptstraße 10, Hamburg",
                                                    "lat": 53.5526, "lon": 9.9268}).raise_for_status()
        for product in PRODUCTS:
            head_office.put(f"/v1/products/{product['sku']}", json=product).raise_for_status()
        self.prints = root / "prints"
        self.edge = EdgeProcess(root, SHOP, nats, name="Ottensen",
                                env={"OMNISTORE_EDGE_PRINT_DIR": str(self.prints)}).start()
        self.api = httpx.Client(base_url=self.edge.url, timeout=10)
        token = self.api.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()
        self.api.headers["Authorization"] = f"Bearer {token['token']}"
        poll(lambda: len(self.api.get("/v1/products", params={"q": "UI-"}).json()["items"]) == len(PRODUCTS),
             what="the catalog reaches the store")
        receive_opening_stock(self.api)

    @property
    def url(self) -> str:
        return self.edge.url

    def on_hand(self, sku: str) -> int:
        return self.api.get(f"/v1/stock/{sku}").json()["on_hand"]

    def close(self) -> None:
        self.api.close()
        self.head_office.close()
        self.edge.stop()
        self.central.stop()


@pytest.fixture(scope="module")
def shop(tmp_path_factory, nats_server):
    running = Shop(tmp_path_factory.mktemp("shop"), nats_server)
    yield running
    running.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    running = InProcessStore(tmp_path_factory.mktemp("store"), SHOP, "Ottensen", PRODUCTS).start()
    receive_opening_stock(running.api)
    yield running
    running.stop()
