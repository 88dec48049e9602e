"""`omnistore demo`: NATS, central and two stores as separate processes, seeded, then the S001 counter UI.

Every file of the run (databases, logs, config, secrets, print previews) lives under `--dir`.
Tokens, passwords and PINs are drawn afresh for each run and written to `demo.json` for the newcomer.
"""

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from shared.contract.permissions import CENTRAL_USER
from shared.launcher.demo_data import STORES, WAREHOUSES
from shared.launcher.demo_seed import (
    place_sample_orders,
    ring_up_sample_sale,
    seed_central,
    seed_store,
    wait_until_fresh,
)
from shared.launcher.nats_cli import create_streams
from shared.launcher.nats_server import NatsLayout, NatsServer, write_deployment
from shared.launcher.processes import Child, python_module, run_to_end, wait_http

STAFF = {
    "S001": [("1001", "Lena Fischer", "associate"), ("9001", "Jonas Weber", "manager")],
    "S002": [("2001", "Mia Schulz", "associate"), ("9002", "Paul Becker", "manager")],
}


@dataclass(frozen=True)
class Ports:
    offset: int = 0

    @property
    def nats(self) -> int:
        return 4222 + self.offset

    @property
    def nats_monitor(self) -> int:
        return 8222 + self.offset

    @property
    def central(self) -> int:
        return 8100 + self.offset

    def store(self, index: int) -> int:
        return 8101 + index + self.offset


def _secret_file(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class Demo:
    """The running network; `stop()` ends every process it started."""

    def __init__(self, root: Path, ports: Ports, progress=print):
        self.root = root.resolve()
        self.ports = ports
        self.progress = progress
        self.logs = self.root / "logs"
        self.nats: NatsServer | None = None
        self.children: list[Child] = []
        self.started = time.monotonic()

    def _say(self, text: str) -> None:
        self.progress(f"[{time.monotonic() - self.started:5.1f}s] {text}")

    def start(self) -> dict:
        store_ids = [s["id"] for s in STORES]
        layout = NatsLayout(self.root)
        users = write_deployment(layout, store_ids=store_ids, host="127.0.0.1", port=self.ports.nats,
                                 monitor_port=self.ports.nats_monitor)
        nats_url = f"nats://127.0.0.1:{self.ports.nats}"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.nats = NatsServer(layout.config, self.ports.nats_monitor, log_file=self.logs / "nats.log")
        self.nats.start()
        asyncio.run(create_streams(nats_url, users[CENTRAL_USER], replicas=1))
        self._say(f"NATS JetStream up at {nats_url}")

        token = secrets.token_urlsafe(32)
        token_file = _secret_file(self.root / "secrets" / "central-admin.token", token)
        central_url = f"http://127.0.0.1:{self.ports.central}"
        central = self._spawn("central", python_module(
            "central", "serve", "--port", str(self.ports.central), "--db", str(self.root / "central.db"),
            "--nats-url", nats_url), {
            "OMNISTORE_CENTRAL_NATS_PASSWORD_FILE": str(layout.password_file(CENTRAL_USER)),
            "OMNISTORE_CENTRAL_ADMIN_TOKEN_FILE": str(token_file),
            # A demo's webhook receiver runs on this machine: let deliveries go to loopback and plain http.
            "OMNISTORE_CENTRAL_WEBHOOK_ALLOW_PRIVATE_URLS": "true"})
        wait_http(f"{central_url}/healthz", central)
        seed_central(central_url, token)
        self._say(f"central up at {central_url}; stores, {WAREHOUSES[0]['id']} and the catalog registered")

        summary_stores = {}
        for index, store in enumerate(STORES):
            summary_stores[store["id"]] = self._start_store(index, store, nats_url, layout)
        for store_id, info in summary_stores.items():
            manager = next(a for a in info["associates"] if a["role"] == "manager")
            seed_store(info["url"], store_id, manager["id"], manager["pin"], self._say)
        self._say("opening stock received at both stores")
        stale = wait_until_fresh(central_url, token, store_ids)
        if stale:
            self._say(f"warning: central does not count {', '.join(stale)} as fresh yet (see {self.logs})")
        orders = place_sample_orders(central_url, token)
        self._say(f"{len(orders)} sample online orders placed")
        harbour = summary_stores["S002"]
        harbour_manager = next(a for a in harbour["associates"] if a["role"] == "manager")
        receipt = ring_up_sample_sale(harbour["url"], "S002", harbour_manager["id"], harbour_manager["pin"])

        summary = {
            "nats": {"url": nats_url, "pid": self.nats.pid, "monitor": f"http://127.0.0.1:{self.ports.nats_monitor}"},
            "central": {"url": central_url, "pid": central.pid, "token": token, "docs": f"{central_url}/docs"},
            "stores": summary_stores,
            "warehouses": [w["id"] for w in WAREHOUSES],
            "orders": orders,
            "sample_receipt": {"number": receipt, "store": "S002"},
            "dir": str(self.root),
        }
        _secret_file(self.root / "demo.json", json.dumps(summary, indent=2))
        return summary

    def _start_store(self, index: int, store: dict, nats_url: str, layout: NatsLayout) -> dict:
        store_id = store["id"]
        db = self.root / f"edge-{store_id}.db"
        staff = [{"id": i, "name": n, "role": r, "pin": f"{secrets.randbelow(10**6):06d}"} for i, n, r in STAFF[store_id]]
        run_to_end(f"associates of {store_id}",
                   python_module("edge", "associates", "add", "--store", store_id, "--db", str(db)),
                   self.logs / f"edge-{store_id}.log", stdin_text=json.dumps(staff))
        url = f"http://127.0.0.1:{self.ports.store(index)}"
        child = self._spawn(f"edge-{store_id}", python_module(
            "edge", "serve", "--store", store_id, "--port", str(self.ports.store(index)), "--db", str(db),
            "--nats-url", nats_url), {
            "OMNISTORE_EDGE_NATS_PASSWORD_FILE": str(layout.password_file(store_id)),
            "OMNISTORE_EDGE_STORE_NAME": store["name"],
            "OMNISTORE_EDGE_STORE_ADDRESS": json.dumps(store["address"].split(", ", 1)),
            "OMNISTORE_EDGE_TIMEZONE": store["timezone"],
            "OMNISTORE_EDGE_PRINT_DIR": str(self.root / "prints" / store_id)})
        wait_http(f"{url}/healthz", child)
        self._say(f"store {store_id} {store['name']} up at {url}")
        return {"name": store["name"], "url": url, "pid": child.pid,
                "associates": [{"id": a["id"], "name": a["name"], "pin": a["pin"], "role": a["role"]} for a in staff]}

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        child = Child(name, argv, self.logs / f"{name}.log", env)
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        if self.nats is not None:
            self.nats.stop()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="omnistore demo", description=(
        "Start a whole network from this checkout: a JetStream nats-server, central, stores S001 Downtown and "
        "S002 Harbour, warehouse DC1, a catalog of 55 products with stock everywhere; then the counter UI of S001. "
        "Quitting the UI or Ctrl+C stops every process."))
    p.add_argument("--dir", type=Path, default=Path(".omnistore"),
                   help="where databases, logs, config, secrets and print previews live (default: ./.omnistore)")
    p.add_argument("--port-offset", type=int, default=0, metavar="K",
                   help="add K to every port (NATS 4222, monitor 8222, central 8100, S001 8101, S002 8102)")
    p.add_argument("--headless", action="store_true", help="no UI: run until interrupted (Ctrl+C or SIGTERM)")
    return p


def print_summary(summary: dict) -> None:
    print(f"\nomnistore demo is running (details in {summary['dir']}/demo.json)")
    print(f"  NATS     {summary['nats']['url']}")
    print(f"  central  {summary['central']['url']}   API docs {summary['central']['docs']}")
    print(f"           admin token {summary['central']['token']}")
    for store_id, store in summary["stores"].items():
        staff = ", ".join(f"{a['role']} {a['id']} PIN {a['pin']}" for a in store["associates"])
        print(f"  {store_id} {store['name']:<9} {store['url']}   {staff}")
    print(f"  warehouses {', '.join(summary['warehouses'])}")
    for order in summary["orders"]:
        code = f", pickup code {order['pickup_code']}" if order.get("pickup_code") else ""
        print(f"  sample {order['delivery']} order {order['id']} ({order['status']}{code})")
    receipt = summary["sample_receipt"]
    print(f"  sample receipt {receipt['number']} of {receipt['store']}: return it at S001 (F4, type the number)")
    print(flush=True)


def _run_ui(summary: dict) -> None:
    store = summary["stores"]["S001"]
    hint = " · ".join(f"{a['role']} {a['id']} PIN {a['pin']}" for a in store["associates"])
    subprocess.run(python_module("tui", "--edge", store["url"], "--login-hint", f"Demo sign-in: {hint}"))


def _tell(text: str) -> None:
    """Print, unless the terminal is gone (closed window): stopping must go on regardless."""
    try:
        print(text, flush=True)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    stop = threading.Event()

    def interrupted(signum, _frame):
        if stop.is_set():
            return
        stop.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGHUP, interrupted)  # the terminal closed: stop everything as for Ctrl+C
    demo = Demo(args.dir, Ports(args.port_offset))
    try:
        summary = demo.start()
        print_summary(summary)
        if args.headless:
            print("Ctrl+C stops the demo.", flush=True)
            while not stop.is_set():
                stop.wait(1)
        else:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the UI owns Ctrl+C while it runs
            _run_ui(summary)
    except KeyboardInterrupt:
        pass
    except Exception as e:
        print(f"The demo could not start: {e}\nLogs: {demo.logs}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        _tell("stopping the demo …")
        demo.stop()
        _tell("stopped.")
    return 0
