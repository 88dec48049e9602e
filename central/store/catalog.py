"""The catalog's rows: products as head office sets them, each marked unpublished until CATALOG has it."""

import sqlite3
from datetime import datetime

from shared.contract.models import Product
from shared.runtime.clock import to_text


def save_product(conn: sqlite3.Connection, product: Product, now: datetime) -> bool:
    """Insert or replace a product, marked unpublished; True when it is new."""
    existed = conn.execute("SELECT 1 FROM products WHERE sku=?", (product.sku,)).fetchone() is not None
    conn.execute(
        "INSERT INTO products (sku, name, gtin, price, currency, tax_rate_bp, active, updated_at, published_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (sku) DO UPDATE SET name=excluded.name, "
        "gtin=excluded.gtin, price=excluded.price, currency=excluded.currency, tax_rate_bp=excluded.tax_rate_bp, "
        "active=excluded.active, updated_at=excluded.updated_at, published_at=NULL",
        (product.sku, product.name, product.gtin, product.price, product.currency, product.tax_rate_bp,
         int(product.active), to_text(now)))
    return not existed


def product_of(row: sqlite3.Row) -> dict:
    return {"sku": row["sku"], "name": row["name"], "gtin": row["gtin"], "price": row["price"],
            "currency": row["currency"], "tax_rate_bp": row["tax_rate_bp"], "active": bool(row["active"]),
            "updated_at": row["updated_at"], "published_at": row["published_at"]}
