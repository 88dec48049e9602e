"""ATP of one SKU at central as the API answers it, next to the bare covering-index read of the same rows; and
routing's inputs for an order (every node with its ATP of the order's SKUs) next to the bare reads of those rows.

The network: 2,000 nodes (10 of them warehouses) and 20,000 products. The SKUs asked about are held at every node;
the rest of the levels table is filled sparsely so the SKU's range is found in a table of realistic size.
"""

import random
import time
from datetime import timedelta
from pathlib import Path

from central.domain.policy import RoutingPolicy
from central.settings import CentralSettings
from central.store.atp import atp_view
from central.store.node_facts import NodeFacts
from central.store.routing_inputs import node_table
from central.store.schema import open_database
from shared.runtime.clock import to_text, utc_now
from tests.bench.harness import Result, interleaved, percentile, time_result

NODES, PRODUCTS, ASKED = 2000, 20_000, 20


def network(path: Path, other_levels: int) -> None:
    rng, now = random.Random(5), utc_now()
    at = to_text(now)
    db = open_database(path)
    with db.write() as conn:
        conn.executemany("INSERT INTO nodes (id, type, name, address, lat, lon, capabilities, stock_as_of, "
                         "stock_received_at, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?)",
                         [(f"N{i:04d}", "warehouse" if i < 10 else "store", f"Node {i}", 47 + rng.random() * 8,
                           6 + rng.random() * 9, '["ship"]' if i < 10 else '["pickup", "ship_from_store"]',
                           at if i < 10 else None, at if i < 10 else None, at, at) for i in range(NODES)])
        conn.executemany("INSERT INTO store_sync (store_id, epoch, applied_seq, last_heartbeat_at, hb_epoch, "
                         "hb_last_seq) VALUES (?, 'e', 1, ?, 'e', 1)",
                         [(f"N{i:04d}", to_text(now - timedelta(seconds=5))) for i in range(10, NODES)])
        conn.executemany("INSERT INTO products (sku, name, price, currency, tax_rate_bp, active, updated_at) "
                         "VALUES (?, 'p', 100, 'EUR', 0, 1, ?)", [(f"SKU{s:05d}", at) for s in range(PRODUCTS)])
        conn.executemany("INSERT INTO levels (sku, node_id, on_hand, reserved, damaged, as_of) VALUES (?, ?, ?, ?, 0, ?)",
                         [(f"SKU{s:05d}", f"N{i:04d}", rng.randint(0, 20), rng.randint(0, 2), at)
                          for s in range(ASKED) for i in range(NODES)])
        conn.executemany("INSERT OR IGNORE INTO levels (sku, node_id, on_hand, reserved, damaged, as_of) "
                         "VALUES (?, ?, ?, 0, 0, ?)",
                         [(f"SKU{rng.randrange(ASKED, PRODUCTS):05d}", f"N{rng.randrange(NODES):04d}",
                           rng.randint(0, 20), at) for _ in range(other_levels)])
    db.close()


def warm(facts: NodeFacts, db) -> NodeFacts:
    """The memory filled, as in a running central (it fills once, at its first read)."""
    with db.read() as conn:
        facts.at(conn)
    return facts


def atp(root: Path, seconds: float, rounds: int) -> list[Result]:
    path = root / "central-atp.db"
    network(path, other_levels=int(200_000 * seconds))
    db, settings = open_database(path), CentralSettings(db_path=path, admin_token="bench-admin-token-0123")
    facts = warm(NodeFacts(db), db)  # as central keeps them: the nodes' facts in memory
    asked = iter(range(10**9))

    def timed(read) -> dict[str, float]:
        taken = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end or len(taken) < 20:
            sku = f"SKU{next(asked) % ASKED:05d}"
            with db.read() as conn:
                started = time.perf_counter()
                read(conn, sku)
                taken.append((time.perf_counter() - started) * 1000)
        return {"p50": percentile(taken, 50), "p99": percentile(taken, 99)}

    def ours(conn, sku):
        return atp_view(conn, sku, utc_now(), settings, facts=facts)

    def bare(conn, sku):
        return conn.execute("SELECT node_id, on_hand, reserved, as_of FROM levels WHERE sku = ?", (sku,)).fetchall()

    measured, limit = interleaved(rounds, lambda: timed(ours), lambda: timed(bare))
    db.close()
    return [time_result(f"ATP of one SKU, {NODES} nodes × {PRODUCTS} SKUs, p99", measured["p99"], limit["p99"],
                        "the bare covering-index read of the SKU's levels, p99", unit="ms", at_most=3)]


def routing_inputs(root: Path, seconds: float, rounds: int) -> list[Result]:
    """What placing an order reads before routing it: `node_table` of 1–8 SKUs (each held at every node)."""
    path = root / "central-routing.db"
    network(path, other_levels=int(200_000 * seconds))
    db, settings = open_database(path), CentralSettings(db_path=path, admin_token="bench-admin-token-0123")
    rng, policy, facts = random.Random(16), RoutingPolicy(), warm(NodeFacts(db), db)
    orders = [[f"SKU{s:05d}" for s in rng.sample(range(ASKED), rng.randint(1, 8))] for _ in range(1000)]
    picked = iter(range(10**9))

    def timed(read) -> dict[str, float]:
        taken = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end or len(taken) < 20:
            skus = orders[next(picked) % len(orders)]
            with db.read() as conn:
                started = time.perf_counter()
                read(conn, skus)
                taken.append((time.perf_counter() - started) * 1000)
        return {"p99": percentile(taken, 99)}

    def ours(conn, skus):
        return node_table(conn, skus, utc_now(), settings, policy, facts=facts)

    def bare(conn, skus):
        conn.execute("SELECT id, lat, lon FROM nodes").fetchall()
        for sku in skus:
            conn.execute("SELECT node_id, on_hand, reserved FROM levels WHERE sku = ?", (sku,)).fetchall()

    measured, limit = interleaved(rounds, lambda: timed(ours), lambda: timed(bare))
    db.close()
    return [Result(f"routing's inputs, 1–8 SKUs over {NODES} nodes, p99", measured["p99"], "ms", limit["p99"],
                   "the bare reads of the nodes' places and each SKU's levels, p99", measured["p99"] / limit["p99"],
                   "(reported)", True)]
