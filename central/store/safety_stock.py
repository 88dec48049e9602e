"""Safety stock head office holds back from promising: per node × SKU (`safety_stock`, in the first migration), and
a default per SKU for nodes without their own figure. The policy's `safety_stock_default` comes last."""

import sqlite3

from central.domain.safety_stock import SafetyStock
from shared.contract.errors import NotFound, UnknownSku

MIGRATION = """
CREATE TABLE sku_safety_stock (
    sku TEXT PRIMARY KEY,
    qty INTEGER NOT NULL CHECK (qty >= 0)
) WITHOUT ROWID;
"""


def set_for_node(conn: sqlite3.Connection, node_id: str, sku: str, qty: int) -> None:
    conn.execute("INSERT INTO safety_stock (node_id, sku, qty) VALUES (?, ?, ?) "
                 "ON CONFLICT (sku, node_id) DO UPDATE SET qty=excluded.qty", (node_id, sku, qty))


def set_for_sku(conn: sqlite3.Connection, sku: str, qty: int) -> None:
    conn.execute("INSERT INTO sku_safety_stock (sku, qty) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET "
                 "qty=excluded.qty", (sku, qty))


def sku_default(conn: sqlite3.Connection, sku: str, policy_default: int) -> int:
    """What a node without its own figure holds back of this SKU."""
    row = conn.execute("SELECT qty FROM sku_safety_stock WHERE sku=?", (sku,)).fetchone()
    return row[0] if row else policy_default


def save(conn: sqlite3.Connection, figure: SafetyStock) -> None:
    """Set a node's figure, or (no node) the SKU's default; the SKU must be in the catalog, the node registered."""
    if conn.execute("SELECT 1 FROM products WHERE sku=?", (figure.sku,)).fetchone() is None:
        raise UnknownSku(f"No product has the SKU {figure.sku!r}; add the product first.", sku=figure.sku)
    if figure.node_id is None:
        set_for_sku(conn, figure.sku, figure.qty)
        return
    if conn.execute("SELECT 1 FROM nodes WHERE id=?", (figure.node_id,)).fetchone() is None:
        raise NotFound(f"No store or warehouse {figure.node_id} is registered.")
    set_for_node(conn, figure.node_id, figure.sku, figure.qty)


def clear(conn: sqlite3.Connection, sku: str, node_id: str | None) -> None:
    """Forget a figure: the node falls back to the SKU's default, the SKU's default to the policy's."""
    if node_id is None:
        conn.execute("DELETE FROM sku_safety_stock WHERE sku=?", (sku,))
    else:
        conn.execute("DELETE FROM safety_stock WHERE sku=? AND node_id=?", (sku, node_id))


def view(conn: sqlite3.Connection, sku: str) -> dict:
    default = conn.execute("SELECT qty FROM sku_safety_stock WHERE sku=?", (sku,)).fetchone()
    nodes = conn.execute("SELECT node_id, qty FROM safety_stock WHERE sku=? ORDER BY node_id", (sku,)).fetchall()
    return {"sku": sku, "default": default[0] if default else None,
            "nodes": [{"node_id": r["node_id"], "qty": r["qty"]} for r in nodes]}
