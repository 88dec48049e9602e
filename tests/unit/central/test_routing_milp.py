"""The routing plan against an exact solver: on random instances of up to 8 candidates and 3 lines, the plan's
cost equals the optimum of a mixed-integer program (scipy.optimize.milp, a test-only dependency).

The program: x[l, n] = 1 when line l goes to node n (only where n may ship and has ATP for the whole line),
y[n] = 1 when node n ships; every coverable line goes to exactly one node, x[l, n] ≤ y[n];
minimise Σ y[n]·(shipment cost of n + split penalty) − split penalty.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.optimize import Bounds, LinearConstraint, milp

from central.domain.routing import plan_cost, route, shipment_cost
from tests.unit.central.test_routing import POLICY, networks, usable


def milp_optimum(nodes, request, policy) -> float:
    nodes = [n for n in nodes if usable(n, request)]
    lines = [s for s, q in request.lines.items() if any(n.atp.get(s, 0) >= q for n in nodes)]
    if not lines:
        return 0.0
    pairs = [(li, ni) for li, sku in enumerate(lines) for ni, n in enumerate(nodes)
             if n.atp.get(sku, 0) >= request.lines[sku]]
    n_x, n_y = len(pairs), len(nodes)
    costs = [shipment_cost(n, request, policy) + policy.split_penalty for n in nodes]
    objective = np.concatenate([np.zeros(n_x), costs])
    rows, lower, upper = [], [], []
    for li in range(len(lines)):                       # each line to exactly one node
        row = np.zeros(n_x + n_y)
        for k, (l_, _) in enumerate(pairs):
            if l_ == li:
                row[k] = 1
        rows.append(row), lower.append(1), upper.append(1)
    for k, (_, ni) in enumerate(pairs):                 # a line only from a node that ships
        row = np.zeros(n_x + n_y)
        row[k], row[n_x + ni] = 1, -1
        rows.append(row), lower.append(-np.inf), upper.append(0)
    result = milp(objective, constraints=LinearConstraint(np.array(rows), lower, upper),
                  integrality=np.ones(n_x + n_y), bounds=Bounds(0, 1))
    assert result.success, result.message
    return result.fun - policy.split_penalty


@settings(deadline=None)
@given(networks())
def test_the_plans_cost_equals_the_exact_optimum(case):
    nodes, request = case
    plan = route(request, nodes, POLICY)
    assert plan.cost == pytest.approx(milp_optimum(nodes, request, POLICY), abs=1e-6)
    shipments = [shipment_cost(next(n for n in nodes if n.node_id == s.node_id), request, POLICY)
                 for s in plan.shipments]
    assert plan.cost == pytest.approx(plan_cost(shipments, POLICY), abs=1e-9)
