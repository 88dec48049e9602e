"""The store's sale, next to the bare work it cannot avoid: in process (service + SQLite), over HTTP with one
terminal, and with 20 terminals at once.

The bare transaction has the sale's shape on the store's own schema: the same reads, upserts and inserts with
rows of the same size, WAL and synchronous=FULL, one commit — everything a durable sale must do, and nothing else.
"""

import json
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

from edge.domain.sales import TenderIn
from edge.services.access import Associate, AssociateIn, Sessions, save_associates
from edge.services.sales import SaleIn, SaleLineIn, SalesService
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct
from shared.contract.models import Role
from shared.runtime.clock import utc_now
from shared.runtime.sqlite import Database
from tests.bench.harness import (
    Result,
    interleaved,
    latencies,
    percentile,
    rate,
    rate_result,
    time_result,
)
from tests.conftest import free_port

SKUS = [f"BENCH-{i:03d}" for i in range(50)]
ASSOCIATE = {"id": "A1", "name": "Ana", "pin": "2468", "role": "associate"}


def outbox_payload(lines: int) -> str:
    """A `sale.recorded` payload of `lines` lines, as the outbox keeps it."""
    return json.dumps({"receipt_number": "S001-000000", "currency": "EUR", "lines": [
        {"sku": SKUS[i], "qty": 1, "unit_price": 1990, "tax_rate_bp": 1900, "line_total": 1990, "override": None}
        for i in range(lines)], "tenders": [{"type": "cash", "amount": 1990 * lines, "reference": None}],
        "total": 1990 * lines, "change_due": 0,
        "stock": [{"sku": SKUS[i], "on_hand": 999, "reserved": 0, "damaged": 0} for i in range(lines)]})


def receipt_body(lines: int) -> str:
    """A receipt body of `lines` lines, as the sales table keeps it."""
    return json.dumps({"receipt_number": "S001-000000", "currency": "EUR", "lines": [
        {"sku": SKUS[i], "qty": 1, "unit_price": 1990, "tax_rate_bp": 1900, "line_total": 1990,
         "name": "Bench product"} for i in range(lines)],
        "total": 1990 * lines, "tax_included": [{"rate_bp": 1900, "gross": 1990 * lines, "tax": 318 * lines}],
        "tenders": [{"type": "cash", "amount": 1990 * lines}], "change_due": 0, "discrepancies": [], "at_risk": [],
        "cashier": "A1", "approved_by": None, "occurred_at": "2026-11-30T07:52:35.814Z", "seq": 3,
        "event_id": "01a22b71-00e7-7415-a0bf-108d9bb91897"})


def stocked_store(path: Path) -> Database:
    """A store database with a small catalog, every SKU in stock, and one associate."""
    db = open_database(path)
    with db.write() as conn:
        for sku in SKUS:
            upsert_product(conn, CatalogProduct(sku=sku, name="Bench product", price=1990, currency="EUR",
                                                tax_rate_bp=1900))
            conn.execute("INSERT INTO stock (sku, on_hand, reserved, damaged) VALUES (?, 10000000, 0, 0)", (sku,))
    save_associates(db, [AssociateIn(**ASSOCIATE)], utc_now())
    return db


class BareSale:
    """The sale's statements on the store's schema with ready-made rows: the floor under a durable sale of `lines`
    lines (each line its product read, its stock read and update, its ledger row and its sale line)."""

    def __init__(self, db: Database, lines: int = 1):
        self.conn, self.n, self.lines = db._conn, 0, lines
        self.payload, self.body = outbox_payload(lines), receipt_body(lines)

    def once(self) -> None:
        self.n += 1
        n, conn, at = self.n, self.conn, "2026-11-30T07:52:35.814Z"
        skus = [SKUS[(n + i) % len(SKUS)] for i in range(self.lines)]
        number, event_id = f"S001-B{n:08d}", f"bare-event-{n}"
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT request_hash, status, response FROM idempotency_keys WHERE scope='sale' AND key=?",
                     (f"bare-{n}",)).fetchone()
        on_hand = {}
        for sku in skus:
            conn.execute("SELECT sku, name, gtin, price, currency, tax_rate_bp, active FROM products WHERE sku = ?",
                         (sku,)).fetchone()
            on_hand[sku] = conn.execute("SELECT on_hand FROM stock WHERE sku = ?", (sku,)).fetchone()[0]
        conn.execute("INSERT INTO counters (name, value) VALUES ('bare', 1) ON CONFLICT (name) DO UPDATE "
                     "SET value = value + 1 RETURNING value").fetchone()
        seq = conn.execute("UPDATE sync_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq").fetchone()[0]
        conn.execute("INSERT INTO outbox (seq, id, type, payload, occurred_at, actor) VALUES (?, ?, ?, ?, ?, ?)",
                     (seq, event_id, "sale.recorded", self.payload, at, "A1"))
        for sku in skus:
            conn.execute("UPDATE stock SET on_hand = ? WHERE sku = ?", (on_hand[sku] - 1, sku))
            conn.execute("INSERT INTO stock_ledger (sku, on_hand_delta, reserved_delta, damaged_delta, reason, "
                         "reference, actor, event_id, at) VALUES (?, -1, 0, 0, 'sale', ?, 'A1', ?, ?)",
                         (sku, number, event_id, at))
        conn.execute("INSERT INTO sales (receipt_number, body, actor, approved_by, event_id, at) "
                     "VALUES (?, ?, 'A1', NULL, ?, ?)", (number, self.body, event_id, at))
        conn.executemany("INSERT INTO sale_lines (receipt_number, line_no, sku, qty, unit_price) "
                         "VALUES (?, ?, ?, 1, 1990)", [(number, i, sku) for i, sku in enumerate(skus, 1)])
        conn.execute("INSERT INTO sale_tenders (receipt_number, n, type, amount, reference) "
                     "VALUES (?, 1, 'cash', 1990, NULL)", (number,))
        conn.execute("INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at) "
                     "VALUES ('sale', ?, ?, 201, ?, ?)", (f"bare-{n}", "0" * 64, self.body, at))
        conn.execute("COMMIT")


def sale_body(n: int, lines: int = 1) -> dict:
    return {"lines": [{"sku": SKUS[(n + i) % len(SKUS)], "qty": 1} for i in range(lines)],
            "tenders": [{"type": "cash", "amount": 1990 * lines}]}


def in_process(root: Path, seconds: float, rounds: int) -> list[Result]:
    ours_db, bare_db = stocked_store(root / "sale-inproc.db"), stocked_store(root / "sale-bare.db")
    service = SalesService(ours_db, Sessions(ours_db, timedelta(minutes=30)), store_id="S001", currency="EUR",
                           online=lambda: False)
    associate, bare = Associate("A1", "Ana", Role.ASSOCIATE), BareSale(bare_db)
    count = iter(range(10**9))

    def sale() -> None:
        n = next(count)
        body = sale_body(n)
        service.record(SaleIn([SaleLineIn(line["sku"], line["qty"]) for line in body["lines"]],
                              [TenderIn("cash", 1990, None)], None, body), associate, f"associate:A1:k{n}", utc_now())

    ours, limit = interleaved(rounds, lambda: {"rate": rate(seconds, sale)}, lambda: {"rate": rate(seconds, bare.once)})
    ours_db.close(), bare_db.close()
    return [rate_result("edge sale in process (1 line)", ours["rate"], limit["rate"],
                        "bare durable transaction of the sale's shape", unit="sales/s", at_least=0.70)]


class EdgeServer:
    """The store's API (no NATS: a sale never waits on it) as its own process, as at a store."""

    def __init__(self, root: Path, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = root / f"{name}.db"
        stocked_store(self.db).close()
        self.log = (root / f"{name}.log").open("w")
        self.child = subprocess.Popen([sys.executable, "-m", "tests.bench.edge_server", str(self.db), str(self.port)],
                                      stdout=self.log, stderr=subprocess.STDOUT)

    def __enter__(self) -> "EdgeServer":
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the store's API did not start; see its log next to its database")

    def __exit__(self, *_) -> None:
        self.child.terminate()
        self.child.wait(10)
        self.log.close()

    def terminal(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=30)
        token = client.post("/v1/login", json={"associate_id": "A1", "pin": ASSOCIATE["pin"]}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        return client


class Terminal:
    """One counter posting sales, each with its own Idempotency-Key, as the TUI does."""

    def __init__(self, server: EdgeServer, name: str, lines: int = 1):
        self.client, self.name, self.lines, self.n = server.terminal(), name, lines, 0

    def sale(self) -> None:
        self.n += 1
        response = self.client.post("/v1/sales", json=sale_body(self.n, self.lines),
                                    headers={"Idempotency-Key": f"{self.name}-{self.n}"})
        assert response.status_code == 201, response.text

    def healthz(self) -> None:
        assert self.client.get("/healthz").status_code == 200


def over_http(root: Path, seconds: float, rounds: int) -> list[Result]:
    bare_db = stocked_store(root / "http-bare.db")
    with EdgeServer(root, "edge-one") as server:
        terminal = Terminal(server, "t1")
        results = []
        for lines in (1, 5):
            terminal.lines, bare = lines, BareSale(bare_db, lines)
            bare.n = 10**6 * lines  # its own receipt numbers

            def sales() -> dict[str, float]:
                taken = latencies(seconds, terminal.sale)
                return {"p50": percentile(taken, 50), "p99": percentile(taken, 99)}

            def limit() -> dict[str, float]:
                health = latencies(seconds / 2, terminal.healthz)
                txn = latencies(seconds / 2, bare.once)
                return {"p50": percentile(health, 50) + percentile(txn, 50),
                        "p99": percentile(health, 99) + percentile(txn, 99)}

            ours, floor = interleaved(rounds, sales, limit)
            results.append(time_result(f"edge sale over HTTP, 1 terminal, {lines} line(s), p50", ours["p50"],
                                       floor["p50"], "healthz p50 + bare transaction p50", unit="ms", at_most=2))
            results.append(Result(f"edge sale over HTTP, 1 terminal, {lines} line(s), p99", ours["p99"], "ms",
                                  floor["p99"], "healthz p99 + bare transaction p99", ours["p99"] / floor["p99"],
                                  "(reported)", True))
        terminal.client.close()
    bare_db.close()
    return results


def together(terminals: list[Terminal], seconds: float, step: str) -> float:
    """Every terminal calling `step` as fast as answers come, each on its own thread and connection; calls/s."""
    done = [0] * len(terminals)
    end = time.perf_counter() + seconds

    def run(i: int) -> None:
        call = getattr(terminals[i], step)
        while time.perf_counter() < end:
            call()
            done[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(terminals))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def twenty_terminals(root: Path, seconds: float, rounds: int) -> list[Result]:
    bare_db = stocked_store(root / "many-bare.db")
    bare = BareSale(bare_db)
    with EdgeServer(root, "edge-twenty") as server:
        terminals = [Terminal(server, f"t{i}") for i in range(20)]
        ours, limit = interleaved(
            rounds, lambda: {"rate": together(terminals, seconds, "sale")},
            lambda: {"health": together(terminals, seconds / 2, "healthz"), "bare": rate(seconds / 2, bare.once)})
        for terminal in terminals:
            terminal.client.close()
    bare_db.close()
    smaller = min(limit["health"], limit["bare"])
    name = "healthz/s with 20 terminals" if limit["health"] <= limit["bare"] else "bare durable transactions/s"
    return [rate_result("edge sales/s, 20 terminals", ours["rate"], smaller, f"the smaller of healthz/s with 20 "
                        f"terminals and bare transactions/s ({name})", unit="sales/s", at_least=0.5)]
