"""Every node's ATP figures joined in SQL, as central read them before the nodes' facts were kept in memory: the
reference the property tests hold `atp_view`, `atp_totals` and the transfers' figures to."""

import sqlite3
from datetime import datetime

from central.domain.atp import NodeStock
from central.settings import CentralSettings
from central.store.atp import pending_by_node
from central.store.nodes import fresh_sql
from shared.runtime.clock import from_text

# A node without its own safety stock of a SKU (`k`) holds back the SKU's default, else the policy's.
_SAFETY_JOINS = ("LEFT JOIN safety_stock ss ON ss.sku = k.sku AND ss.node_id = k.node_id "
                 "LEFT JOIN sku_safety_stock d ON d.sku = k.sku")
_SAFETY = "coalesce(ss.qty, d.qty, :safety_default)"


def _figures_sql(count: int, fresh: str) -> str:
    """Every registered node that holds, is allocated, or keeps safety stock of one of `count` SKUs, by SKU then
    node: the SKUs' levels, then the nodes with an allocation or safety stock of a SKU but no level of it."""
    skus = ", ".join(f":sku{i}" for i in range(count))
    joins = f"JOIN nodes n ON n.id = k.node_id LEFT JOIN store_sync s ON s.store_id = n.id {_SAFETY_JOINS}"
    dc_as_of = "CASE WHEN n.type = 'warehouse' THEN n.stock_as_of END"
    return (f"SELECT k.sku, k.node_id, n.type, k.on_hand, k.reserved, {_SAFETY}, {fresh}, "
            f"coalesce(nullif(k.as_of, ''), {dc_as_of}) FROM levels k {joins} WHERE k.sku IN ({skus}) "
            f"UNION ALL SELECT k.sku, k.node_id, n.type, 0, 0, {_SAFETY}, {fresh}, {dc_as_of} "
            f"FROM (SELECT sku, node_id FROM allocation_lines WHERE sku IN ({skus}) "
            f"UNION SELECT sku, node_id FROM safety_stock WHERE sku IN ({skus})) k {joins} "
            "WHERE NOT EXISTS (SELECT 1 FROM levels l WHERE l.sku = k.sku AND l.node_id = k.node_id) "
            "ORDER BY 1, 2")


def node_figures(conn: sqlite3.Connection, skus: list[str], now: datetime, settings: CentralSettings,
                 safety_default: int = 0) -> list[tuple[str, str, str, int, int, int, int, str | None]]:
    """(sku, node_id, node type, on_hand, reserved, safety_stock, fresh 1 or 0, as_of as stored) of every node
    concerned by these SKUs, by SKU then node, before the units pending there are known."""
    fresh, params = fresh_sql(now, settings)
    cursor = conn.cursor()
    cursor.row_factory = None
    asked = {"safety_default": safety_default} | {f"sku{i}": sku for i, sku in enumerate(skus)}
    return cursor.execute(_figures_sql(len(skus), fresh), params | asked).fetchall()


def stocks_of(conn: sqlite3.Connection, skus: list[str], now: datetime, settings: CentralSettings,
              safety_default: int = 0) -> dict[str, list[NodeStock]]:
    """Each SKU's nodes as `NodeStock`s (a SKU no node has is left out)."""
    skus = sorted(set(skus))
    figures = node_figures(conn, skus, now, settings, safety_default)
    pending = pending_by_node(conn, skus) if figures else {}
    stocks: dict[str, list[NodeStock]] = {}
    for sku, node_id, node_type, on_hand, reserved, safety, fresh, as_of in figures:
        stocks.setdefault(sku, []).append(NodeStock(
            node_id=node_id, node_type=node_type, on_hand=on_hand, reserved=reserved,
            pending=pending.get((sku, node_id), 0), safety_stock=safety, fresh=fresh == 1,
            as_of=from_text(as_of) if as_of else None))
    return stocks


def node_stocks(conn: sqlite3.Connection, sku: str, now: datetime, settings: CentralSettings,
                safety_default: int = 0) -> list[NodeStock]:
    """Every registered node that holds, is allocated, or keeps safety stock of the SKU."""
    return stocks_of(conn, [sku], now, settings, safety_default).get(sku, [])
