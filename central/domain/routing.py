"""Where an order goes (DESIGN §7): candidates, a cost per plan, the cheapest plan, and why.

A line goes whole to one node (a SKU is never split between nodes); a plan is one shipment per
node used. Cost = Σ per shipment (base + per km × distance to the customer + node-type preference)
+ split penalty per shipment beyond the first. Small cases are searched exhaustively; large ones
take the better of the best single node and a greedy split among the top K nodes.
"""

import itertools
import math
from dataclasses import dataclass, field

from central.domain.policy import RoutingPolicy

EARTH_RADIUS_KM = 6371.0088
# An order's stored explanation lists this many candidates and excluded nodes (and says how many there were),
# so that a network of thousands of nodes does not store a long list with every order.
EXPLAINED_CANDIDATES = 50


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class NodeOption:
    """A node as routing sees it: where it is, what it may do, what it may still promise."""

    node_id: str
    node_type: str                      # store | warehouse
    lat: float
    lon: float
    capabilities: frozenset[str]        # pickup, ship_from_store (stores); ship (warehouses)
    fresh: bool
    atp: dict[str, int] = field(default_factory=dict, hash=False)
    capacity_left: int | None = None    # ship-from-store allocations left today; None = no limit


@dataclass(frozen=True)
class RouteRequest:
    lines: dict[str, int]               # sku → qty, one entry per SKU
    delivery_type: str                  # ship | pickup
    lat: float | None = None            # ship: the customer's place
    lon: float | None = None
    pickup_store: str | None = None
    allow_split: bool = True
    excluded: frozenset[str] = frozenset()  # nodes that rejected or ignored this order before


@dataclass(frozen=True)
class Shipment:
    node_id: str
    lines: tuple[tuple[str, int], ...]
    cost: float


@dataclass(frozen=True)
class Unfilled:
    sku: str
    qty: int
    reason: str


@dataclass(frozen=True)
class RoutingPlan:
    outcome: str                        # allocated | partially_allocated | backordered | held
    shipments: tuple[Shipment, ...]
    unfilled: tuple[Unfilled, ...]
    cost: float
    explanation: dict


def can_ship(node: NodeOption) -> bool:
    return ("ship_from_store" if node.node_type == "store" else "ship") in node.capabilities


def shipment_cost(node: NodeOption, request: RouteRequest, policy: RoutingPolicy) -> float:
    distance = 0.0 if request.delivery_type == "pickup" else _distance(node, request)
    return policy.base_cost_per_shipment + policy.cost_per_km * distance + getattr(policy.node_type_cost,
                                                                                   node.node_type)


def _distance(node: NodeOption, request: RouteRequest) -> float:
    return haversine_km(node.lat, node.lon, request.lat, request.lon)


def plan_cost(costs: list[float], policy: RoutingPolicy) -> float:
    return sum(costs) + policy.split_penalty * max(0, len(costs) - 1)


def _exclusion(node: NodeOption, request: RouteRequest) -> str | None:
    if node.node_id in request.excluded:
        return "excluded: rejected or did not answer this order before"
    if not node.fresh:
        return "stale: central cannot vouch for its stock"
    if request.delivery_type == "ship":
        if not can_ship(node):
            return "cannot ship to customers"
        if node.capacity_left is not None and node.capacity_left <= 0:
            return "daily ship-from-store capacity reached"
    elif "pickup" not in node.capabilities:
        return "does not offer pickup"
    return None


def route(request: RouteRequest, nodes: list[NodeOption], policy: RoutingPolicy) -> RoutingPlan:
    if request.delivery_type == "pickup":
        return _route_pickup(request, nodes, policy)
    return _route_ship(request, nodes, policy)


@dataclass
class _Screened:
    """The usable nodes: which lines each can cover (ATP ≥ qty), what its shipment costs, and why others are out."""

    per_line: dict[str, list[str]]
    covers: dict[str, frozenset[str]]
    costs: dict[str, float]
    excluded: list[dict]


def _screen(request: RouteRequest, nodes: list[NodeOption], policy: RoutingPolicy) -> _Screened:
    screened = _Screened({sku: [] for sku in request.lines}, {}, {}, [])
    for node in sorted(nodes, key=lambda n: n.node_id):
        reason = _exclusion(node, request)
        if reason is None:
            covers = frozenset(sku for sku, qty in request.lines.items() if node.atp.get(sku, 0) >= qty)
            if not covers:
                reason = "not enough ATP for any line"
            else:
                screened.costs[node.node_id] = shipment_cost(node, request, policy)
                screened.covers[node.node_id] = covers
                for sku in covers:
                    screened.per_line[sku].append(node.node_id)
        if reason is not None:
            screened.excluded.append({"node_id": node.node_id, "reason": reason})
    return screened


def _candidates_view(screened: _Screened, nodes: list[NodeOption], request: RouteRequest) -> list[dict]:
    """The cheapest candidates, cheapest first; a network of thousands lists only the first EXPLAINED_CANDIDATES."""
    by_id = {n.node_id: n for n in nodes}
    view = []
    ranked = sorted(screened.costs.items(), key=lambda kv: (kv[1], kv[0]))
    for node_id, cost in ranked[:EXPLAINED_CANDIDATES]:
        node = by_id[node_id]
        distance = 0.0 if request.delivery_type == "pickup" else _distance(node, request)
        view.append({"node_id": node_id, "type": node.node_type, "distance_km": round(distance, 2),
                     "shipment_cost": round(cost, 4),
                     "covers": [sku for sku in request.lines if sku in screened.covers[node_id]],
                     "atp": {sku: node.atp.get(sku, 0) for sku in request.lines}})
    return view


def _excluded_view(excluded: list[dict]) -> dict:
    by_reason: dict[str, int] = {}
    for entry in excluded:
        by_reason[entry["reason"]] = by_reason.get(entry["reason"], 0) + 1
    return {"excluded": excluded[:EXPLAINED_CANDIDATES], "excluded_total": len(excluded),
            "excluded_by_reason": by_reason}


def _assign(chosen: set[str], per_line: dict[str, list[str]], costs: dict[str, float]) -> dict[str, str]:
    """Each coverable line to the cheapest chosen node that can take it."""
    return {sku: min((n for n in ids if n in chosen), key=lambda n: (costs[n], n))
            for sku, ids in per_line.items() if ids}


def _key(nodes: set[str], costs, policy) -> tuple:
    return round(plan_cost([costs[n] for n in nodes], policy), 9), len(nodes), sorted(nodes)


def _exhaustive(per_line, costs, policy) -> tuple[set[str], int]:
    options = [ids for ids in per_line.values() if ids]
    best, tried = None, 0
    for combo in itertools.product(*options):
        tried += 1
        used = set(combo)
        if best is None or _key(used, costs, policy) < _key(best, costs, policy):
            best = used
    return best or set(), tried


def _bounded(per_line, covers, costs, policy) -> tuple[set[str], int]:
    coverable = {sku for sku, ids in per_line.items() if ids}
    singles = [n for n in costs if covers[n] >= coverable]
    best_single = {min(singles, key=lambda n: (costs[n], n))} if singles else None
    # The top K by cost per line covered, plus each line's cheapest node so every line stays coverable.
    ranked = sorted(costs, key=lambda n: (costs[n] / len(covers[n]), n))
    pool = set(ranked[:policy.top_k]) | {min(ids, key=lambda n: (costs[n], n)) for ids in per_line.values() if ids}
    chosen: set[str] = set()
    uncovered = set(coverable)
    while uncovered:
        def price(n: str) -> tuple:
            extra = policy.split_penalty if chosen else 0.0
            return (costs[n] + extra) / len(covers[n] & uncovered), n
        node = min((n for n in pool - chosen if covers[n] & uncovered), key=price)
        chosen.add(node)
        uncovered -= covers[node]
    chosen = set(_assign(chosen, per_line, costs).values())  # a node left with no line is no shipment
    for node in sorted(chosen, key=lambda n: (-costs[n], n)):  # drop a node the others already cover
        rest = chosen - {node}
        if rest and coverable <= set().union(*(covers[r] for r in rest)):
            chosen = rest
    tried = len(pool) + len(singles)
    if best_single is not None and _key(best_single, costs, policy) <= _key(chosen, costs, policy):
        return best_single, tried
    return chosen, tried


def _route_ship(request: RouteRequest, nodes: list[NodeOption], policy: RoutingPolicy) -> RoutingPlan:
    screened = _screen(request, nodes, policy)
    per_line, costs = screened.per_line, screened.costs
    explanation = {"delivery": "ship", "allow_split": request.allow_split,
                   "candidates": _candidates_view(screened, nodes, request), "candidates_total": len(costs),
                   **_excluded_view(screened.excluded)}
    if not request.allow_split:
        singles = [n for n in costs if screened.covers[n] == set(request.lines)]
        if not singles:
            reason = "no single node can supply every line and the order may not be split"
            unfilled = tuple(Unfilled(sku, qty, reason) for sku, qty in request.lines.items())
            return RoutingPlan("held", (), unfilled, 0.0, {**explanation, "strategy": "single_node",
                                                             "why": reason})
        chosen, strategy, tried = {min(singles, key=lambda n: (costs[n], n))}, "single_node", len(singles)
    else:
        size = math.prod(len(ids) for ids in per_line.values() if ids)
        if size <= policy.exhaustive_limit:
            (chosen, tried), strategy = _exhaustive(per_line, costs, policy), "exhaustive"
        else:
            (chosen, tried), strategy = _bounded(per_line, screened.covers, costs, policy), "bounded"
    assignment = _assign(chosen, per_line, costs)
    unfilled = tuple(Unfilled(sku, qty, "no usable node has enough ATP")
                     for sku, qty in request.lines.items() if sku not in assignment)
    return _finish(request, assignment, costs, unfilled, policy,
                   {**explanation, "strategy": strategy, "plans_tried": tried})


def _route_pickup(request: RouteRequest, nodes: list[NodeOption], policy: RoutingPolicy) -> RoutingPlan:
    screened = _screen(request, nodes, policy)
    costs, excluded = screened.costs, screened.excluded
    store = request.pickup_store
    explanation = {"delivery": "pickup", "pickup_store": store, "allow_split": request.allow_split,
                   "strategy": "pickup", "candidates": _candidates_view(screened, nodes, request),
                   "candidates_total": len(costs), **_excluded_view(excluded)}
    at_store = set(screened.covers.get(store, ()))
    if at_store == set(request.lines) or (at_store and request.allow_split):
        assignment = {sku: store for sku in at_store}
        unfilled = tuple(Unfilled(sku, qty, f"pickup store {store} has not enough ATP")
                         for sku, qty in request.lines.items() if sku not in at_store)
        return _finish(request, assignment, costs, unfilled, policy, explanation)
    why = next((e["reason"] for e in excluded if e["node_id"] == store), None) or \
        (f"not enough ATP for {', '.join(sorted(set(request.lines) - at_store))}"
         if any(n.node_id == store for n in nodes) else "not a known store")
    by_id = {n.node_id: n for n in nodes}
    origin = by_id.get(store)
    alternatives = [n for n in costs if n != store and screened.covers[n] == set(request.lines)]
    explanation["alternatives"] = sorted(
        ({"node_id": n, "distance_km": round(haversine_km(origin.lat, origin.lon, by_id[n].lat, by_id[n].lon), 2)
          if origin else None} for n in alternatives),
        key=lambda a: (a["distance_km"] is None, a["distance_km"] or 0, a["node_id"]))
    reason = f"pickup store {store} cannot supply the order: {why}"
    explanation["why"] = reason + ("; other stores could" if alternatives else "; no other store could either")
    unfilled = tuple(Unfilled(sku, qty, reason) for sku, qty in request.lines.items())
    return RoutingPlan("held", (), unfilled, 0.0, explanation)


def _finish(request: RouteRequest, assignment: dict[str, str], costs: dict[str, float],
            unfilled: tuple[Unfilled, ...], policy: RoutingPolicy, explanation: dict) -> RoutingPlan:
    by_node: dict[str, list[tuple[str, int]]] = {}
    for sku, node in assignment.items():
        by_node.setdefault(node, []).append((sku, request.lines[sku]))
    shipments = tuple(Shipment(node, tuple(lines), costs[node]) for node, lines in sorted(by_node.items()))
    cost = plan_cost([s.cost for s in shipments], policy) if shipments else 0.0
    if not shipments:
        outcome = "backordered"
    else:
        outcome = "partially_allocated" if unfilled else "allocated"
    explanation["chosen"] = [{"node_id": s.node_id, "skus": [sku for sku, _ in s.lines],
                              "shipment_cost": round(s.cost, 4)} for s in shipments]
    explanation["cost"] = round(cost, 4)
    explanation["unfilled"] = [{"sku": u.sku, "qty": u.qty, "reason": u.reason} for u in unfilled]
    explanation.setdefault("why", _why(shipments, unfilled, explanation))
    return RoutingPlan(outcome, shipments, unfilled, cost, explanation)


def _why(shipments: tuple[Shipment, ...], unfilled: tuple[Unfilled, ...], explanation: dict) -> str:
    if not shipments:
        return "no usable node has enough ATP for any line; backordered until stock arrives"
    nodes = ", ".join(s.node_id for s in shipments)
    if explanation["delivery"] == "pickup":
        text = f"the customer collects at {nodes}"
    elif len(shipments) == 1:
        text = f"{nodes} is the cheapest plan ({explanation['strategy']}, cost {explanation['cost']})"
    else:
        text = (f"split over {nodes} is the cheapest plan that covers the lines "
                f"({explanation['strategy']}, cost {explanation['cost']})")
    if unfilled:
        text += "; backordered: " + ", ".join(f"{u.qty} × {u.sku}" for u in unfilled)
    return text
