"""Order search and KPIs over 100,000 orders written straight into central's schema.

    uv run python -m tests.bench.reports [orders]

Prints the median time of each search (email, phone, name prefix, with and without other filters) and of the KPI
report of one day and of thirty days.
"""

import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from central.domain.policy import RoutingPolicy
from central.domain.reports import Window
from central.services.reports import Reports
from central.settings import CentralSettings
from central.store.order_search import order_ids
from central.store.schema import open_database
from shared.runtime.clock import to_text

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


def fill(db, n: int, rng: random.Random) -> None:
    with db.write() as conn:
        for i in range(n):
            at = START + timedelta(minutes=i * 43200 * 2 // n)  # spread over 60 days
            oid = f"ORD-{i:010d}"
            customer = {"name": f"Customer {i % 30000}", "email": f"c{i % 30000}@example.com",
                        "phone": f"+44 20 {i % 30000:08d}"}
            conn.execute("INSERT INTO orders (id, channel, customer, delivery, delivery_type, allow_split, status, "
                         "currency, total, paid, created_at, updated_at) VALUES (?, ?, ?, ?, 'ship', 1, ?, 'EUR', "
                         "1000, ?, ?, ?)",
                         (oid, rng.choice(["web", "app"]), json.dumps(customer), json.dumps({"type": "ship"}),
                          rng.choice(["completed", "in_fulfilment"]), json.dumps([{"tender": "online",
                                                                                     "amount": 1000}]),
                          to_text(at), to_text(at)))
            conn.execute("INSERT INTO order_lines (order_id, sku, qty, unit_price) VALUES (?, ?, 1, 1000)",
                         (oid, f"SKU{rng.randint(1, 500)}"))
            conn.execute("INSERT INTO allocations (id, order_id, node_id, node_type, type, status, created_at, "
                         "updated_at) VALUES (?, ?, ?, 'warehouse', 'ship', 'shipped', ?, ?)",
                         (f"AL-{i}", oid, f"DC{i % 3}", to_text(at), to_text(at)))
            conn.execute("INSERT INTO order_history (order_id, at, kind, status, source) VALUES (?, ?, 'status', "
                         "'completed', 'api')", (oid, to_text(at + timedelta(hours=5))))


def timed(run, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "central.db")
        started = time.perf_counter()
        fill(db, n, random.Random(3))
        print(f"\n{n} orders written in {time.perf_counter() - started:.1f} s")
        searches = {"email": {"email": "c123@example.com"}, "phone": {"phone": "+44 20 00000123"},
                    "name prefix": {"name": "customer 1234"},
                    "email + channel + dates": {"email": "c123@example.com", "channel": "web",
                                                "created_from": START, "created_to": START + timedelta(days=30)},
                    "store + status (page of 100)": {"store": "DC1", "status": "completed"}}
        print(f"{'search':<32} {'ms':>8}")
        with db.read() as conn:
            for name, filters in searches.items():
                print(f"{name:<32} {timed(lambda: order_ids(conn, filters, None, 101)):>8.2f}")
        reports = Reports(db, CentralSettings(db_path=Path(folder) / "central.db", admin_token="3f9a1c77e2b04d5e"),
                          RoutingPolicy)
        now = START + timedelta(days=61)
        for days in (1, 30):
            window = Window(date(2026, 1, 10), date(2026, 1, 10) + timedelta(days=days - 1))
            ms = timed(lambda: reports.kpis(window, None, None, now), repeat=1)
            print(f"{f'KPIs of {days} day(s)':<32} {ms:>8.2f}")
            ms = timed(lambda: reports.daily(window, "fill_rate", None, None, now), repeat=1)
            print(f"{f'daily fill_rate of {days} day(s)':<32} {ms:>8.2f}")
        db.close()


if __name__ == "__main__":
    main()
