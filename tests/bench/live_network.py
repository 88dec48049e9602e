"""A real network for the bench: nats-server with one NATS user per store (as `omnistore nats` writes them),
central as its own process (`python -m central serve`), and stores and a catalog registered through central's
HTTP API, as head office would.

What runs here is what a deployment runs; only the stores are left to the caller (real publishers, or simulated
ones in `tests.bench.store_sim`).
"""

import asyncio
import json
import os
import secrets
import signal
import sqlite3
import time
from pathlib import Path

import httpx

from shared.contract import subjects
from shared.contract.permissions import CENTRAL_USER
from shared.launcher.nats_cli import create_streams
from shared.launcher.nats_server import NatsLayout, NatsServer, write_deployment
from shared.launcher.processes import Child, python_module, wait_http
from shared.runtime.nats_link import NatsLink
from tests.conftest import free_port

REGISTRATION_CALLS_AT_ONCE = 8


def store_ids(n: int) -> list[str]:
    return [f"S{i:04d}" for i in range(1, n + 1)]


def skus(n: int) -> list[str]:
    return [f"SIM-{i:04d}" for i in range(1, n + 1)]


def store_place(index: int) -> tuple[float, float]:
    """Stores spread over a country-sized grid (about 8 × 8 degrees)."""
    return 47.5 + (index * 7919 % 800) / 100, 6.0 + (index * 104729 % 800) / 100


class LiveNetwork:
    """nats-server, central and the registrations; `async with` starts them and stops what it started."""

    def __init__(self, root: Path, stores: list[str], catalog: list[str], *, central_env: dict[str, str] | None = None,
                 probe: bool = False, with_central: bool = True):
        """`probe`: central runs under `tests.bench.central_probe`, which times its phases (`probe_window`).
        `with_central=False`: only nats-server; the caller starts central when it wants one (`start_central`)."""
        self.root = root.resolve()
        self.probe_out = self.root / "probe.json" if probe else None
        self.stores, self.catalog = stores, catalog
        self.central_env = central_env or {}
        self.with_central = with_central
        self.token = secrets.token_urlsafe(24)
        self.nats_port, self.monitor_port, self.http_port = free_port(), free_port(), free_port()
        self.nats_url = f"nats://127.0.0.1:{self.nats_port}"
        self.central_url = f"http://127.0.0.1:{self.http_port}"
        self.db_path = self.root / "central.db"
        self.users: dict[str, str] = {}
        self.layout: NatsLayout | None = None
        self.nats: NatsServer | None = None
        self.central: Child | None = None

    async def __aenter__(self) -> "LiveNetwork":
        self.layout = NatsLayout(self.root)
        self.users = write_deployment(self.layout, store_ids=self.stores, host="127.0.0.1", port=self.nats_port,
                                      monitor_port=self.monitor_port)
        self.nats = NatsServer(self.layout.config, self.monitor_port, log_file=self.root / "nats.log")
        await asyncio.to_thread(self.nats.start)
        await create_streams(self.nats_url, self.users[CENTRAL_USER], replicas=1)
        if self.with_central:
            await self.start_central()
        return self

    async def __aexit__(self, *_) -> None:
        await self.stop_central()
        if self.nats is not None:
            await asyncio.to_thread(self.nats.stop)

    async def start_central(self, db_path: Path | None = None) -> None:
        """Central as its own process on `db_path` (a new file: a new central), once it answers, the stores and the
        catalog registered."""
        self.db_path = db_path or self.db_path
        token_file = self.root / "secrets" / "central-admin.token"
        token_file.write_text(self.token)
        module, probe_env = "central", {}
        if self.probe_out is not None:
            module, probe_env = "tests.bench.central_probe", {"OMNISTORE_PROBE_OUT": str(self.probe_out)}
        self.central = Child("central", python_module(
            module, "serve", "--port", str(self.http_port), "--db", str(self.db_path), "--nats-url", self.nats_url),
            self.root / "central.log",
            {"OMNISTORE_CENTRAL_NATS_PASSWORD_FILE": str(self.layout.password_file(CENTRAL_USER)),
             "OMNISTORE_CENTRAL_ADMIN_TOKEN_FILE": str(token_file), **probe_env, **self.central_env})
        await asyncio.to_thread(wait_http, f"{self.central_url}/healthz", self.central, 60)
        await self.register()

    async def stop_central(self) -> None:
        if self.central is not None:
            await asyncio.to_thread(self.central.stop)
            self.central = None

    def store_link(self, store_id: str) -> NatsLink:
        """A connection as the store's own NATS user (its permissions, its inbox), not started yet."""
        return NatsLink([self.nats_url], user=store_id, password=self.users[store_id],
                        inbox_prefix=subjects.store_inbox_prefix(store_id), name=store_id)

    def central_link(self) -> NatsLink:
        """A connection as central's NATS user (it owns the streams and consumers), not started yet."""
        return NatsLink([self.nats_url], user=CENTRAL_USER, password=self.users[CENTRAL_USER],
                        inbox_prefix=subjects.CENTRAL_INBOX_PREFIX, name="bench-central")

    def client(self, **kwargs) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.central_url, headers={"Authorization": f"Bearer {self.token}"},
                                 timeout=30, **kwargs)

    async def register(self) -> None:
        """Every store and product through central's API, a few calls at a time."""
        limit = asyncio.Semaphore(REGISTRATION_CALLS_AT_ONCE)
        async with self.client() as http:
            async def put(path: str, body: dict) -> None:
                async with limit:
                    response = await http.put(path, json=body)
                    if response.status_code >= 400:
                        raise RuntimeError(f"PUT {path}: {response.status_code} {response.text}")

            await asyncio.gather(*(put(f"/v1/products/{sku}", {
                "sku": sku, "name": f"Simulated product {sku}", "price": 1990, "currency": "EUR",
                "tax_rate_bp": 1900}) for sku in self.catalog))
            await asyncio.gather(*(put(f"/v1/stores/{store}", {
                "name": f"Store {store}", "address": f"Main street {i}, Town {store}",
                "lat": store_place(i)[0], "lon": store_place(i)[1]}) for i, store in enumerate(self.stores)))

    def probe_window(self, start: bool) -> None:
        """Start the probe's window, or end it and have its summary written (`probe_summary`)."""
        self.central.process.send_signal(signal.SIGUSR1 if start else signal.SIGUSR2)

    async def probe_summary(self, timeout: float = 10) -> dict:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                return json.loads(self.probe_out.read_text())
            except (OSError, ValueError):
                await asyncio.sleep(0.1)
        return {}

    def central_rss_mb(self) -> float:
        return rss_mb(self.central.pid)

    def central_cpu_s(self) -> float:
        return cpu_seconds(self.central.pid)

    def nats_cpu_s(self) -> float:
        return cpu_seconds(self.nats.pid)

    def database_bytes(self) -> int:
        """The database's size as a reader sees it (pages in the WAL counted, free pages not)."""
        conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            pages, free, size = (conn.execute(f"PRAGMA {name}").fetchone()[0]
                                 for name in ("page_count", "freelist_count", "page_size"))
        finally:
            conn.close()
        return (pages - free) * size


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (Linux `/proc/<pid>/stat`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
