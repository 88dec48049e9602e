"""A store and central as real processes on a nats-server, for fault tests; each test ends with the
audit (`omnistore audit`'s own code) finding no error between the two."""

import random

import httpx

from edge.services.stock import StockService
from edge.store.schema import open_database
from shared.launcher.audit.cli import run
from shared.launcher.audit.compare import Difference, errors
from shared.launcher.audit.reading import Endpoint
from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll

SKU = "FAULT-TEE"
PRICE = 500


class Network:
    """Central and one store; `restart_*` kill with SIGKILL (no goodbye) and start again on the same files."""

    def __init__(self, root, nats, store_id: str, central: CentralProcess, edge_env: dict[str, str] | None = None):
        self.store_id = store_id
        self.central = central  # shared by the fault tests: a test that kills it starts it again
        self.head_office = httpx.Client(base_url=self.central.url, timeout=10,
                                        headers={"Authorization": f"Bearer {self.central.token}"})
        self.head_office.put(f"/v1/stores/{store_id}", json={"name": "Bergedorf", "address": "Sachsentor 1, Hamburg",
                                                            "lat": 53.4885, "lon": 10.2139}).raise_for_status()
        self.head_office.put(f"/v1/products/{SKU}", json={"name": "Fault test tee", "price": PRICE,
                                                         "currency": "EUR"}).raise_for_status()
        self.edge = EdgeProcess(root, store_id, nats, name="Bergedorf", env=edge_env).start()
        self.store = httpx.Client(base_url=self.edge.url, timeout=10)
        self.sign_in()
        poll(lambda: self.store.get(f"/v1/stock/{SKU}").status_code == 200, what="the product reaches the store")

    def sign_in(self) -> None:
        self.store.headers.pop("Authorization", None)
        token = self.store.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()
        self.store.headers["Authorization"] = f"Bearer {token['token']}"

    def receive(self, n: int, qty: int = 1) -> None:
        answer = self.store.post("/v1/stock/receive", json={"sku": SKU, "qty": qty, "reference": f"DEL-{n}"},
                                 headers={"Idempotency-Key": f"{self.store_id}-receive-{n}"})
        assert answer.status_code in (200, 201), answer.text

    def sell(self, key: str, qty: int = 1) -> httpx.Response:
        return self.store.post("/v1/sales", json={"lines": [{"sku": SKU, "qty": qty}],
                                                  "tenders": [{"type": "cash", "amount": PRICE * qty}]},
                               headers={"Idempotency-Key": key})

    def order_pickups(self, n: int) -> list[str]:
        """n one-unit pickup orders at the store, placed at head office once it promises the store's units; the
        allocation ids as they reach the store."""
        poll(lambda: self._promised() >= n, what="head office promises the store's units")
        for i in range(n):
            answer = self.head_office.post("/v1/orders", headers={"Idempotency-Key": f"{self.store_id}-order-{i}"},
                                           json={"channel": "web", "customer": {"name": f"Customer {i}"},
                                                 "lines": [{"sku": SKU, "qty": 1}],
                                                 "delivery": {"type": "pickup", "store_id": self.store_id}})
            assert answer.status_code == 201 and answer.json()["status"] == "allocated", answer.text
        fulfilments = poll(lambda: (items := self.store.get("/v1/fulfilments").json()["items"]) and
                           len(items) >= n and items, what="the allocations reach the store")
        return [f["allocation_id"] for f in fulfilments]

    def _promised(self) -> int:
        nodes = self.head_office.get(f"/v1/atp/{SKU}").json().get("nodes", [])
        return next((node["atp"] for node in nodes if node["node_id"] == self.store_id and node["fresh"]), 0)

    def record_while_stopped(self, n: int) -> None:
        """n deliveries recorded in the store's database while its agent is stopped, in one transaction (a
        backlog as fast as it can be made); the agent is started again afterwards."""
        self.edge.stop()
        db = open_database(self.edge.db)
        try:
            stock = StockService(db)
            with db.write():
                for i in range(n):
                    stock.receive(sku=SKU, qty=1, reference=f"BACKLOG-{i}", actor="A1", idempotency_key=None)
        finally:
            db.close()
        self.edge.start()
        self.sign_in()

    def kill_edge(self) -> None:
        _kill(self.edge.child)

    def restart_edge(self) -> None:
        self.kill_edge()
        self.edge.start()
        self.sign_in()

    def kill_central(self) -> None:
        _kill(self.central.child)

    def restart_central(self) -> None:
        self.kill_central()
        self.central.start()

    def status(self) -> dict:
        return self.store.get("/v1/sync/status").json()

    def audit(self) -> list[Difference]:
        """Every difference between the store and central, read through both APIs."""
        return run(self.store_id, Endpoint(self.central.url, self.central.token),
                   Endpoint(self.edge.url, self.store.headers["Authorization"].split()[1]))

    def agrees(self, timeout: float = 60) -> list[Difference]:
        """Wait until the audit finds no error; fail with its findings if it never does. Returns the notices."""
        last: list[Difference] = []

        def clean() -> bool:
            last[:] = self.audit()
            return not errors(last)
        try:
            poll(clean, timeout, what=f"store {self.store_id} and central agree", step=0.5)
        except AssertionError as e:
            raise AssertionError(f"{e}:\n" + "\n".join(map(str, last[:20]))) from None
        return last

    def close(self) -> None:
        self.store.close()
        self.head_office.close()
        self.edge.stop()
        if not self.central.child.alive():
            self.central.start()


def _kill(child) -> None:
    """SIGKILL: no goodbye, nothing flushed."""
    child.process.kill()
    child.process.wait()


def seeded(name: str) -> random.Random:
    """One seed per test, so a failure can be replayed; printed by pytest when the test fails."""
    return random.Random(f"omnistore-faults-{name}")
