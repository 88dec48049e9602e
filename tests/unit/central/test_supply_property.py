"""Inbound supply and backorders over random sequences of purchase orders (to a warehouse or a pickup store),
receipts whole or partial (more than ordered too), cancelled purchase orders, orders (and preorders) placed and
cancelled, and warehouse stock appearing elsewhere; central's own services in-process on a real SQLite file.

Invariant — an inbound unit is promised at most once:
- for every purchase-order line, the units open claims hold never exceed its outstanding units (none once it is
  received in full or cancelled);
- an order's live allocations plus its claims never exceed what it still wants, and only an open order that is
  not being cancelled holds claims; an order with claims and no live allocation is `awaiting_stock`;
- the units receipts allocated from a purchase-order line never exceed what was received on it.
"""

import json
import os
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from central.bootstrap import CentralService
from central.domain.orders import CLOSED_ORDERS, LIVE_ALLOCATIONS, OrderStatus
from central.domain.policy import RoutingPolicy
from central.settings import CentralSettings
from shared.contract.errors import DomainError
from shared.contract.models import Product
from shared.runtime.clock import to_text

START = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
SKUS = ("HAT", "CAP", "PRE")  # PRE is released after the sequence ends: every order of it is a preorder
EXAMPLES = int(os.environ.get("OMNISTORE_SUPPLY_PROPERTY_EXAMPLES", "20"))  # more: set it (e.g. 300)
LONDON = {"type": "ship", "address": {"name": "Ada", "line1": "1 Road", "city": "London", "postal_code": "N1",
                                      "country": "GB", "lat": 51.5, "lon": -0.12}}
PICKUP = {"type": "pickup", "store_id": "S001"}

quantities = st.dictionaries(st.sampled_from(SKUS), st.integers(1, 4), min_size=1, max_size=3)
purchases = st.lists(st.tuples(st.just("purchase"), st.sampled_from(["DC1", "S001"]), quantities,
                                st.integers(1, 20)), min_size=1, max_size=3)
receipts = st.tuples(st.just("receive"), st.integers(0, 9), st.integers(0, 2), st.integers(1, 5))
steps = st.lists(st.one_of(
    receipts, receipts,  # twice as likely as the others: claims meet their supply more often
    st.tuples(st.just("order"), quantities, st.booleans()),
    st.tuples(st.just("purchase"), st.sampled_from(["DC1", "S001"]), quantities, st.integers(1, 20)),
    st.tuples(st.just("cancel_po"), st.integers(0, 9)),
    st.tuples(st.just("cancel_order"), st.integers(0, 19)),
    st.tuples(st.just("stock"), st.sampled_from(SKUS), st.integers(0, 3)),
), min_size=4, max_size=25)


def service(root: Path) -> CentralService:
    central = CentralService(CentralSettings(db_path=root / "central.db", admin_token="property-test-admin-01"),
                             with_nats=False)
    central.catalog.set_policy(RoutingPolicy(allow_backorders=True, allow_preorders=True), START)
    for sku in SKUS:
        central.catalog.save_product(Product(sku=sku, name=sku, price=500, currency="EUR",
                                             release_at=START + timedelta(days=1) if sku == "PRE" else None), START)
    central.nodes.register_warehouse("DC1", {"name": "DC1", "address": "Unit 1", "lat": 51.45, "lon": -0.3,
                                             "capabilities": ["ship"]}, START)
    # A registered store that never reports is stale: nothing routes to it, but supply may arrive there.
    central.nodes.register_store("S001", {"name": "S001", "address": "High St", "lat": 51.51, "lon": -0.13,
                                          "capabilities": ["pickup", "ship_from_store"],
                                          "ship_capacity_per_day": None}, START)
    return central


def check(central: CentralService, received: dict[tuple[str, str], int]) -> None:
    with central.db.read() as conn:
        for line in conn.execute(
                "SELECT l.supply_id, l.sku, l.qty, l.received, s.status, (SELECT COALESCE(SUM(c.qty), 0) FROM "
                "supply_claims c WHERE c.supply_id = l.supply_id AND c.sku = l.sku) AS claimed FROM supply_lines l "
                "JOIN supply_orders s ON s.id = l.supply_id"):
            outstanding = max(0, line["qty"] - line["received"]) if line["status"] == "open" else 0
            assert line["claimed"] <= outstanding, dict(line)
        served: dict[tuple[str, str], int] = {}
        for h in conn.execute("SELECT detail FROM order_history WHERE kind='routed'"):
            detail = json.loads(h["detail"])
            if detail.get("trigger") == "supply received":
                for allocation_id in detail["allocations"]:
                    for a in conn.execute("SELECT sku, qty FROM allocation_lines WHERE allocation_id=?",
                                          (allocation_id,)):
                        key = (detail["supply_id"], a["sku"])
                        served[key] = served.get(key, 0) + a["qty"]
        for key, qty in served.items():
            assert qty <= received.get(key, 0), key
        live = ", ".join(f"'{s}'" for s in LIVE_ALLOCATIONS)
        for order in conn.execute("SELECT * FROM orders"):
            claims = {r["sku"]: r["qty"] for r in conn.execute(
                "SELECT sku, SUM(qty) AS qty FROM supply_claims WHERE order_id=? GROUP BY sku", (order["id"],))}
            if order["status"] in CLOSED_ORDERS or order["cancel_requested_at"]:
                assert not claims, order["id"]
            for line in conn.execute("SELECT * FROM order_lines WHERE order_id=?", (order["id"],)):
                allocated = conn.execute(
                    "SELECT COALESCE(SUM(l.qty), 0) FROM allocation_lines l JOIN allocations a ON a.id = "
                    f"l.allocation_id WHERE a.order_id=? AND l.sku=? AND a.status IN ({live})",
                    (order["id"], line["sku"])).fetchone()[0]
                assert allocated + claims.get(line["sku"], 0) <= line["qty"] - line["cancelled"], order["id"]
            has_live = conn.execute(f"SELECT 1 FROM allocations WHERE order_id=? AND status IN ({live})",
                                    (order["id"],)).fetchone()
            preordered = conn.execute("SELECT 1 FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id "
                                      "WHERE a.order_id=? AND l.sku='PRE'", (order["id"],)).fetchone()
            assert preordered is None, "a preorder was routed before its release"
            if claims and not has_live:
                assert order["status"] == OrderStatus.AWAITING_STOCK, order["id"]
                event("an order awaits inbound stock")
        if served:
            event("a receipt allocated claimed units")


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(purchases, steps)
def test_no_inbound_unit_is_promised_twice(first, then):
    plan = first + then
    with tempfile.TemporaryDirectory() as root:
        central = service(Path(root))
        try:
            pos, orders, received, stock = [], [], {}, {}
            for i, step in enumerate(plan):
                now = START + timedelta(minutes=i + 1)
                kind = step[0]
                try:
                    if kind == "order":
                        _, lines, pickup = step
                        _, view = central.orders.place({
                            "channel": "web", "customer": {"name": "Ada"},
                            "lines": [{"sku": s, "qty": q} for s, q in lines.items()],
                            "delivery": PICKUP if pickup else LONDON, "allow_split": True}, None, now)
                        orders.append(view["id"])
                    elif kind == "purchase":
                        _, node, lines, days = step
                        _, view = central.supply.create({
                            "node_id": node, "expected_at": to_text(now + timedelta(days=days)),
                            "lines": [{"sku": s, "qty": q} for s, q in lines.items()]}, None, now)
                        pos.append((view["id"], sorted(lines)))
                    elif kind == "receive" and pos:
                        _, n, k, qty = step
                        supply_id, skus = pos[n % len(pos)]
                        sku = skus[k % len(skus)]
                        central.supply.receive(supply_id, {"lines": [{"sku": sku, "qty": qty}]}, None, now)
                        received[(supply_id, sku)] = received.get((supply_id, sku), 0) + qty
                    elif kind == "cancel_po" and pos:
                        central.supply.cancel(pos[step[1] % len(pos)][0], now)
                    elif kind == "cancel_order" and orders:
                        central.orders.cancel(orders[step[1] % len(orders)], "changed mind", now)
                    elif kind == "stock":
                        _, sku, qty = step
                        stock[sku] = stock.get(sku, 0) + qty
                        central.nodes.feed_warehouse("DC1", now, stock, now)
                        central.waiting.retry(now)
                except DomainError:
                    pass  # refused (a line the purchase order lacks, a closed one): it must change nothing
                check(central, received)
        finally:
            central.db.close()
