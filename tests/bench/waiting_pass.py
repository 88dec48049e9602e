"""How long the pass over waiting orders holds central's writer, with a network's worth of nodes and a backlog of
orders waiting for stock (in process, the probe's timers around the writer).

    uv run python -m tests.bench.waiting_pass [--stores 1000] [--orders 500] [--filled 100]

`--orders` ship orders wait (backordered: no store holds the SKU), then `--filled` of them worth of units appear
at a few stores, then one pass runs; a second pass finds nothing more. Printed: each pass's time, the longest
time it held the writer and how many write transactions it took.
"""

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from central.domain.policy import RoutingPolicy
from central.services.catalog import Catalog
from central.services.orders import Orders
from central.services.waiting_orders import WaitingOrders
from central.settings import CentralSettings
from central.store import projection
from central.store.nodes import save_node
from central.store.schema import open_database
from shared.contract.models import Product, StockLevel
from shared.runtime.clock import to_text
from tests.bench import central_probe

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
SHIP_TO = {"type": "ship", "address": {"name": "Kim", "line1": "Eppendorfer Weg 1", "city": "Hamburg",
                                       "postal_code": "20259", "country": "DE", "lat": 53.57, "lon": 9.98}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--filled", type=int, default=100)
    args = parser.parse_args(argv)
    central_probe._install_database_timers()
    central_probe._install_operation_timers()
    rng = random.Random(14)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(Path(tmp) / "central.db")
        settings = CentralSettings(db_path=Path(tmp) / "central.db", admin_token="waiting-pass-bench-token")
        policy = RoutingPolicy(auto_accept=False)
        orders = Orders(db, settings, lambda: policy, lambda: None)
        Catalog(db, settings, published=lambda: None, now=NOW).save_product(
            Product(sku="TEE", name="Tee", price=1999, currency="EUR", tax_rate_bp=1900), NOW)
        stores = [f"S{i:04d}" for i in range(args.stores)]
        with db.write() as conn:
            for store_id in stores:
                save_node(conn, store_id, "store", {"name": store_id, "address": "x", "lat": rng.uniform(47, 55),
                                                    "lon": rng.uniform(6, 15),
                                                    "capabilities": ["pickup", "ship_from_store"]}, NOW)
                conn.execute("INSERT INTO store_sync (store_id, epoch, applied_seq, last_heartbeat_at, hb_epoch, "
                             "hb_last_seq) VALUES (?, 'e', 1, ?, 'e', 1)", (store_id, to_text(NOW)))
        for i in range(args.orders):
            orders.place({"channel": "web", "customer": {"name": "Kim"}, "delivery": SHIP_TO,
                          "lines": [{"sku": "TEE", "qty": 1}]}, None, NOW + timedelta(milliseconds=i))
        with db.write() as conn:  # units for `filled` orders appear at ten stores
            for store_id in stores[:10]:
                projection.write_levels(conn, store_id, [StockLevel(sku="TEE", on_hand=args.filled // 10,
                                                                    reserved=0, damaged=0)], to_text(NOW), 1)
        passes = WaitingOrders(db, orders, lambda: None)
        for name in ("stock appeared", "nothing new"):
            central_probe._SAMPLES.clear()
            started = time.perf_counter()
            routed = passes.retry(NOW + timedelta(seconds=1))
            took = time.perf_counter() - started
            held = central_probe._SAMPLES.get("db held (write, pass: waiting orders (backorders))", [])
            print(f"{name}: {routed} orders routed in {took:.2f} s; writer held {len(held)} times, longest "
                  f"{max(held, default=0):.0f} ms, in all {sum(held):.0f} ms")
        db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
