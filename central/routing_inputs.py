"""What routing needs from the projection: every node with its place, abilities, freshness, ATP, capacity."""

import json
import sqlite3
from datetime import datetime, time, timezone

from central.atp_query import node_stocks
from central.domain.atp import node_atp
from central.domain.policy import RoutingPolicy
from central.domain.routing import NodeOption
from central.nodes import node_fresh
from central.settings import CentralSettings
from shared.clock import to_text

# An allocation that still uses a day's ship-from-store capacity (rejected or re-routed ones give it back).
_COUNTS_FOR_CAPACITY = "status NOT IN ('rejected', 'cancelled', 'timed_out')"


def ship_capacity_left(conn: sqlite3.Connection, node: sqlite3.Row, now: datetime) -> int | None:
    """Ship-from-store allocations a store may still take today (central's UTC day); None = no limit."""
    limit = node["ship_capacity_per_day"]
    if node["type"] != "store" or limit is None:
        return None
    day_start = datetime.combine(now.astimezone(timezone.utc).date(), time(), tzinfo=timezone.utc)
    used = conn.execute(f"SELECT COUNT(*) FROM allocations WHERE node_id=? AND type='ship' AND created_at >= ? "
                        f"AND {_COUNTS_FOR_CAPACITY}", (node["id"], to_text(day_start))).fetchone()[0]
    return max(0, limit - used)


def node_options(conn: sqlite3.Connection, skus: list[str], now: datetime, settings: CentralSettings,
                 policy: RoutingPolicy) -> list[NodeOption]:
    atp: dict[str, dict[str, int]] = {}
    for sku in skus:
        for stock in node_stocks(conn, sku, now, settings, policy.safety_stock_default):
            atp.setdefault(stock.node_id, {})[sku] = node_atp(stock)
    options = []
    for node in conn.execute("SELECT * FROM nodes ORDER BY id").fetchall():
        sync = conn.execute("SELECT * FROM store_sync WHERE store_id=?", (node["id"],)).fetchone()
        options.append(NodeOption(node_id=node["id"], node_type=node["type"], lat=node["lat"], lon=node["lon"],
                                  capabilities=frozenset(json.loads(node["capabilities"])),
                                  fresh=node_fresh(node, sync, now, settings), atp=atp.get(node["id"], {}),
                                  capacity_left=ship_capacity_left(conn, node, now)))
    return options
