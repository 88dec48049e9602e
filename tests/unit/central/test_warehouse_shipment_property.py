"""Invariant of the warehouse feed, over random sequences of whole, partial, excessive and repeated shipments and
rejections at three warehouses (central's real services and SQLite): no unit is promised or shipped twice, every
ordered unit is either promised to one live allocation or unfilled, a refused request changes nothing, and an
order is completed exactly when every unit it promised has left."""

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.bootstrap import CentralService
from central.settings import CentralSettings
from shared.contract.errors import DomainError
from shared.contract.models import Product

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
LONDON = {"type": "ship", "address": {"name": "Ada", "line1": "10 Downing St", "city": "London",
                                     "postal_code": "SW1A 2AA", "country": "GB", "lat": 51.5, "lon": -0.13}}
WAREHOUSES = {"DC1": (51.45, -0.3), "DC2": (52.2, 0.12), "DC3": (53.48, -2.24)}
SKUS = ("TEE", "MUG")


def network(root: Path) -> CentralService:
    service = CentralService(CentralSettings(db_path=root / "central.db", admin_token="prop-7f3a9c2e51b84d06"),
                             with_nats=False)
    for sku in SKUS:
        service.catalog.save_product(Product(sku=sku, name=sku, price=1000, currency="EUR"), NOW)
    for node, (lat, lon) in WAREHOUSES.items():
        service.nodes.register_warehouse(node, {"type": "warehouse", "name": node, "address": "Unit 1", "lat": lat,
                                                "lon": lon, "capabilities": ["ship"]}, NOW)
        service.nodes.feed_warehouse(node, NOW - timedelta(minutes=1), {sku: 6 for sku in SKUS}, NOW)
    return service


def snapshot(service: CentralService) -> tuple:
    with service.db.read() as conn:
        return tuple(tuple(tuple(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1"))
                     for table in ("orders", "allocations", "allocation_lines", "shipments"))


def check(service: CentralService, order_ids: list[str]) -> None:
    for order_id in order_ids:
        view = service.orders.view(order_id)
        live = [a for a in view["allocations"] if a["status"] not in ("rejected", "cancelled", "timed_out")]
        for line in view["lines"]:
            promised = sum(al["qty"] for a in live for al in a["lines"] if al["sku"] == line["sku"])
            shipped = sum(sl["qty"] for a in view["allocations"] for s in a["shipments"] for sl in s["lines"]
                          if sl["sku"] == line["sku"])
            assert promised == line["allocated"] and promised + line["unfilled"] == line["qty"], view
            assert shipped <= promised, view
        for a in view["allocations"]:
            allocated = {al["sku"]: al["qty"] for al in a["lines"]}
            shipped: dict[str, int] = {}
            for s in a["shipments"]:
                for sl in s["lines"]:
                    shipped[sl["sku"]] = shipped.get(sl["sku"], 0) + sl["qty"]
            assert all(q <= allocated.get(sku, 0) for sku, q in shipped.items()), a
            assert (a["status"] == "shipped") == (bool(allocated) and shipped == allocated), a
        all_left = all(a["status"] == "shipped" for a in live) and not any(line["unfilled"] for line in view["lines"])
        assert (view["status"] == "completed") == (bool(live) and all_left), view


orders_st = st.lists(st.fixed_dictionaries({sku: st.integers(0, 4) for sku in SKUS}).filter(lambda d: any(d.values())),
                     min_size=1, max_size=3)
actions_st = st.lists(st.tuples(st.sampled_from(["ship_all", "ship_part", "ship_too_much", "repeat", "reject"]),
                                st.integers(0, 20), st.integers(1, 4)), max_size=10)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders=orders_st, actions=actions_st)
def test_shipments_and_rejections_keep_every_unit_promised_once_and_shipped_at_most_once(orders, actions):
    with tempfile.TemporaryDirectory() as root:
        service = network(Path(root))
        order_ids = []
        for n, lines in enumerate(orders):
            body = {"channel": "web", "customer": {"name": "Ada"}, "delivery": LONDON,
                    "lines": [{"sku": s, "qty": q} for s, q in lines.items() if q]}
            order_ids.append(service.orders.place(body, f"o{n}", NOW)[1]["id"])
        check(service, order_ids)
        last: dict | None = None
        for step, (kind, pick, qty) in enumerate(actions):
            open_ones = [(order_id, a) for order_id in order_ids for a in service.orders.view(order_id)["allocations"]
                         if a["status"] == "accepted"]
            if not open_ones:
                break
            order_id, allocation = open_ones[pick % len(open_ones)]
            sku = allocation["lines"][pick % len(allocation["lines"])]["sku"]
            body = {"allocation_id": allocation["id"], "carrier": "DHL", "tracking_number": f"T{step}",
                    "shipped_at": "2026-11-30T08:59:00Z", "lines": None}
            if kind == "ship_part":
                body["lines"] = [{"sku": sku, "qty": qty}]
            elif kind == "ship_too_much":
                body["lines"] = [{"sku": sku, "qty": qty + 10}]
            elif kind == "repeat" and last is not None:
                body = last
            before = snapshot(service)
            try:
                if kind == "reject":
                    service.shipments.reject(allocation["node_id"], allocation["id"], "not_found", None, None, NOW)
                else:
                    service.shipments.ship(allocation["node_id"], body, None, NOW)
                    last = body
            except DomainError:
                assert snapshot(service) == before  # a refusal changes nothing
            check(service, order_ids)
        service.db.close()
