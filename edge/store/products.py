"""The store's copy of the catalog: lookup by SKU or barcode, search with keyset pages, updates from central."""

import base64
import sqlite3

from shared.contract.events import CatalogProduct
from shared.runtime.clock import now_text
from shared.runtime.sqlite import tables

PRODUCT_COLUMNS = "p.sku, p.name, p.gtin, p.price, p.currency, p.tax_rate_bp, p.active"


def find_product(conn: sqlite3.Connection, sku_or_gtin: str) -> sqlite3.Row | None:
    """The product with this SKU, else the one with this barcode (a scanner types the GTIN)."""
    row = conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.sku = ?", (sku_or_gtin,)).fetchone()
    if row is None and sku_or_gtin.isdigit():
        row = conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.gtin = ? ORDER BY p.sku LIMIT 1",
                           (sku_or_gtin,)).fetchone()
    return row


def products_by_sku(conn: sqlite3.Connection, skus: list[str]) -> dict[str, sqlite3.Row]:
    """The products of these SKUs in one read (a basket's lines); a code that is no SKU is left out."""
    rows = conn.execute(f"SELECT {PRODUCT_COLUMNS} FROM products p WHERE p.sku IN ({', '.join('?' * len(skus))})",
                        skus).fetchall()
    return {row["sku"]: row for row in rows}


def encode_cursor(sku: str) -> str:
    return base64.urlsafe_b64encode(sku.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The SKU a page ended at; `ValueError` when the cursor was not one we handed out."""
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"cursor {cursor!r} is not one this store handed out") from e


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_products(conn: sqlite3.Connection, q: str | None, after_sku: str | None,
                    limit: int) -> tuple[list[dict], str | None]:
    """Products whose SKU starts with q, whose name contains q (any case) or whose GTIN is q; ordered by SKU."""
    where, params = ["1 = 1"], []
    if q:
        where.append("(p.sku LIKE ? ESCAPE '\\' OR p.name LIKE ? ESCAPE '\\' OR p.gtin = ?)")
        params += [_like_escaped(q) + "%", "%" + _like_escaped(q) + "%", q]
    if after_sku is not None:
        where.append("p.sku > ?")
        params.append(after_sku)
    rows = conn.execute(
        f"SELECT {PRODUCT_COLUMNS}, COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved "
        f"FROM products p LEFT JOIN stock s ON s.sku = p.sku WHERE {' AND '.join(where)} ORDER BY p.sku LIMIT ?",
        (*params, limit + 1)).fetchall()
    items = [{"sku": r["sku"], "name": r["name"], "gtin": r["gtin"], "price": r["price"], "currency": r["currency"],
              "tax_rate_bp": r["tax_rate_bp"], "active": bool(r["active"]), "on_hand": r["on_hand"],
              "available": max(0, r["on_hand"] - r["reserved"])} for r in rows[:limit]]
    next_cursor = encode_cursor(items[-1]["sku"]) if len(rows) > limit else None
    return items, next_cursor


def upsert_product(conn: sqlite3.Connection, product: CatalogProduct) -> None:
    """Central's latest word on a product, replacing what the store held (inside the caller's transaction)."""
    tables(conn)["products"].upsert(
        {"sku": product.sku, "name": product.name, "gtin": product.gtin, "price": product.price,
         "currency": product.currency, "tax_rate_bp": product.tax_rate_bp, "active": int(product.active),
         "updated_at": now_text()}, pk="sku")


def put_catalog_setting(conn: sqlite3.Connection, key: str, value_json: str) -> None:
    """Central's policy and receipt keys, kept as the JSON central sent."""
    tables(conn)["catalog_settings"].upsert({"key": key, "value": value_json, "updated_at": now_text()}, pk="key")
