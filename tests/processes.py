"""Real part processes for tests: an edge agent or central started the way an operator starts them."""

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from shared.launcher.processes import Child, python_module, run_to_end, wait_http
from shared.runtime.tls import client_context
from tests.conftest import free_port
from tests.waiting import poll

ASSOCIATE = {"id": "A1", "name": "Ana Lange", "pin": "2468", "role": "associate"}
MANAGER = {"id": "M1", "name": "Max Roth", "pin": "1357", "role": "manager"}


class EdgeProcess:
    """`omnistore edge serve` for one store, with an associate and a manager provisioned."""

    def __init__(self, root: Path, store_id: str, nats, name: str = "Test store", env: dict[str, str] | None = None,
                 https_ca: Path | None = None, program: list[str] | None = None):
        self.root, self.store_id, self.nats, self.name = root, store_id, nats, name
        self.program = program or python_module("edge")  # what runs `edge …`: the module, or the store binary
        self.env = env or {}
        self.https_ca = https_ca  # the API serves HTTPS (its env names the certificate), verified with this CA
        self.db = root / f"edge-{store_id}.db"
        self.port = free_port()
        self.url = f"{'https' if https_ca else 'http'}://127.0.0.1:{self.port}"
        self.password_file = root / f"nats-{store_id}.password"
        self.password_file.write_text(nats.password(store_id))
        self.child: Child | None = None

    def provision(self) -> None:
        run_to_end("associates", [*self.program, "associates", "add", "--store", self.store_id, "--db", str(self.db)],
                   self.root / "associates.log", stdin_text=json.dumps([ASSOCIATE, MANAGER]))

    def start(self) -> "EdgeProcess":
        if not self.db.exists():
            self.provision()
        self.child = Child(f"edge-{self.store_id}", [
            *self.program, "serve", "--store", self.store_id, "--port", str(self.port), "--db", str(self.db),
            "--nats-url", self.nats.url], self.root / f"edge-{self.store_id}.log", {
            "OMNISTORE_EDGE_NATS_PASSWORD_FILE": str(self.password_file),
            "OMNISTORE_EDGE_STORE_NAME": self.name, **self.env})
        wait_http(f"{self.url}/healthz", self.child, context=client_context(self.https_ca))
        return self

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


class CentralProcess:
    """`omnistore central serve` with a fresh admin token."""

    def __init__(self, root: Path, nats, env: dict[str, str] | None = None, https_ca: Path | None = None):
        self.root, self.nats = root, nats
        self.env = env or {}
        self.https_ca = https_ca
        self.port = free_port()
        self.url = f"{'https' if https_ca else 'http'}://127.0.0.1:{self.port}"
        self.token = secrets.token_urlsafe(24)
        (root / "admin.token").write_text(self.token)
        (root / "nats-central.password").write_text(nats.password("central"))
        self.child: Child | None = None

    def start(self, *, wait: bool = True) -> "CentralProcess":
        """Started, and (unless `wait` is False) answering its health check."""
        self.child = Child("central", python_module(
            "central", "serve", "--port", str(self.port), "--db", str(self.root / "central.db"),
            "--nats-url", self.nats.url), self.root / "central.log", {
            "OMNISTORE_CENTRAL_NATS_PASSWORD_FILE": str(self.root / "nats-central.password"),
            "OMNISTORE_CENTRAL_ADMIN_TOKEN_FILE": str(self.root / "admin.token"), **self.env})
        if wait:
            wait_http(f"{self.url}/healthz", self.child, context=client_context(self.https_ca))
        return self

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


def signed_in(edge: "EdgeProcess") -> httpx.Client:
    """A client of the store's API signed in as its manager."""
    client = httpx.Client(base_url=edge.url, timeout=15)
    token = client.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@contextmanager
def stores_with_central(root: Path, nats_server, places: dict[str, tuple[str, float, float]],
                        products: dict[str, tuple[str, int]]) -> Iterator[tuple[httpx.Client, dict[str, httpx.Client]]]:
    """Central and an agent per store as processes, the stores registered at their `places` (name, lat, lon) and the
    `products` (name, price in cents) in the catalog: head office's client and each store's, signed in, once every
    store's catalog holds the products."""
    central = CentralProcess(root, nats_server).start()
    head_office = httpx.Client(base_url=central.url, headers={"Authorization": f"Bearer {central.token}"}, timeout=15)
    for store_id, (name, lat, lon) in places.items():
        head_office.put(f"/v1/stores/{store_id}", json={"name": name, "address": f"{name}, Hamburg", "lat": lat,
                                                        "lon": lon}).raise_for_status()
    for sku, (name, price) in products.items():
        head_office.put(f"/v1/products/{sku}", json={"sku": sku, "name": name, "price": price, "currency": "EUR",
                                                     "tax_rate_bp": 1900}).raise_for_status()
    edges = {store_id: EdgeProcess(root, store_id, nats_server, name=store_id).start() for store_id in places}
    clients = {store_id: signed_in(edge) for store_id, edge in edges.items()}
    try:
        for client in clients.values():
            poll(lambda c=client: all(c.get(f"/v1/stock/{sku}").status_code == 200 for sku in products),
                 what="the catalog at the store")
        yield head_office, clients
    finally:
        for client in clients.values():
            client.close()
        head_office.close()
        for edge in edges.values():
            edge.stop()
        central.stop()
