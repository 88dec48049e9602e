"""Head office's reports over a month, and order search.

The measure `reports` of the bench (`uv run python -m tests.bench --only reports`): KPIs, two daily series and both
CSV forms of a 30-day window over a realistic month (`tests.bench.report_month`: 50 stores, 30,000 orders, 60,000
walk-in receipts; a quick run a fifth of it), each against a bare scan of the same window's rows measured
interleaved with it — what any report must at least read.

    uv run python -m tests.bench.reports [orders]

prints the median time of each order search (email, phone, name prefix, with and without other filters) over
100,000 orders, and of the KPI report of one day and of thirty days.
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
from central.services.reports import Reports, daily_csv, kpis_csv
from central.settings import CentralSettings
from central.store.order_search import order_ids
from central.store.schema import open_database
from shared.runtime.clock import to_text
from tests.bench.harness import Result, interleaved, time_result
from tests.bench.report_month import MONTH_START, month

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


def reports(root: Path, seconds: float, rounds: int) -> list[Result]:
    """Each report of the month's 30 days, in ms, against the bare scan of the window's orders and receipts."""
    scale = 1 if seconds >= 1 else 5
    path = root / "central-month.db"
    db = open_database(path)
    month(db, orders=30_000 // scale, receipts=60_000 // scale)
    service = Reports(db, CentralSettings(db_path=path, admin_token="bench-admin-token-0123"), RoutingPolicy)
    window, now = Window(MONTH_START.date(), MONTH_START.date() + timedelta(days=29)), MONTH_START + timedelta(days=31)
    span = (to_text(window.start), to_text(window.end))
    asked = {
        "KPIs": lambda: service.kpis(window, None, None, now),
        "KPIs as CSV": lambda: kpis_csv(service.kpis(window, None, None, now)),
        "KPIs of one store": lambda: service.kpis(window, "S007", None, now),
        "daily fill_rate": lambda: service.daily(window, "fill_rate", None, None, now),
        "daily sales as CSV": lambda: daily_csv(service.daily(window, "sales", None, None, now)),
    }

    def scan() -> None:
        with db.read() as conn:
            conn.execute("SELECT count(*), sum(length(paid)) FROM orders WHERE created_at >= ? AND created_at < ?",
                         span).fetchone()
            conn.execute("SELECT count(*), sum(length(body)) FROM store_receipts WHERE occurred_at >= ? "
                         "AND occurred_at < ?", span).fetchone()

    def timed(runs: dict) -> dict[str, float]:
        taken = {}
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            taken[name] = (time.perf_counter() - started) * 1000
        return taken

    measured, limit = interleaved(rounds, lambda: timed(asked), lambda: timed({name: scan for name in asked}))
    db.close()
    days = f"30 days, {30_000 // scale:,} orders, {60_000 // scale:,} receipts"
    return [time_result(f"report: {name} of {days}", measured[name], limit[name],
                        "a bare scan of the window's orders and receipt bodies", unit="ms", at_most=REPORT_GOAL)
            for name in asked]


REPORT_GOAL = 10  # a report reads several tables and computes a dozen figures: ten bare scans' worth


if __name__ == "__main__":
    main()
