"""ATP of one SKU as the API and the `omni.req.<store>.atp` requests answer it (DESIGN §5)."""

import sqlite3
from datetime import datetime

from central.domain.atp import NodeStock, network_atp, node_atp
from central.domain.orders import LIVE_ALLOCATIONS, AllocationStatus
from central.settings import CentralSettings
from central.store.nodes import node_fresh
from central.store.safety_stock import sku_default
from central.store.statuses import status_in
from shared.contract.errors import UnknownSku
from shared.runtime.clock import from_text, to_text


def _pending(conn: sqlite3.Connection, sku: str, node: sqlite3.Row) -> int:
    if node["type"] == "warehouse":
        # A DC's allocations are accepted at once; those made after its figure was counted are not in it yet, and
        # neither are the units it rejected as missing since (an import sets one SKU's figure at a time, so the
        # SKU's own time counts before the feed's).
        counted, statuses = status_in("a.status", LIVE_ALLOCATIONS)
        counted_at = node["as_of"] or node["stock_as_of"] or ""
        row = conn.execute("SELECT COALESCE(SUM(l.qty), 0) FROM allocation_lines l JOIN allocations a "
                           f"ON a.id = l.allocation_id WHERE l.sku=? AND l.node_id=? AND ({counted} "
                           "OR a.stock_missing = 1) "
                           "AND a.created_at > ?", (sku, node["id"], *statuses, counted_at)).fetchone()
    else:
        pending, statuses = status_in("a.status", {AllocationStatus.PENDING})
        row = conn.execute("SELECT COALESCE(SUM(l.qty), 0) FROM allocation_lines l JOIN allocations a "
                           f"ON a.id = l.allocation_id WHERE l.sku=? AND l.node_id=? AND {pending}",
                           (sku, node["id"], *statuses)).fetchone()
    return row[0]


def node_stocks(conn: sqlite3.Connection, sku: str, now: datetime, settings: CentralSettings,
                safety_default: int = 0) -> list[NodeStock]:
    """Every registered node that holds, is allocated, or keeps safety stock of the SKU. A node without its own
    safety stock of the SKU holds back the SKU's default, else `safety_default` (the policy's)."""
    safety_default = sku_default(conn, sku, safety_default)
    rows = conn.execute(
        "SELECT n.*, l.on_hand, l.reserved, l.as_of FROM nodes n "
        "LEFT JOIN levels l ON l.node_id = n.id AND l.sku = ? "
        "WHERE l.sku IS NOT NULL OR n.id IN (SELECT node_id FROM allocation_lines WHERE sku=?) "
        "OR n.id IN (SELECT node_id FROM safety_stock WHERE sku=?) ORDER BY n.id", (sku, sku, sku)).fetchall()
    stocks = []
    for node in rows:
        sync = conn.execute("SELECT * FROM store_sync WHERE store_id=?", (node["id"],)).fetchone()
        safety = conn.execute("SELECT qty FROM safety_stock WHERE node_id=? AND sku=?", (node["id"], sku)).fetchone()
        as_of = node["as_of"] or (node["stock_as_of"] if node["type"] == "warehouse" else None)
        stocks.append(NodeStock(node_id=node["id"], node_type=node["type"], on_hand=node["on_hand"] or 0,
                                reserved=node["reserved"] or 0, pending=_pending(conn, sku, node),
                                safety_stock=safety[0] if safety else safety_default,
                                fresh=node_fresh(node, sync, now, settings),
                                as_of=from_text(as_of) if as_of else None))
    return stocks


def atp_view(conn: sqlite3.Connection, sku: str, now: datetime, settings: CentralSettings,
             safety_default: int = 0) -> dict:
    if conn.execute("SELECT 1 FROM products WHERE sku=?", (sku,)).fetchone() is None:
        raise UnknownSku(f"No product has the SKU {sku!r}; add it with PUT /v1/products/{{sku}} first.", sku=sku)
    stocks = node_stocks(conn, sku, now, settings, safety_default)
    network = network_atp(stocks)
    return {"sku": sku,
            "network": {"atp": network.atp, "on_hand": network.on_hand, "reserved": network.reserved},
            "nodes": [{"node_id": s.node_id, "type": s.node_type, "on_hand": s.on_hand, "reserved": s.reserved,
                       "pending": s.pending, "safety_stock": s.safety_stock, "atp": node_atp(s), "fresh": s.fresh,
                       "as_of": to_text(s.as_of) if s.as_of else None}
                      for s in stocks]}
