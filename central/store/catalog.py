"""The catalog's rows: products as head office sets them, each marked unpublished until CATALOG has it."""

import sqlite3
from datetime import datetime

from shared.contract.models import Product
from shared.runtime.clock import to_text
from shared.runtime.sqlite import tables


def save_product(conn: sqlite3.Connection, product: Product, now: datetime) -> bool:
    """Insert or replace a product, marked unpublished; True when it is new."""
    existed = conn.execute("SELECT 1 FROM products WHERE sku=?", (product.sku,)).fetchone() is not None
    tables(conn)["products"].upsert({**product.model_dump(), "active": int(product.active),
                                     "updated_at": to_text(now), "published_at": None}, pk="sku")
    return not existed


def save_products(conn: sqlite3.Connection, products: list[Product], now: datetime) -> None:
    """Insert or replace many products at once (an import's batch), each marked unpublished."""
    tables(conn)["products"].upsert_all(({**p.model_dump(), "active": int(p.active), "updated_at": to_text(now),
                                          "published_at": None} for p in products), pk="sku", batch_size=500)


def unpublished(conn: sqlite3.Connection, limit: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM products WHERE published_at IS NULL LIMIT ?", (limit,)).fetchall()


def mark_published(conn: sqlite3.Connection, sku: str, version: str, now: datetime) -> None:
    """Only if nobody changed the product meanwhile; a newer version stays unpublished and goes next round."""
    conn.execute("UPDATE products SET published_at=? WHERE sku=? AND updated_at=?", (to_text(now), sku, version))


def product_view(conn: sqlite3.Connection, sku: str) -> dict | None:
    row = conn.execute("SELECT * FROM products WHERE sku=?", (sku,)).fetchone()
    return product_of(row) if row else None


def list_products(conn: sqlite3.Connection, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """By SKU; the cursor is the last SKU of the previous page."""
    rows = conn.execute("SELECT * FROM products WHERE sku > ? ORDER BY sku LIMIT ?", (cursor or "", limit + 1)).fetchall()
    items = [product_of(r) for r in rows[:limit]]
    return items, (items[-1]["sku"] if len(rows) > limit else None)


def product_of(row: sqlite3.Row) -> dict:
    return {"sku": row["sku"], "name": row["name"], "gtin": row["gtin"], "price": row["price"],
            "currency": row["currency"], "tax_rate_bp": row["tax_rate_bp"], "active": bool(row["active"]),
            "updated_at": row["updated_at"], "published_at": row["published_at"]}
