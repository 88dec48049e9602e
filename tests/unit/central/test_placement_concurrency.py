"""Orders routed on a read snapshot and written afterwards never promise a unit twice.

Invariant: when an order's allocations commit, the units allocated at each of its nodes for each SKU (its own and
every other live allocation there) do not exceed what the ATP rule allows there (on hand − reserved − safety
stock): the raw ATP at those pairs is never below zero right after the commit. Proved with real threads placing
orders at once on a real SQLite file, and over random interleavings of routing, writing and stock changes.
"""

import os
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.domain.placement import PlanOutdated
from central.domain.policy import RoutingPolicy
from central.services.catalog import Catalog
from central.services.orders import Orders
from central.settings import CentralSettings
from central.store import orders as order_store
from central.store import projection
from central.store.atp import pending_by_node, stocked_figures
from central.store.nodes import save_node
from central.store.schema import open_database
from shared.contract.models import Product, StockLevel
from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7

STORES = {"S001": (53.55, 9.99), "S002": (53.56, 10.02), "S003": (53.60, 9.95)}
PRICES = {"TEE": 1999, "MUG": 850}
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
EXAMPLES = int(os.environ.get("OMNISTORE_PLACEMENT_PROPERTY_EXAMPLES", "40"))
SHIP_TO = {"type": "ship", "address": {"name": "Kim", "line1": "Eppendorfer Weg 1", "city": "Hamburg",
                                       "postal_code": "20259", "country": "DE", "lat": 53.57, "lon": 9.98}}


class Central:
    """Central's order desk on a real SQLite file (read connections per thread, as deployed), three fresh stores."""

    def __init__(self, root: Path):
        self.db = open_database(root / "central.db")
        self.policy = RoutingPolicy(auto_accept=False)
        central = CentralSettings(db_path=root / "central.db", admin_token="placement-test-token-1")
        self.orders = Orders(self.db, central, lambda: self.policy, lambda: None)
        catalog = Catalog(self.db, central, published=lambda: None, now=NOW)
        for sku, price in PRICES.items():
            catalog.save_product(Product(sku=sku, name=sku, price=price, currency="EUR", tax_rate_bp=1900), NOW)
        self.epoch, self.seq = uuid7(), 0
        with self.db.write() as conn:
            for store_id, (lat, lon) in STORES.items():
                save_node(conn, store_id, "store", {"name": store_id, "address": "x", "lat": lat, "lon": lon,
                                                    "capabilities": ["pickup", "ship_from_store"]}, NOW)
                conn.execute("INSERT INTO store_sync (store_id, epoch, applied_seq, last_heartbeat_at, hb_epoch, "
                             "hb_last_seq) VALUES (?, ?, 0, ?, ?, 0)", (store_id, self.epoch, to_text(NOW),
                                                                        self.epoch))

    def set_stock(self, store_id: str, sku: str, on_hand: int) -> None:
        """A store's event setting its figure, applied as ingest applies it (the store stays fresh)."""
        self.seq += 1
        with self.db.write() as conn:
            projection.write_levels(conn, store_id, [StockLevel(sku=sku, on_hand=on_hand, reserved=0, damaged=0)],
                                    to_text(NOW), self.seq)
            conn.execute("UPDATE store_sync SET applied_seq=?, hb_last_seq=? WHERE store_id=?",
                         (self.seq, self.seq, store_id))

    def raw_atp(self, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """On hand − reserved − allocated and pending − safety stock at these (node, SKU) pairs, unclamped."""
        found = {}
        with self.db.read() as conn:
            skus = sorted({sku for _, sku in pairs})
            pending = pending_by_node(conn, skus)
            for sku in skus:
                figures = dict((node, (held, kept, safety)) for node, held, kept, safety in
                               zip(*stocked_figures(conn, sku, self.policy.safety_stock_default)))
                for node, wanted in pairs:
                    if wanted == sku:
                        held, kept, safety = figures.get(node, (0, 0, 0))
                        found[(node, sku)] = held - kept - pending.get((sku, node), 0) - safety
        return found

    def allocated_pairs(self, order_id: str) -> set[tuple[str, str]]:
        with self.db.read() as conn:
            return {(a["node_id"], sku) for a in order_store.allocations_of(conn, order_id)
                    for sku, _ in order_store.lines_of_allocation(conn, a["id"]).items()}


def body(lines: dict[str, int], delivery: dict = SHIP_TO) -> dict:
    return {"channel": "web", "customer": {"name": "Kim"}, "delivery": delivery,
            "lines": [{"sku": sku, "qty": qty} for sku, qty in lines.items()]}


def test_orders_placed_at_once_from_many_threads_never_promise_a_unit_twice(tmp_path):
    central = Central(tmp_path)
    for store_id in STORES:
        central.set_stock(store_id, "TEE", 4)
    placed, failures = [], []

    def customer(n: int) -> None:
        try:
            for i in range(6):
                _, view = central.orders.place(body({"TEE": 1 + (n + i) % 2}), None, NOW)
                placed.append(view["id"])
        except Exception as e:  # a thread's failure is the test's
            failures.append(e)

    threads = [threading.Thread(target=customer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(placed) == 48
    atp = central.raw_atp({(store_id, "TEE") for store_id in STORES})
    assert all(left >= 0 for left in atp.values()), atp
    assert sum(atp.values()) <= 1 * len(STORES)  # the stock went to orders: a store keeps at most one unit


# What happens next: an order routed on the snapshot, the n-th order routed and not yet written is written, a
# store's figure is set.
route_step = st.tuples(st.just("route"), st.sampled_from(sorted(PRICES)), st.integers(2, 3), st.booleans(),
                       st.sampled_from(sorted(STORES)))
write_step = st.tuples(st.just("write"), st.integers(0, 5))
stock_step = st.tuples(st.just("stock"), st.sampled_from(sorted(STORES)), st.sampled_from(sorted(PRICES)),
                       st.integers(0, 4))


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(route_step, route_step, write_step, write_step, stock_step), min_size=3, max_size=25))
def test_no_interleaving_of_routing_writing_and_stock_changes_promises_a_unit_twice(steps):
    with tempfile.TemporaryDirectory() as tmp:
        central = Central(Path(tmp))
        for store_id in STORES:
            for sku in PRICES:
                central.set_stock(store_id, sku, 3)
        routed: list[tuple[dict, object]] = []   # orders routed on a snapshot, not written yet
        for step in steps:
            if step[0] == "route":
                _, sku, qty, pickup, store_id = step
                order = body({sku: qty}, {"type": "pickup", "store_id": store_id} if pickup else SHIP_TO)
                routed.append((order, central.orders.propose(order, None, NOW)))
            elif step[0] == "stock":
                central.set_stock(*step[1:])
            elif routed:
                order, proposal = routed.pop(step[1] % len(routed))
                try:
                    _, view, _ = central.orders.commit(order, None, NOW, proposal)
                except PlanOutdated:
                    _, view = central.orders.place(order, None, NOW)  # routed again, as placement does
                pairs = central.allocated_pairs(view["id"])
                atp = central.raw_atp(pairs)
                assert all(left >= 0 for left in atp.values()), (view, atp)
        central.db.close()
