"""Routing next to a vectorised nearest-feasible baseline (speed) and next to the exact MILP (cost).

The baseline is what any router must at least do for one order: over arrays of the network built once, the
distance to every node, which nodes hold every line, the nearest of those (or each line's nearest holder). It
makes no attempt at a cheaper plan; `route()` must, within 10 × of it and 1 ms an order. `route()` too is given the
network as arrays made once (`NodeTable`), as central reads it for each order (`node_table`).
"""

import random
import time
from pathlib import Path

import numpy as np

from central.domain.policy import RoutingPolicy
from central.domain.routing import NodeOption, NodeTable, RouteRequest, route
from tests.bench.harness import Result, interleaved, percentile, time_result
from tests.bench.routing import instance
from tests.unit.central.test_routing_milp import milp_optimum

POLICY = RoutingPolicy()
NODES, SKUS = 2000, 200


def network(rng: random.Random) -> tuple[list[NodeOption], list[str]]:
    skus = [f"SKU{i}" for i in range(SKUS)]
    nodes = []
    for i in range(NODES):
        warehouse = i < NODES // 200
        nodes.append(NodeOption(
            f"N{i:04d}", "warehouse" if warehouse else "store", 47 + rng.random() * 8, 6 + rng.random() * 9,
            frozenset({"ship"} if warehouse else {"pickup", "ship_from_store"}), rng.random() > 0.05,
            {s: rng.choice([0, 0, 0, 1, 2, 5]) for s in rng.sample(skus, 40)} | ({s: 50 for s in skus} if warehouse
                                                                                   else {}),
            None if warehouse else rng.randint(0, 30)))
    return nodes, skus


class NearestFeasible:
    """The baseline over numpy arrays made once from the same network."""

    def __init__(self, nodes: list[NodeOption], skus: list[str]):
        self.column = {sku: i for i, sku in enumerate(skus)}
        self.lat = np.radians([n.lat for n in nodes])
        self.lon = np.radians([n.lon for n in nodes])
        self.atp = np.array([[n.atp.get(s, 0) for s in skus] for n in nodes], dtype=np.int32)
        self.usable = np.array([n.fresh and (n.capacity_left is None or n.capacity_left > 0)
                                and ("ship" in n.capabilities or "ship_from_store" in n.capabilities) for n in nodes])

    def plan(self, request: RouteRequest) -> list[int]:
        lat, lon = np.radians(request.lat), np.radians(request.lon)
        a = np.sin((self.lat - lat) / 2) ** 2 + np.cos(lat) * np.cos(self.lat) * np.sin((self.lon - lon) / 2) ** 2
        distance = np.where(self.usable, 2 * 6371 * np.arcsin(np.sqrt(a)), np.inf)
        columns = [self.column[s] for s in request.lines]
        enough = self.atp[:, columns] >= np.array(list(request.lines.values()))
        whole = np.where(enough.all(axis=1), distance, np.inf)
        if np.isfinite(whole.min()):
            return [int(whole.argmin())]
        return [int(np.where(enough[:, i], distance, np.inf).argmin()) for i in range(len(columns))]


def speed(root: Path, seconds: float, rounds: int) -> list[Result]:
    rng = random.Random(14)
    nodes, skus = network(rng)
    baseline = NearestFeasible(nodes, skus)
    table = NodeTable.of(nodes)
    orders = [RouteRequest({s: rng.randint(1, 2) for s in rng.sample(skus, rng.randint(1, 8))}, "ship",
                           47 + rng.random() * 8, 6 + rng.random() * 9) for _ in range(1000)]
    per_round = max(50, min(len(orders), int(150 * seconds)))
    picked = iter(range(10**9))

    def timed(plan) -> dict[str, float]:
        start = next(picked) * per_round
        taken = []
        for i in range(per_round):
            order = orders[(start + i) % len(orders)]
            started = time.perf_counter()
            plan(order)
            taken.append((time.perf_counter() - started) * 1000)
        return {"p50": percentile(taken, 50), "p99": percentile(taken, 99)}

    ours, limit = interleaved(rounds, lambda: timed(lambda o: route(o, table, POLICY)), lambda: timed(baseline.plan))
    return [time_result(f"routing p99, orders of 1–8 lines over {NODES} nodes", ours["p99"], limit["p99"],
                        "vectorised nearest-feasible baseline (numpy) p99", unit="ms", at_most=10,
                        absolute_at_most=1.0)]


def cost(root: Path, seconds: float, rounds: int) -> list[Result]:
    """Not a timing: the share of random instances (≤ 200 nodes) whose plan costs within 1 % of the optimum."""
    rng = random.Random(15)
    within, total = 0, 0
    sizes = [(8, 3), (50, 3), (200, 5), (200, 8)]
    for _ in range(max(5, int(8 * seconds * rounds / 3))):
        for nodes, lines in sizes:
            network_, request = instance(rng, nodes, lines)
            plan, optimum = route(request, network_, POLICY), milp_optimum(network_, request, POLICY)
            within += (plan.cost <= optimum * 1.01 + 1e-9) if optimum else plan.cost == 0
            total += 1
    share = within / total
    return [Result(f"routing cost within 1 % of the exact MILP, {total} instances ≤ 200 nodes", share * 100, "%",
                   100.0, "every instance at the optimum (scipy milp)", share, "≥ 95 % of instances", share >= 0.95)]
