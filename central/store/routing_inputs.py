"""What routing needs from the projection: every node with its place, abilities, freshness, ATP, capacity."""

import json
import sqlite3
from datetime import datetime, time, timezone

from central.domain.atp import node_atp
from central.domain.orders import LIVE_ALLOCATIONS
from central.domain.policy import RoutingPolicy
from central.domain.routing import NodeOption
from central.settings import CentralSettings
from central.store.atp import node_stocks
from central.store.nodes import node_fresh
from central.store.statuses import status_in
from shared.runtime.clock import to_text


def ship_allocations_today(conn: sqlite3.Connection, now: datetime) -> dict[str, int]:
    """Per node, the ship-from-store allocations it took today (central's UTC day) that still count."""
    day_start = datetime.combine(now.astimezone(timezone.utc).date(), time(), tzinfo=timezone.utc)
    # A live allocation uses the day's capacity; a rejected, cancelled or timed-out one gave it back (a ship
    # allocation never expires: that is a pickup's end).
    live, statuses = status_in("status", LIVE_ALLOCATIONS)
    return {row[0]: row[1] for row in conn.execute(
        f"SELECT node_id, COUNT(*) FROM allocations WHERE type='ship' AND created_at >= ? AND {live} "
        "GROUP BY node_id", (to_text(day_start), *statuses))}


def node_options(conn: sqlite3.Connection, skus: list[str], now: datetime, settings: CentralSettings,
                 policy: RoutingPolicy) -> list[NodeOption]:
    """Every node as routing sees it, read with a few queries whatever the size of the network."""
    atp: dict[str, dict[str, int]] = {}
    for sku in skus:
        for stock in node_stocks(conn, sku, now, settings, policy.safety_stock_default):
            atp.setdefault(stock.node_id, {})[sku] = node_atp(stock)
    syncs = {row["store_id"]: row for row in conn.execute("SELECT * FROM store_sync")}
    shipped_today = ship_allocations_today(conn, now)
    options = []
    for node in conn.execute("SELECT * FROM nodes ORDER BY id").fetchall():
        limit = node["ship_capacity_per_day"]
        capacity_left = (None if node["type"] != "store" or limit is None
                         else max(0, limit - shipped_today.get(node["id"], 0)))
        options.append(NodeOption(node_id=node["id"], node_type=node["type"], lat=node["lat"], lon=node["lon"],
                                  capabilities=frozenset(json.loads(node["capabilities"])),
                                  fresh=node_fresh(node, syncs.get(node["id"]), now, settings),
                                  atp=atp.get(node["id"], {}), capacity_left=capacity_left))
    return options
