"""Routing (DESIGN §7) as pure functions: examples, and properties on random networks.

The optimum check uses an exhaustive brute force over every set of usable nodes (a different
method from the router's per-line search), so an exact solver is not needed for these sizes.
"""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central.domain.policy import RoutingPolicy
from central.domain.routing import (
    NodeOption,
    RouteRequest,
    haversine_km,
    plan_cost,
    route,
    shipment_cost,
)

POLICY = RoutingPolicy()
LONDON = (51.5074, -0.1278)


def store(node_id, lat, lon, atp, fresh=True, caps=("pickup", "ship_from_store"), capacity=None):
    return NodeOption(node_id, "store", lat, lon, frozenset(caps), fresh, dict(atp), capacity)


def dc(node_id, lat, lon, atp, fresh=True):
    return NodeOption(node_id, "warehouse", lat, lon, frozenset({"ship"}), fresh, dict(atp))


def ship(lines, allow_split=True, excluded=()):
    return RouteRequest(dict(lines), "ship", *LONDON, allow_split=allow_split, excluded=frozenset(excluded))


class TestHaversine:
    def test_london_to_paris_is_about_344_km(self):
        assert haversine_km(*LONDON, 48.8566, 2.3522) == pytest.approx(343.5, abs=1.0)

    def test_a_place_is_zero_km_from_itself(self):
        assert haversine_km(*LONDON, *LONDON) == 0


class TestShipRouting:
    def test_the_nearest_node_with_stock_gets_the_whole_order(self):
        near = store("S001", 51.51, -0.13, {"TEE": 5, "CAP": 5})
        far = store("S002", 53.48, -2.24, {"TEE": 5, "CAP": 5})
        plan = route(ship({"TEE": 2, "CAP": 1}), [far, near], POLICY)
        assert plan.outcome == "allocated"
        assert [(s.node_id, dict(s.lines)) for s in plan.shipments] == [("S001", {"TEE": 2, "CAP": 1})]
        assert plan.explanation["strategy"] == "exhaustive" and "S001" in plan.explanation["why"]
        assert [c["node_id"] for c in plan.explanation["candidates"]] == ["S001", "S002"]

    def test_a_node_short_of_one_line_forces_a_split_when_allowed(self):
        a = store("S001", 51.51, -0.13, {"TEE": 5})
        b = store("S002", 51.52, -0.10, {"CAP": 5})
        plan = route(ship({"TEE": 1, "CAP": 1}), [a, b], POLICY)
        assert plan.outcome == "allocated" and {s.node_id for s in plan.shipments} == {"S001", "S002"}
        assert plan.cost == pytest.approx(plan_cost([s.cost for s in plan.shipments], POLICY))
        assert plan.cost == pytest.approx(sum(s.cost for s in plan.shipments) + POLICY.split_penalty)

    def test_without_split_a_single_node_must_cover_everything_or_the_order_is_held(self):
        a = store("S001", 51.51, -0.13, {"TEE": 5})
        b = store("S002", 51.52, -0.10, {"CAP": 5})
        plan = route(ship({"TEE": 1, "CAP": 1}, allow_split=False), [a, b], POLICY)
        assert plan.outcome == "held" and not plan.shipments and len(plan.unfilled) == 2
        assert "single node" in plan.explanation["why"]

    def test_one_far_node_beats_two_near_ones_when_the_split_penalty_outweighs_the_distance(self):
        both = dc("DC1", 52.0, -0.5, {"TEE": 9, "CAP": 9})
        a = store("S001", 51.51, -0.13, {"TEE": 5})
        b = store("S002", 51.52, -0.10, {"CAP": 5})
        plan = route(ship({"TEE": 1, "CAP": 1}), [a, b, both], POLICY)
        assert [s.node_id for s in plan.shipments] == ["DC1"]

    def test_stale_excluded_incapable_and_full_nodes_are_never_used_and_say_why(self):
        nodes = [store("S001", 51.51, -0.13, {"TEE": 5}, fresh=False),
                 store("S002", 51.51, -0.13, {"TEE": 5}),
                 store("S003", 51.51, -0.13, {"TEE": 5}, caps=("pickup",)),
                 store("S004", 51.51, -0.13, {"TEE": 5}, capacity=0),
                 store("S005", 51.51, -0.13, {"TEE": 1}),
                 store("S006", 53.0, -1.0, {"TEE": 5})]
        plan = route(ship({"TEE": 2}, excluded={"S002"}), nodes, POLICY)
        assert [s.node_id for s in plan.shipments] == ["S006"]
        reasons = {e["node_id"]: e["reason"] for e in plan.explanation["excluded"]}
        assert reasons["S001"].startswith("stale") and reasons["S002"].startswith("excluded")
        assert reasons["S003"] == "cannot ship to customers" and "capacity" in reasons["S004"]
        assert reasons["S005"] == "not enough ATP for any line"

    def test_a_line_no_node_can_supply_is_backordered_and_the_rest_allocated(self):
        plan = route(ship({"TEE": 1, "RARE": 3}), [store("S001", 51.51, -0.13, {"TEE": 5, "RARE": 2})], POLICY)
        assert plan.outcome == "partially_allocated"
        assert [(u.sku, u.qty) for u in plan.unfilled] == [("RARE", 3)]
        assert "backordered: 3 × RARE" in plan.explanation["why"]

    def test_nothing_in_stock_anywhere_is_a_backorder(self):
        plan = route(ship({"TEE": 1}), [store("S001", 51.51, -0.13, {})], POLICY)
        assert plan.outcome == "backordered" and not plan.shipments and plan.cost == 0

    def test_a_large_case_uses_the_bounded_search_and_still_covers_every_line(self):
        nodes = [store(f"S{i:03d}", 51 + i / 100, -0.1, {"A": i % 3, "B": (i + 1) % 3, "C": (i + 2) % 3, "D": 1})
                 for i in range(40)]
        plan = route(ship({"A": 2, "B": 2, "C": 2, "D": 1}), nodes, POLICY)
        assert plan.explanation["strategy"] == "bounded" and plan.outcome == "allocated"
        assert sum(len(s.lines) for s in plan.shipments) == 4


class TestPickupRouting:
    def test_a_pickup_goes_to_its_store_whatever_the_distance(self):
        nodes = [store("S001", 51.51, -0.13, {"TEE": 5}), store("S002", 55.9, -3.2, {"TEE": 5})]
        plan = route(RouteRequest({"TEE": 1}, "pickup", pickup_store="S002"), nodes, POLICY)
        assert plan.outcome == "allocated" and [s.node_id for s in plan.shipments] == ["S002"]

    def test_a_pickup_store_that_cannot_is_held_with_alternatives_nearest_first(self):
        nodes = [store("S001", 51.51, -0.13, {"TEE": 0}), store("S002", 51.6, -0.1, {"TEE": 5}),
                 store("S003", 51.52, -0.13, {"TEE": 5}), store("S004", 51.52, -0.13, {"TEE": 5}, caps=("ship",))]
        plan = route(RouteRequest({"TEE": 1}, "pickup", pickup_store="S001"), nodes, POLICY)
        assert plan.outcome == "held" and not plan.shipments
        assert [a["node_id"] for a in plan.explanation["alternatives"]] == ["S003", "S002"]
        assert "pickup store S001 cannot supply" in plan.explanation["why"]

    def test_a_stale_pickup_store_is_held_with_the_reason(self):
        plan = route(RouteRequest({"TEE": 1}, "pickup", pickup_store="S001"),
                     [store("S001", 51.51, -0.13, {"TEE": 5}, fresh=False)], POLICY)
        assert plan.outcome == "held" and "stale" in plan.explanation["why"]

    def test_a_split_pickup_takes_what_the_store_has_and_backorders_the_rest(self):
        plan = route(RouteRequest({"TEE": 1, "CAP": 1}, "pickup", pickup_store="S001", allow_split=True),
                     [store("S001", 51.51, -0.13, {"TEE": 5})], POLICY)
        assert plan.outcome == "partially_allocated" and [u.sku for u in plan.unfilled] == ["CAP"]


# ---- properties -------------------------------------------------------------------------------

SKUS = ["A", "B", "C"]


@st.composite
def networks(draw, max_nodes=8):
    count = draw(st.integers(1, max_nodes))
    nodes = []
    for i in range(count):
        kind = draw(st.sampled_from(["store", "warehouse"]))
        caps = frozenset({"ship"}) if kind == "warehouse" else frozenset(
            draw(st.sets(st.sampled_from(["pickup", "ship_from_store"]), min_size=1)))
        nodes.append(NodeOption(f"N{i}", kind, draw(st.floats(50, 54)), draw(st.floats(-3, 3)), caps,
                                draw(st.booleans()), {s: draw(st.integers(0, 5)) for s in SKUS},
                                draw(st.one_of(st.none(), st.integers(0, 2)))))
    skus = draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=3, unique=True))
    lines = {s: draw(st.integers(1, 4)) for s in skus}
    excluded = frozenset(draw(st.sets(st.sampled_from([n.node_id for n in nodes]), max_size=2)))
    return nodes, RouteRequest(lines, "ship", 51.5, -0.12, allow_split=True, excluded=excluded)


def usable(node: NodeOption, request: RouteRequest) -> bool:
    return (node.fresh and node.node_id not in request.excluded
            and ("ship_from_store" if node.node_type == "store" else "ship") in node.capabilities
            and (node.capacity_left is None or node.capacity_left > 0))


def brute_force_cost(nodes, request, policy) -> float:
    """The cheapest set of usable nodes that covers every coverable line, by trying every set."""
    nodes = [n for n in nodes if usable(n, request)]
    coverable = {s for s, q in request.lines.items() if any(n.atp.get(s, 0) >= q for n in nodes)}
    best = 0.0 if not coverable else float("inf")
    for size in range(1, len(nodes) + 1):
        for subset in itertools.combinations(nodes, size):
            covered = {s for s in coverable if any(n.atp.get(s, 0) >= request.lines[s] for n in subset)}
            if covered == coverable:
                best = min(best, plan_cost([shipment_cost(n, request, policy) for n in subset], policy))
    return best


def check_invariants(plan, nodes, request):
    by_id = {n.node_id: n for n in nodes}
    placed = [sku for s in plan.shipments for sku, _ in s.lines] + [u.sku for u in plan.unfilled]
    assert sorted(placed) == sorted(request.lines)            # every line covered or said why, exactly once
    assert all(u.reason for u in plan.unfilled)
    for shipment in plan.shipments:
        node = by_id[shipment.node_id]
        assert usable(node, request)                            # never stale, excluded, incapable or full
        for sku, qty in shipment.lines:
            assert qty == request.lines[sku] and qty <= node.atp[sku]   # never more than ATP


@settings(deadline=None)
@given(networks())
def test_the_exhaustive_plan_is_as_cheap_as_the_brute_force_optimum(case):
    nodes, request = case
    plan = route(request, nodes, POLICY)
    check_invariants(plan, nodes, request)
    assert plan.explanation["strategy"] == "exhaustive"
    assert plan.cost == pytest.approx(brute_force_cost(nodes, request, POLICY), abs=1e-9)


@settings(deadline=None)
@given(networks(), st.integers(1, 3))
def test_the_bounded_search_keeps_every_invariant(case, top_k):
    nodes, request = case
    policy = RoutingPolicy(exhaustive_limit=1, top_k=top_k)
    plan = route(request, nodes, policy)
    check_invariants(plan, nodes, request)
    assert plan.cost >= brute_force_cost(nodes, request, policy) - 1e-9


@settings(deadline=None)
@given(networks(), st.booleans())
def test_pickup_and_unsplit_plans_use_one_node_at_most(case, pickup):
    nodes, request = case
    request = (RouteRequest(request.lines, "pickup", pickup_store=nodes[0].node_id, allow_split=False)
               if pickup else RouteRequest(request.lines, "ship", 51.5, -0.12, allow_split=False))
    plan = route(request, nodes, POLICY)
    assert len(plan.shipments) <= 1
    if pickup:
        assert all(s.node_id == nodes[0].node_id for s in plan.shipments)
    if plan.shipments:
        assert not plan.unfilled and plan.outcome == "allocated"
    else:
        assert plan.outcome == "held" and len(plan.unfilled) == len(request.lines)


def test_a_large_network_keeps_a_short_explanation_that_still_counts_every_node():
    nodes = [store(f"S{i:04}", LONDON[0] + i / 10_000, LONDON[1], {"A": 3}) for i in range(300)]
    nodes += [store(f"T{i:04}", 51.5, -0.12, {"A": 0}) for i in range(80)]
    nodes += [store(f"U{i:04}", 51.5, -0.12, {"A": 3}, fresh=False) for i in range(20)]
    plan = route(ship({"A": 1}), nodes, POLICY)
    explanation = plan.explanation
    assert plan.shipments[0].node_id == "S0000"  # the nearest
    assert len(explanation["candidates"]) == 50 and explanation["candidates_total"] == 300
    assert explanation["candidates"][0]["node_id"] == "S0000"
    assert len(explanation["excluded"]) == 50 and explanation["excluded_total"] == 100
    assert explanation["excluded_by_reason"] == {"not enough ATP for any line": 80,
                                                 "stale: central cannot vouch for its stock": 20}
