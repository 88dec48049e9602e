"""What routing needs from the projection: every node with its place, abilities, freshness, ATP, capacity.

As columns (`NodeTable`), in a few set-wise reads whatever the size of the network: one of the nodes, one of the
asked SKUs' stocked levels, one grouped read of pending units per SKU. No object per node.
"""

import json
import sqlite3
from datetime import datetime, time, timezone

import numpy as np

from central.domain.atp import atps_of
from central.domain.orders import LIVE_ALLOCATIONS
from central.domain.policy import RoutingPolicy
from central.domain.routing import NodeTable
from central.settings import CentralSettings
from central.store.atp import pending_by_node, stocked_figures
from central.store.node_facts import NodeFacts, micros
from central.store.nodes import fresh_sql
from central.store.statuses import status_in
from shared.runtime.clock import to_text


def _day_start(now: datetime) -> str:
    return to_text(datetime.combine(now.astimezone(timezone.utc).date(), time(), tzinfo=timezone.utc))


def ship_allocations_today(conn: sqlite3.Connection, now: datetime,
                           nodes: list[str] | None = None) -> dict[str, int]:
    """Per node (of `nodes`, else every node), the ship-from-store allocations it took today (central's UTC day)
    that still count."""
    # A live allocation uses the day's capacity; a rejected, cancelled or timed-out one gave it back (a ship
    # allocation never expires: that is a pickup's end).
    live, statuses = status_in("status", LIVE_ALLOCATIONS)
    if nodes is None:
        return {row[0]: row[1] for row in conn.execute(
            f"SELECT node_id, COUNT(*) FROM allocations WHERE type='ship' AND created_at >= ? AND {live} "
            "GROUP BY node_id", (_day_start(now), *statuses))}
    return {row[0]: row[1] for row in conn.execute(  # the allocations_by_node index, a node at a time
        f"SELECT node_id, COUNT(*) FROM allocations WHERE node_id IN (SELECT value FROM json_each(?)) "
        f"AND type='ship' AND created_at >= ? AND {live} GROUP BY node_id",
        (json.dumps(nodes), _day_start(now), *statuses))}


def _nodes_by_sql(conn: sqlite3.Connection, now: datetime, settings: CentralSettings,
                  nodes: list[str] | None) -> tuple:
    """Every registered node (of `nodes` if given) by id, its facts joined and its freshness worked out in SQL."""
    fresh, params = fresh_sql(now, settings)
    only = ""
    if nodes is not None:
        only, params = "WHERE n.id IN (SELECT value FROM json_each(:only_nodes)) ", {**params,
                                                                                   "only_nodes": json.dumps(nodes)}
    cursor = conn.cursor()
    cursor.row_factory = None
    # Capabilities are a JSON list of plain words: a word in quotes in its text is one of them.
    rows = cursor.execute(
        "SELECT n.id, n.type, n.lat, n.lon, instr(n.capabilities, CASE WHEN n.type = 'store' "
        "THEN '\"ship_from_store\"' ELSE '\"ship\"' END) > 0, instr(n.capabilities, '\"pickup\"') > 0, "
        f"{fresh}, CASE WHEN n.type = 'store' THEN n.ship_capacity_per_day END "
        f"FROM nodes n LEFT JOIN store_sync s ON s.store_id = n.id {only}ORDER BY n.id", params).fetchall()
    ids, types, lat, lon, can_ship, pickup, fresh_nodes, capacity = (list(c) for c in zip(*rows)) if rows else \
        ([] for _ in range(8))
    return (ids, types, np.array(lat, dtype=float), np.array(lon, dtype=float), np.array(can_ship, dtype=bool),
            np.array(pickup, dtype=bool), np.array(fresh_nodes, dtype=bool), np.array(capacity, dtype=float))


def _nodes_in_memory(conn: sqlite3.Connection, now: datetime, settings: CentralSettings, nodes: list[str] | None,
                     facts: NodeFacts) -> tuple:
    """`_nodes_by_sql` from the facts in memory (as this snapshot says them), freshness by `fresh_at` at once."""
    known = facts.at(conn).columns
    # Fresh while the node's freshness counts from after `now - stale_after` (its kind's).
    fresh = known.fresh_since_us > np.where(known.warehouse, micros(now - settings.warehouse_stale_after),
                                            micros(now - settings.stale_after))
    columns = (known.lat, known.lon, known.can_ship, known.pickup, fresh, known.ship_capacity)
    if nodes is None:
        return known.ids, known.types, *columns
    at = [known.position[node_id] for node_id in sorted(set(nodes)) if node_id in known.position]
    return [known.ids[i] for i in at], [known.types[i] for i in at], *(column[at] for column in columns)


def node_table(conn: sqlite3.Connection, skus: list[str], now: datetime, settings: CentralSettings,
               policy: RoutingPolicy, nodes: list[str] | None = None, facts: NodeFacts | None = None) -> NodeTable:
    """Every registered node as routing sees it, for an order of these SKUs; with `nodes`, only those of them
    (a proposed plan's chosen nodes, checked again when it is written). With `facts`, the nodes' own facts come
    from memory instead of a join (the same table: tests/unit/central/test_node_facts_property.py)."""
    ids, types, lat, lon, can_ship, pickup, fresh_nodes, capacity = (
        _nodes_by_sql(conn, now, settings, nodes) if facts is None else
        _nodes_in_memory(conn, now, settings, nodes, facts))
    position = {node_id: i for i, node_id in enumerate(ids)}
    shipped = np.zeros(len(ids))
    for node_id, count in ship_allocations_today(conn, now, nodes).items():
        if node_id in position:
            shipped[position[node_id]] = count
    # no limit: NULL, read as NaN
    capacity_left = np.where(np.isnan(capacity), np.inf, np.maximum(0, capacity - shipped))
    return NodeTable(ids, types, lat, lon, can_ship, pickup, fresh_nodes, capacity_left,
                     _atp(conn, skus, position, fresh_nodes, policy, nodes))


def _atp(conn: sqlite3.Connection, skus: list[str], position: dict[str, int], fresh: np.ndarray,
         policy: RoutingPolicy, nodes: list[str] | None) -> dict[str, np.ndarray]:
    """Per SKU, each node's ATP (0 where it holds none), by `atps_of` over the stocked figures."""
    if not position:
        return {}
    pending = pending_by_node(conn, skus, nodes)
    found = {}
    for sku in skus:
        found[sku] = atp = np.zeros(len(position), dtype=np.int64)
        node_of, on_hand, reserved, safety = stocked_figures(conn, sku, policy.safety_stock_default, nodes)
        at = np.array([position.get(node_id, -1) for node_id in node_of], dtype=np.intp)
        known = at >= 0   # a level of a node not (or no longer) registered promises nothing
        waiting = np.array([pending.get((sku, node_id), 0) for node_id in node_of] if pending else 0)
        atp[at[known]] = atps_of(np.array(on_hand, dtype=np.int64), np.array(reserved, dtype=np.int64), waiting,
                                 np.array(safety, dtype=np.int64), fresh[at])[known]
    return found
