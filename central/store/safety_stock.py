"""Safety stock head office holds back from promising: per node × SKU (`safety_stock`, in the first migration), and
a default per SKU for nodes without their own figure. The policy's `safety_stock_default` comes last."""

import sqlite3

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
