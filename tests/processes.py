"""Real part processes for tests: an edge agent or central started the way an operator starts them."""

import json
import secrets
from pathlib import Path

from shared.launcher.processes import Child, python_module, run_to_end, wait_http
from shared.runtime.tls import client_context
from tests.conftest import free_port

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

    def start(self) -> "CentralProcess":
        self.child = Child("central", python_module(
            "central", "serve", "--port", str(self.port), "--db", str(self.root / "central.db"),
            "--nats-url", self.nats.url), self.root / "central.log", {
            "OMNISTORE_CENTRAL_NATS_PASSWORD_FILE": str(self.root / "nats-central.password"),
            "OMNISTORE_CENTRAL_ADMIN_TOKEN_FILE": str(self.root / "admin.token"), **self.env})
        wait_http(f"{self.url}/healthz", self.child, context=client_context(self.https_ca))
        return self

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()
