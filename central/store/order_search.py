"""Finding orders by their customer, status, store, channel and date, and a store's receipts by date: the SQL and
the indexes it needs. Read-only; every function runs inside the caller's transaction.

The customer indexes are on the very expressions the queries use, so SQLite finds an email, a phone number or the
start of a name in the index instead of reading every order.
"""

import re
import sqlite3
from datetime import datetime

from shared.runtime.clock import to_text

EMAIL = "lower(json_extract(customer, '$.email'))"
NAME = "lower(json_extract(customer, '$.name'))"
# A phone number as its digits and a leading +: "+44 (20) 7946-0000" and "+442079460000" are one number.
PHONE = ("replace(replace(replace(replace(replace(json_extract(customer, '$.phone'), ' ', ''), '-', ''), '(', ''), "
         "')', ''), '.', '')")

MIGRATION = f"""
CREATE INDEX orders_by_email ON orders ({EMAIL}, id);
CREATE INDEX orders_by_name ON orders ({NAME}, id);
CREATE INDEX orders_by_phone ON orders ({PHONE}, id);
"""


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def sqlite_lower(text: str) -> str:
    """What SQLite's lower() makes of a text: only A–Z change (so "ÄNGEL" finds "Ängel", as the index has it)."""
    return text.translate(_ASCII_LOWER)


def phone_key(phone: str) -> str:
    """What the PHONE expression makes of a stored number, for the number searched for."""
    return re.sub(r"[ ().-]", "", phone)


def order_ids(conn: sqlite3.Connection, filters: dict, cursor: str | None, limit: int) -> list[str]:
    """Up to `limit` ids of matching orders, newest first, below `cursor` (ids are time-ordered)."""
    sql, params = _search(filters, cursor, limit)
    return [r["id"] for r in conn.execute(sql, params)]


def search_plan(conn: sqlite3.Connection, filters: dict) -> list[str]:
    """SQLite's plan for a search (EXPLAIN QUERY PLAN), one line per step."""
    sql, params = _search(filters, None, 1)
    return [row["detail"] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def _search(filters: dict, cursor: str | None, limit: int) -> tuple[str, tuple]:
    where, params = [], []
    for column in ("status", "channel"):
        if filters.get(column):
            where.append(f"{column} = ?")
            params.append(filters[column])
    if filters.get("email"):
        where.append(f"{EMAIL} = ?")
        params.append(sqlite_lower(filters["email"]))
    if filters.get("phone"):
        where.append(f"{PHONE} = ?")
        params.append(phone_key(filters["phone"]))
    if filters.get("name"):  # the start of the name, any case: a range on the index
        start = sqlite_lower(filters["name"])
        where.append(f"{NAME} >= ? AND {NAME} < ?")
        params.extend([start, start + "\U0010ffff"])
    if filters.get("store"):
        where.append("id IN (SELECT order_id FROM allocations WHERE node_id = ?)")
        params.append(filters["store"])
    if filters.get("created_from"):
        where.append("created_at >= ?")
        params.append(to_text(filters["created_from"]))
    if filters.get("created_to"):
        where.append("created_at < ?")
        params.append(to_text(filters["created_to"]))
    if cursor:
        where.append("id < ?")
        params.append(cursor)
    sql = "SELECT id FROM orders" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
    return sql, (*params, limit)


def receipts_of_store(conn: sqlite3.Connection, store_id: str, start: datetime | None, end: datetime | None,
                      cursor: str | None, limit: int) -> list[sqlite3.Row]:
    """A store's walk-in receipts, newest number first, sold in [start, end) (the store's clock)."""
    where, params = ["store_id = ?"], [store_id]
    if start is not None:
        where.append("occurred_at >= ?")
        params.append(to_text(start))
    if end is not None:
        where.append("occurred_at < ?")
        params.append(to_text(end))
    if cursor:
        where.append("receipt_number < ?")
        params.append(cursor)
    return conn.execute("SELECT receipt_number, store_id, currency, occurred_at, body FROM store_receipts WHERE "
                        + " AND ".join(where) + " ORDER BY receipt_number DESC LIMIT ?", (*params, limit)).fetchall()
