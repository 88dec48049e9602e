"""ATP of one SKU as the API and the `omni.req.<store>.atp` requests answer it (DESIGN §5)."""

import json
import sqlite3
from datetime import datetime

from central.domain.atp import NodeStock, network_atp, node_atp
from central.domain.orders import LIVE_ALLOCATIONS, AllocationStatus
from central.settings import CentralSettings
from central.store.nodes import node_fresh
from central.store.statuses import status_in
from central.store.supply import inbound_view
from central.store.transfers import pending_at_senders
from shared.contract.errors import UnknownSku
from shared.runtime.clock import from_text, to_text


def _pending(conn: sqlite3.Connection, skus: list[str]) -> dict[tuple[str, str], int]:
    """Each (SKU, node)'s units allocated but not yet in the node's figures, in one grouped read.

    A DC's allocations are accepted at once; those made after its figure was counted are not in it yet, and neither
    are the units it rejected as missing since (an import sets one SKU's figure at a time, so the SKU's own time
    counts before the feed's). A store's are those still pending (its events carry the rest)."""
    counted, statuses = status_in("a.status", LIVE_ALLOCATIONS)
    pending, pending_statuses = status_in("a.status", {AllocationStatus.PENDING})
    rows = conn.execute(
        "SELECT l.sku, l.node_id, SUM(l.qty) FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id "
        "JOIN nodes n ON n.id = l.node_id LEFT JOIN levels lv ON lv.node_id = l.node_id AND lv.sku = l.sku "
        f"WHERE l.sku IN (SELECT value FROM json_each(?)) AND ((n.type = 'warehouse' AND ({counted} "
        "OR a.stock_missing = 1) AND a.created_at > COALESCE(NULLIF(lv.as_of, ''), NULLIF(n.stock_as_of, ''), '')) "
        f"OR (n.type <> 'warehouse' AND {pending})) GROUP BY l.sku, l.node_id",
        (json.dumps(skus), *statuses, *pending_statuses))
    found = {(sku, node_id): qty for sku, node_id, qty in rows}
    for sku in set(skus):
        for node_id, qty in pending_at_senders(conn, sku).items():  # transfers the sender has not answered yet
            found[sku, node_id] = found.get((sku, node_id), 0) + qty
    return found


def _pending_by_node(conn: sqlite3.Connection, sku: str) -> dict[str, int]:
    """`_pending` of one SKU, per node."""
    return {node_id: qty for (_, node_id), qty in _pending(conn, [sku]).items()}


def node_stocks(conn: sqlite3.Connection, sku: str, now: datetime, settings: CentralSettings,
                safety_default: int = 0) -> list[NodeStock]:
    """Every registered node that holds, is allocated, or keeps safety stock of the SKU. A node without its own
    safety stock of the SKU holds back the SKU's default, else `safety_default` (the policy's)."""
    return stocks_of(conn, [sku], now, settings, safety_default).get(sku, [])


def stocks_of(conn: sqlite3.Connection, skus: list[str], now: datetime, settings: CentralSettings,
              safety_default: int = 0) -> dict[str, list[NodeStock]]:
    """`node_stocks` of many SKUs at once (a SKU no node has is left out).

    A few set-wise reads, whatever the number of nodes and SKUs: one query per node made a 2,000-node ATP ~20 ×
    slower than reading the SKU's levels, and one query per SKU made a month's stockout figure take seconds."""
    asked = json.dumps(sorted(set(skus)))
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: a row per (SKU, node), many thousands for a month's SKUs
    rows = cursor.execute(
        "WITH asked(sku) AS (SELECT value FROM json_each(?)), "
        "pairs(sku, node_id) AS (SELECT l.sku, l.node_id FROM levels l JOIN asked USING (sku) "
        "UNION SELECT al.sku, al.node_id FROM allocation_lines al JOIN asked USING (sku) "
        "UNION SELECT ss.sku, ss.node_id FROM safety_stock ss JOIN asked USING (sku)) "
        "SELECT p.sku, n.id, n.type, COALESCE(NULLIF(l.as_of, ''), iif(n.type = 'warehouse', n.stock_as_of, NULL)), "
        "COALESCE(l.on_hand, 0), COALESCE(l.reserved, 0), COALESCE(ss.qty, d.qty) "
        "FROM pairs p JOIN nodes n ON n.id = p.node_id "
        "LEFT JOIN levels l ON l.node_id = n.id AND l.sku = p.sku "
        "LEFT JOIN safety_stock ss ON ss.node_id = n.id AND ss.sku = p.sku "
        "LEFT JOIN sku_safety_stock d ON d.sku = p.sku ORDER BY p.sku, n.id", (asked,)).fetchall()
    if not rows:
        return {}
    pending = _pending(conn, skus)
    fresh = {node["id"]: node_fresh(node, node if node["sync_store"] is not None else None, now, settings)
             for node in conn.execute(
                 "SELECT n.id, n.type, n.stock_as_of, n.stock_received_at, s.store_id AS sync_store, s.epoch, "
                 "s.applied_seq, s.last_heartbeat_at, s.hb_epoch, s.hb_last_seq FROM nodes n "
                 "LEFT JOIN store_sync s ON s.store_id = n.id WHERE n.id IN (SELECT value FROM json_each(?))",
                 (json.dumps(sorted({row[1] for row in rows})),))}
    times: dict[str, datetime] = {}  # a feed's time is shared by its SKUs
    stocks: dict[str, list[NodeStock]] = {}
    for sku, node_id, node_type, as_of, on_hand, reserved, safety in rows:
        if as_of and as_of not in times:
            times[as_of] = from_text(as_of)
        stocks.setdefault(sku, []).append(NodeStock(
            node_id=node_id, node_type=node_type, on_hand=on_hand, reserved=reserved,
            pending=pending.get((sku, node_id), 0), safety_stock=safety_default if safety is None else safety,
            fresh=fresh[node_id], as_of=times[as_of] if as_of else None))
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
                      for s in stocks],
            # Future availability, apart: routing never promises it (backorders may claim it).
            "inbound": inbound_view(conn, sku)}
