"""Routing speed and quality next to an exact solver, on the same random instances.

    uv run python -m tests.bench.routing

For each size: the median time of omnistore's `route()` per order, the exact MILP (scipy) time, and how far
the plan's cost is above the exact optimum (0 % on small cases, where the search is exhaustive).
"""

import random
import statistics
import time

from central.domain.policy import RoutingPolicy
from central.domain.routing import NodeOption, RouteRequest, route
from tests.unit.central.test_routing_milp import milp_optimum

POLICY = RoutingPolicy()


def instance(rng: random.Random, nodes: int, lines: int) -> tuple[list[NodeOption], RouteRequest]:
    skus = [f"SKU{i}" for i in range(lines)]
    network = []
    for i in range(nodes):
        warehouse = i < max(1, nodes // 200)
        network.append(NodeOption(
            f"N{i}", "warehouse" if warehouse else "store", 53.3 + rng.random() * 0.6, 9.6 + rng.random() * 0.8,
            frozenset({"ship"} if warehouse else {"pickup", "ship_from_store"}), rng.random() > 0.05,
            {s: rng.choice([0, 0, 1, 2, 5, 20]) for s in skus}, None if warehouse else rng.randint(0, 30)))
    request = RouteRequest({s: rng.randint(1, 2) for s in skus}, "ship", 53.55, 10.0)
    return network, request


def main() -> None:
    rng = random.Random(7)
    print(f"\n{'candidates × lines':<20} {'route() ms':>11} {'exact MILP ms':>14} {'cost above optimum':>20}")
    for nodes, lines, samples in [(8, 3, 200), (50, 3, 50), (200, 5, 20), (2000, 5, 5)]:
        ours, exact, gaps = [], [], []
        for _ in range(samples):
            network, request = instance(rng, nodes, lines)
            started = time.perf_counter()
            plan = route(request, network, POLICY)
            ours.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            optimum = milp_optimum(network, request, POLICY)
            exact.append((time.perf_counter() - started) * 1000)
            gaps.append((plan.cost - optimum) / optimum if optimum else 0.0)
        print(f"{f'{nodes} × {lines}':<20} {statistics.median(ours):>11.2f} {statistics.median(exact):>14.2f} "
              f"{f'median {statistics.median(gaps):.1%}, worst {max(gaps):.1%}':>20}")


if __name__ == "__main__":
    main()
