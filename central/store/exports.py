"""The rows of the CSV exports, a page at a time in key order, so an export of any size never holds the database
for long: orders and receipts one row per line, stock one row per node × SKU, products one row each."""

import sqlite3

ORDER_COLUMNS = ("order_id", "created_at", "updated_at", "channel", "status", "delivery_type", "pickup_store",
                 "customer_name", "customer_email", "customer_phone", "currency", "total", "sku", "qty", "cancelled",
                 "unit_price")
RECEIPT_COLUMNS = ("receipt_number", "store_id", "occurred_at", "currency", "total", "sku", "qty", "unit_price")
STOCK_COLUMNS = ("node_id", "node_type", "sku", "on_hand", "reserved", "damaged", "available", "as_of")
PRODUCT_COLUMNS = ("sku", "name", "gtin", "price", "currency", "tax_rate_bp", "active")


def _where(conditions: list[tuple[str, object]]) -> tuple[str, list]:
    given = [(sql, value) for sql, value in conditions if value is not None]
    return " AND ".join(sql for sql, _ in given) or "1", [value for _, value in given]


def orders_page(conn: sqlite3.Connection, after: tuple, limit: int, created_from: str | None,
                created_to: str | None) -> list[tuple]:
    """After (order_id, sku); times as stored text."""
    where, params = _where([("o.created_at >= ?", created_from), ("o.created_at < ?", created_to)])
    return [tuple(r) for r in conn.execute(
        "SELECT o.id, o.created_at, o.updated_at, o.channel, o.status, o.delivery_type, "
        "json_extract(o.delivery, '$.store_id'), json_extract(o.customer, '$.name'), "
        "json_extract(o.customer, '$.email'), json_extract(o.customer, '$.phone'), o.currency, o.total, "
        "l.sku, l.qty, l.cancelled, l.unit_price FROM orders o JOIN order_lines l ON l.order_id = o.id "
        f"WHERE (o.id, l.sku) > (?, ?) AND {where} ORDER BY o.id, l.sku LIMIT ?", (*after, *params, limit))]


def receipts_page(conn: sqlite3.Connection, after: tuple, limit: int, occurred_from: str | None,
                  occurred_to: str | None, store_id: str | None) -> list[tuple]:
    """After (receipt_number, line index); the line index is dropped from the row by the caller."""
    where, params = _where([("r.occurred_at >= ?", occurred_from), ("r.occurred_at < ?", occurred_to),
                            ("r.store_id = ?", store_id)])
    return [tuple(r) for r in conn.execute(
        "SELECT r.receipt_number, r.store_id, r.occurred_at, r.currency, json_extract(r.body, '$.total'), "
        "json_extract(line.value, '$.sku'), json_extract(line.value, '$.qty'), "
        "json_extract(line.value, '$.unit_price'), CAST(line.key AS INTEGER) "
        "FROM store_receipts r, json_each(r.body, '$.lines') line "
        f"WHERE (r.receipt_number, CAST(line.key AS INTEGER)) > (?, ?) AND {where} "
        "ORDER BY r.receipt_number, CAST(line.key AS INTEGER) LIMIT ?", (*after, *params, limit))]


def stock_page(conn: sqlite3.Connection, after: tuple, limit: int, node_id: str | None,
               node_type: str | None) -> list[tuple]:
    """After (node_id, sku); `available` is what the node holds free of reservations and damage."""
    # A store heard from but not registered has levels and no node row.
    where, params = _where([("l.node_id = ?", node_id), ("COALESCE(n.type, 'store') = ?", node_type)])
    return [tuple(r) for r in conn.execute(
        "SELECT l.node_id, COALESCE(n.type, 'store'), l.sku, l.on_hand, l.reserved, l.damaged, "
        "MAX(0, l.on_hand - l.reserved - l.damaged), l.as_of FROM levels l LEFT JOIN nodes n ON n.id = l.node_id "
        f"WHERE (l.node_id, l.sku) > (?, ?) AND {where} ORDER BY l.node_id, l.sku LIMIT ?",
        (*after, *params, limit))]


def products_page(conn: sqlite3.Connection, after: tuple, limit: int) -> list[tuple]:
    """After (sku,)."""
    return [tuple(r) for r in conn.execute(
        "SELECT sku, name, gtin, price, currency, tax_rate_bp, CASE active WHEN 1 THEN 'true' ELSE 'false' END "
        "FROM products WHERE sku > ? ORDER BY sku LIMIT ?", (*after, limit))]
