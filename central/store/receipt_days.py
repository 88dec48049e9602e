"""Walk-in receipts summed per day (the store's clock), store and currency, kept as each sale is recorded: head
office's reports read a month of them from these few rows instead of every receipt's JSON body.

A receipt never changes once recorded (a repeat of its event is ignored), so the sums are added to once per receipt
and never corrected. Returns are read from `receipt_returns` as they are.
"""

import sqlite3

MIGRATION = """
CREATE TABLE receipt_days (
    day TEXT NOT NULL,                           -- YYYY-MM-DD of occurred_at (UTC)
    store_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    receipts INTEGER NOT NULL,
    sales INTEGER NOT NULL,                      -- the receipts' totals, minor units
    units INTEGER NOT NULL,                      -- units on their lines
    PRIMARY KEY (day, store_id, currency)
) WITHOUT ROWID;
CREATE TABLE receipt_day_tenders (
    day TEXT NOT NULL,
    store_id TEXT NOT NULL,
    currency TEXT NOT NULL,
    tender TEXT NOT NULL,
    paid INTEGER NOT NULL,                       -- what the tender took, change given back
    PRIMARY KEY (day, store_id, currency, tender)
) WITHOUT ROWID;
CREATE TABLE receipt_day_skus (                  -- which SKUs a store sold that day (demand, for stockouts)
    day TEXT NOT NULL,
    store_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    PRIMARY KEY (day, store_id, sku)
) WITHOUT ROWID;
INSERT INTO receipt_days SELECT substr(r.occurred_at, 1, 10), r.store_id, r.currency, COUNT(*),
    SUM(json_extract(r.body, '$.total')),
    SUM((SELECT COALESCE(SUM(json_extract(l.value, '$.qty')), 0) FROM json_each(r.body, '$.lines') l))
    FROM store_receipts r GROUP BY 1, 2, 3;
INSERT INTO receipt_day_tenders SELECT substr(r.occurred_at, 1, 10), r.store_id, r.currency,
    json_extract(t.value, '$.type'), SUM(json_extract(t.value, '$.paid'))
    FROM store_receipts r, json_each(r.body, '$.tenders') t GROUP BY 1, 2, 3, 4;
INSERT INTO receipt_day_skus SELECT DISTINCT substr(r.occurred_at, 1, 10), r.store_id, json_extract(l.value, '$.sku')
    FROM store_receipts r, json_each(r.body, '$.lines') l;
"""


def add(conn: sqlite3.Connection, store_id: str, day: str, currency: str, body: dict) -> None:
    """Count a newly recorded receipt (`body` as `store_receipts` keeps it) into its day's sums."""
    add_many(conn, [(store_id, day, currency, body)])


def add_many(conn: sqlite3.Connection, receipts: list[tuple[str, str, str, dict]]) -> None:
    """Count newly recorded receipts (store, day, currency, body) into their days' sums: one row written per day,
    store and currency (and tender, and SKU), whatever the number of receipts."""
    sums: dict[tuple[str, str, str], list[int]] = {}
    paid: dict[tuple[str, str, str, str], int] = {}
    skus: dict[tuple[str, str, str], None] = {}
    for store_id, day, currency, body in receipts:
        key = (day, store_id, currency)
        figures = sums.setdefault(key, [0, 0, 0])
        figures[0] += 1
        figures[1] += body["total"]
        figures[2] += sum(line["qty"] for line in body["lines"])
        for t in body["tenders"]:
            paid[(*key, t["type"])] = paid.get((*key, t["type"]), 0) + t["paid"]
        for line in body["lines"]:
            skus[(day, store_id, line["sku"])] = None
    conn.executemany("INSERT INTO receipt_days (day, store_id, currency, receipts, sales, units) "
                     "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, store_id, currency) DO UPDATE SET "
                     "receipts = receipts + excluded.receipts, sales = sales + excluded.sales, "
                     "units = units + excluded.units", [(*key, *figures) for key, figures in sums.items()])
    conn.executemany("INSERT INTO receipt_day_tenders (day, store_id, currency, tender, paid) VALUES (?, ?, ?, ?, ?) "
                     "ON CONFLICT (day, store_id, currency, tender) DO UPDATE SET paid = paid + excluded.paid",
                     [(*key, amount) for key, amount in paid.items()])
    conn.executemany("INSERT OR IGNORE INTO receipt_day_skus (day, store_id, sku) VALUES (?, ?, ?)", list(skus))


def days(conn: sqlite3.Connection, first: str, last: str, store: str | None) -> list[sqlite3.Row]:
    """(day, store_id, currency, receipts, sales, units) from `first` to `last` (both included)."""
    where, params = _where(first, last, store)
    return conn.execute(f"SELECT day, store_id, currency, receipts, sales, units FROM receipt_days WHERE {where}",
                        params).fetchall()


def tenders(conn: sqlite3.Connection, first: str, last: str, store: str | None) -> list[sqlite3.Row]:
    where, params = _where(first, last, store)
    return conn.execute(f"SELECT day, store_id, currency, tender, paid FROM receipt_day_tenders WHERE {where}",
                        params).fetchall()


def skus(conn: sqlite3.Connection, first: str, last: str, store: str | None) -> list[str]:
    where, params = _where(first, last, store)
    return [r[0] for r in conn.execute(f"SELECT DISTINCT sku FROM receipt_day_skus WHERE {where}", params)]


def _where(first: str, last: str, store: str | None) -> tuple[str, list]:
    return "day >= ? AND day <= ?" + (" AND store_id = ?" if store else ""), [first, last, *([store] if store else [])]
