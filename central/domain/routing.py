"""Where an order goes (DESIGN §7): candidates, a cost per plan, the cheapest plan, and why.

A line goes whole to one node (a SKU is never split between nodes); a plan is one shipment per
node used. Cost = Σ per shipment (base + per km × distance to the customer + node-type preference)
+ split penalty per shipment beyond the first. Small cases are searched exhaustively; large ones
take the better of the best single node and a greedy split among the top K nodes.

Every node is screened at once over arrays (`NodeTable`): feasibility per line, exclusions and an approximate
cost from numpy. Whatever decides a plan or shows in its explanation is then taken again in Python with the exact
costs (`shipment_cost`), over the nodes numpy found within a hair of the cheapest: a plan is the same whichever way
the last bit of a sine falls.
"""

import math
from dataclasses import dataclass

import numpy as np

from central.domain.policy import RoutingPolicy
from central.domain.routing_nodes import NodeOption, NodeTable, ship_capability

EARTH_RADIUS_KM = 6371.0088
# An order's stored explanation lists this many candidates and excluded nodes (and says how many there were),
# so that a network of thousands of nodes does not store a long list with every order.
EXPLAINED_CANDIDATES = 50
# Costs numpy puts this close (relative) to the cheapest are compared again exactly: its error is ~1e-15, and
# plans are compared to 9 places.
NEAR = 1e-6
# Plans an exhaustive search weighs at once as arrays (a policy may allow up to a million).
PLANS_AT_ONCE = 65_536
REASONS = ("excluded: rejected or did not answer this order before", "stale: central cannot vouch for its stock",
           "cannot ship to customers", "daily ship-from-store capacity reached", "does not offer pickup",
           "not enough ATP for any line")
_EXCLUDED, _STALE, _NO_SHIP, _NO_CAPACITY, _NO_PICKUP, _NO_ATP = range(1, len(REASONS) + 1)

__all__ = ["NodeOption", "NodeTable", "RouteRequest", "RoutingPlan", "Shipment", "Unfilled", "haversine_km",
           "plan_cost", "route", "shipment_cost"]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return haversines_km([lat1], [lon1], lat2, lon2)[0]


def haversines_km(lats: list[float], lons: list[float], lat2: float, lon2: float) -> list[float]:
    """From each (lat, lon) to one place, great-circle km: the exact figures costs are compared on."""
    phi2 = math.radians(lat2)
    cos_phi2 = math.cos(phi2)
    sin, cos, radians = math.sin, math.cos, math.radians
    found = []
    for lat1, lon1 in zip(lats, lons):
        phi1 = radians(lat1)
        a = sin((phi2 - phi1) / 2) ** 2 + cos(phi1) * cos_phi2 * sin(radians(lon2 - lon1) / 2) ** 2
        found.append(2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a))))
    return found


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
    return ship_capability(node.node_type) in node.capabilities


def shipment_cost(node: NodeOption, request: RouteRequest, policy: RoutingPolicy) -> float:
    return _cost(node.node_type, node.lat, node.lon, request, policy)


def _cost(node_type: str, lat: float, lon: float, request: RouteRequest, policy: RoutingPolicy) -> float:
    distance = 0.0 if request.delivery_type == "pickup" else haversine_km(lat, lon, request.lat, request.lon)
    return _cost_at(node_type, distance, policy)


def _cost_at(node_type: str, distance: float, policy: RoutingPolicy) -> float:
    return policy.base_cost_per_shipment + policy.cost_per_km * distance + getattr(policy.node_type_cost, node_type)


def plan_cost(costs: list[float], policy: RoutingPolicy) -> float:
    return sum(costs) + policy.split_penalty * max(0, len(costs) - 1)


def route(request: RouteRequest, nodes: NodeTable | list[NodeOption], policy: RoutingPolicy) -> RoutingPlan:
    table = nodes if isinstance(nodes, NodeTable) else NodeTable.of(nodes)
    screened = _Screened(request, table, policy)
    if request.delivery_type == "pickup":
        return _route_pickup(screened)
    return _route_ship(screened)


def _distances_km(table: NodeTable, lat: float, lon: float) -> np.ndarray:
    """`haversine_km` from one place to every node at once (to within a few ulps of it)."""
    phi2 = math.radians(lat)
    a = (np.sin((phi2 - table.phi) / 2) ** 2
         + table.cos_phi * math.cos(phi2) * np.sin((math.radians(lon) - table.lam) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def _near(value: float) -> float:
    """The largest approximate cost that may still be `value` or less once taken exactly."""
    return value + NEAR * max(1.0, abs(value))


class _Screened:
    """The usable nodes of one order: which lines each can cover (ATP ≥ qty), what its shipment costs, and why
    the others are out. Arrays over every node; exact costs and covers only for the nodes asked about."""

    def __init__(self, request: RouteRequest, table: NodeTable, policy: RoutingPolicy):
        self.request, self.table, self.policy = request, table, policy
        self.skus = list(request.lines)
        self.atp = np.array([table.atp_of(sku) for sku in self.skus], dtype=np.int64).reshape(len(self.skus), -1)
        self.enough = self.atp >= np.array(list(request.lines.values()), dtype=np.int64)[:, np.newaxis]
        self.reason = self._reasons()
        self.usable = self.reason == 0
        self.enough &= self.usable
        type_cost = np.where(table.is_store, policy.node_type_cost.store, policy.node_type_cost.warehouse)
        distance = 0.0 if request.delivery_type == "pickup" else _distances_km(table, request.lat, request.lon)
        self.approx = policy.base_cost_per_shipment + policy.cost_per_km * distance + type_cost
        self.coverable = np.flatnonzero(self.enough.any(axis=1)).tolist()
        self._exact: dict[int, float] = {}
        self._distance: dict[int, float] = {}

    def _reasons(self) -> np.ndarray:
        """Why each node is out (an index into REASONS, from 1), or 0 when it is a candidate; the first reason
        in REASONS' order counts."""
        table, request = self.table, self.request
        reason = np.zeros(len(table), dtype=np.int8)
        reason[~self.enough.any(axis=0)] = _NO_ATP
        if request.delivery_type == "ship":
            reason[table.capacity_left <= 0] = _NO_CAPACITY
            reason[~table.can_ship] = _NO_SHIP
        else:
            reason[~table.pickup] = _NO_PICKUP
        reason[~table.fresh] = _STALE
        reason[np.array([table.position[n] for n in request.excluded if n in table.position], dtype=np.intp)] = \
            _EXCLUDED
        return reason

    def exact(self, positions: list[int]) -> list[float]:
        """These nodes' shipment costs, exactly as `shipment_cost` gives them (its sum in its order)."""
        missing = [i for i in positions if i not in self._exact]
        if missing:
            request, policy, table = self.request, self.policy, self.table
            distances = ([0.0] * len(missing) if request.delivery_type == "pickup" else
                         haversines_km(table.lat[missing].tolist(), table.lon[missing].tolist(), request.lat,
                                       request.lon))
            for i, distance in zip(missing, distances):
                self._distance[i] = distance
                self._exact[i] = _cost_at(table.types[i], distance, policy)
        return [self._exact[i] for i in positions]

    def cost(self, i: int) -> float:
        return self.exact([i])[0]

    def covers(self, i: int) -> frozenset[str]:
        return frozenset(self.skus[j] for j in np.flatnonzero(self.enough[:, i]))

    def candidates(self, mask: np.ndarray | None = None) -> np.ndarray:
        return np.flatnonzero(self.usable if mask is None else self.usable & mask)

    def cheapest(self, mask: np.ndarray) -> int:
        """The candidate of least exact cost (then smallest id) where `mask` holds (at least one does)."""
        return self.cheapest_each(mask[np.newaxis, :])[0]

    def cheapest_each(self, masks: np.ndarray) -> list[int]:
        """`cheapest` of each row of `masks`, at once."""
        values = np.where(masks & self.usable, self.approx, np.inf)
        least = values.min(axis=1)
        bound = least + NEAR * np.maximum(1.0, np.abs(least))
        rows, near = np.nonzero((values <= bound[:, np.newaxis]) & np.isfinite(values))
        rows, near = rows.tolist(), near.tolist()
        best: dict[int, tuple[float, int]] = {}
        for row, cost, i in zip(rows, self.exact(near), near):   # positions are in id order
            if row not in best or (cost, i) < best[row]:
                best[row] = (cost, i)
        return [best[row][1] for row in range(len(masks))]

    def ranked(self, among: np.ndarray, count: int, approx: np.ndarray, per: np.ndarray | None = None) -> list[int]:
        """The `count` first of these positions by exact cost (divided by `per`, if given), then id: numpy keeps
        those near or below the count-th approximate value, Python orders them exactly."""
        values = approx[among]
        if len(among) > count:
            bound = np.partition(values, count - 1)[count - 1]
            among = among[values <= _near(bound)]
        positions = among.tolist()
        costs = self.exact(positions)
        if per is not None:
            costs = [c / n for c, n in zip(costs, per[among].tolist())]
        return [i for _, i in sorted(zip(costs, positions))[:count]]   # positions are in id order

    def costs_of(self, positions) -> dict[str, float]:
        positions = list(positions)
        return dict(zip((self.table.ids[i] for i in positions), self.exact(positions)))

    def candidates_view(self) -> list[dict]:
        """The cheapest candidates, cheapest first; a network of thousands lists only the first EXPLAINED_CANDIDATES."""
        table, skus = self.table, self.skus
        shown = self.ranked(self.candidates(), EXPLAINED_CANDIDATES, self.approx)
        at = np.array(shown, dtype=np.intp)
        return [{"node_id": table.ids[i], "type": table.types[i], "distance_km": round(self._distance[i], 2),
                 "shipment_cost": round(cost, 4), "covers": [sku for sku, c in zip(skus, covered) if c],
                 "atp": dict(zip(skus, held))}
                for i, cost, covered, held in zip(shown, self.exact(shown), self.enough[:, at].T.tolist(),
                                                  self.atp[:, at].T.tolist())]

    def excluded_view(self) -> dict:
        out = np.flatnonzero(self.reason)
        codes, first = np.unique(self.reason[out], return_index=True)
        counts = np.bincount(self.reason[out], minlength=len(REASONS) + 1)
        return {"excluded": [{"node_id": self.table.ids[i], "reason": REASONS[self.reason[i] - 1]}
                             for i in out[:EXPLAINED_CANDIDATES]],
                "excluded_total": len(out),
                "excluded_by_reason": {REASONS[c - 1]: int(counts[c]) for c, _ in sorted(zip(codes, first),
                                                                                          key=lambda cf: cf[1])}}

    def explanation(self) -> dict:
        return {"candidates": self.candidates_view(), "candidates_total": int(self.usable.sum()),
                **self.excluded_view()}


def _assign(chosen: set[str], screened: _Screened) -> dict[str, str]:
    """Each coverable line to the cheapest chosen node that can take it."""
    position = screened.table.position
    return {screened.skus[j]: min((n for n in chosen if screened.enough[j, position[n]]),
                                  key=lambda n: (screened.cost(position[n]), n))
            for j in screened.coverable}


def _key(nodes: set[str], costs, policy) -> tuple:
    return round(plan_cost([costs[n] for n in nodes], policy), 9), len(nodes), sorted(nodes)


def _exhaustive(screened: _Screened) -> tuple[set[str], int]:
    """Every plan (a node for each coverable line), weighed as arrays; the few within a hair of the cheapest are
    compared exactly (cost to 9 places, then fewer shipments, then node ids)."""
    options = [screened.candidates(screened.enough[j]) for j in screened.coverable]
    shape = tuple(len(o) for o in options)
    tried = math.prod(shape)
    if not options:
        return set(), tried
    policy, approx = screened.policy, screened.approx
    near: list[tuple[float, frozenset[int]]] = []
    for start in range(0, tried, PLANS_AT_ONCE):
        where = np.unravel_index(np.arange(start, min(tried, start + PLANS_AT_ONCE)), shape)
        plans = np.sort(np.stack([o[w] for o, w in zip(options, where)], axis=1), axis=1)
        distinct = np.ones(plans.shape, dtype=bool)
        distinct[:, 1:] = plans[:, 1:] != plans[:, :-1]
        totals = (approx[plans] * distinct).sum(axis=1) + policy.split_penalty * (distinct.sum(axis=1) - 1)
        keep = totals <= _near(totals.min())
        near += [(float(t), frozenset(row[d].tolist())) for t, row, d in zip(totals[keep], plans[keep],
                                                                              distinct[keep])]
    least = min(t for t, _ in near)
    plans = {p for t, p in near if t <= _near(least)}
    costs = screened.costs_of({i for p in plans for i in p})
    ids = screened.table.ids
    return min(({ids[i] for i in p} for p in plans), key=lambda used: _key(used, costs, policy)), tried


def _bounded(screened: _Screened) -> tuple[set[str], int]:
    policy, table = screened.policy, screened.table
    coverable = {screened.skus[j] for j in screened.coverable}
    single_mask = screened.enough[screened.coverable].all(axis=0)
    singles = screened.candidates(single_mask)
    best_single = {table.ids[screened.cheapest(single_mask)]} if len(singles) else None
    # The top K by cost per line covered, plus each line's cheapest node so every line stays coverable.
    lines_covered = screened.enough.sum(axis=0)
    ranked = screened.ranked(screened.candidates(), policy.top_k, screened.approx / np.maximum(lines_covered, 1),
                             per=lines_covered)
    pool_positions = sorted(set(ranked) | set(screened.cheapest_each(screened.enough[screened.coverable])))
    costs = screened.costs_of(pool_positions + ([table.position[n] for n in best_single] if best_single else []))
    covers = {table.ids[i]: frozenset(sku for sku, c in zip(screened.skus, covered) if c)
              for i, covered in zip(pool_positions, screened.enough[:, pool_positions].T.tolist())}
    pool = set(covers)
    chosen: set[str] = set()
    uncovered = set(coverable)
    while uncovered:
        def price(n: str) -> tuple:
            extra = policy.split_penalty if chosen else 0.0
            return (costs[n] + extra) / len(covers[n] & uncovered), n
        node = min((n for n in pool - chosen if covers[n] & uncovered), key=price)
        chosen.add(node)
        uncovered -= covers[node]
    chosen = set(_assign(chosen, screened).values())  # a node left with no line is no shipment
    for node in sorted(chosen, key=lambda n: (-costs[n], n)):  # drop a node the others already cover
        rest = chosen - {node}
        if rest and coverable <= set().union(*(covers[r] for r in rest)):
            chosen = rest
    tried = len(pool) + len(singles)
    if best_single is not None and _key(best_single, costs, policy) <= _key(chosen, costs, policy):
        return best_single, tried
    return chosen, tried


def _route_ship(screened: _Screened) -> RoutingPlan:
    request, policy, table = screened.request, screened.policy, screened.table
    explanation = {"delivery": "ship", "allow_split": request.allow_split, **screened.explanation()}
    if not request.allow_split:
        singles = screened.candidates(screened.enough.all(axis=0))
        if not len(singles):
            reason = "no single node can supply every line and the order may not be split"
            unfilled = tuple(Unfilled(sku, qty, reason) for sku, qty in request.lines.items())
            return RoutingPlan("held", (), unfilled, 0.0, {**explanation, "strategy": "single_node",
                                                             "why": reason})
        chosen, strategy, tried = {table.ids[screened.cheapest(screened.enough.all(axis=0))]}, "single_node", \
            len(singles)
    else:
        size = math.prod(int(screened.enough[j].sum()) for j in screened.coverable)
        if size <= policy.exhaustive_limit:
            (chosen, tried), strategy = _exhaustive(screened), "exhaustive"
        else:
            (chosen, tried), strategy = _bounded(screened), "bounded"
    assignment = _assign(chosen, screened)
    unfilled = tuple(Unfilled(sku, qty, "no usable node has enough ATP")
                     for sku, qty in request.lines.items() if sku not in assignment)
    return _finish(request, assignment, screened.costs_of(table.position[n] for n in chosen), unfilled, policy,
                   {**explanation, "strategy": strategy, "plans_tried": tried})


def _route_pickup(screened: _Screened) -> RoutingPlan:
    request, policy, table = screened.request, screened.policy, screened.table
    store = request.pickup_store
    explanation = {"delivery": "pickup", "pickup_store": store, "allow_split": request.allow_split,
                   "strategy": "pickup", **screened.explanation()}
    here = table.position.get(store)
    at_store = set(screened.covers(here)) if here is not None and screened.usable[here] else set()
    if at_store == set(request.lines) or (at_store and request.allow_split):
        assignment = {sku: store for sku in at_store}
        unfilled = tuple(Unfilled(sku, qty, f"pickup store {store} has not enough ATP")
                         for sku, qty in request.lines.items() if sku not in at_store)
        return _finish(request, assignment, screened.costs_of([here]), unfilled, policy, explanation)
    why = (REASONS[screened.reason[here] - 1] if here is not None and screened.reason[here] else None) or \
        (f"not enough ATP for {', '.join(sorted(set(request.lines) - at_store))}"
         if here is not None else "not a known store")
    alternatives = [int(i) for i in screened.candidates(screened.enough.all(axis=0)) if i != here]

    def distance(i: int) -> float | None:
        if here is None:
            return None
        return round(haversine_km(float(table.lat[here]), float(table.lon[here]), float(table.lat[i]),
                                  float(table.lon[i])), 2)
    explanation["alternatives"] = sorted(
        ({"node_id": table.ids[i], "distance_km": distance(i)} for i in alternatives),
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
