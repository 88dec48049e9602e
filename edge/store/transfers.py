"""Transfers and their lines, read and written inside the caller's transaction (the service's)."""

import json
import sqlite3

MIGRATION = """
CREATE TABLE transfers (
    transfer_id TEXT PRIMARY KEY,
    direction TEXT NOT NULL,            -- out: this store sends; in: this store receives
    status TEXT NOT NULL,               -- edge.domain.transfers.Status
    other_node TEXT NOT NULL,           -- where the units go (out) or come from (in)
    other_name TEXT NOT NULL,
    ship_to TEXT,                       -- JSON address (out)
    reference TEXT,
    ship_by TEXT,
    expected_at TEXT,
    carrier TEXT,
    tracking_number TEXT,
    reason TEXT,                        -- why rejected or cancelled
    done_by TEXT,                       -- the associate who shipped, rejected or received it
    cmd_seq INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX transfers_open ON transfers (direction, status);

CREATE TABLE transfer_lines (
    transfer_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL,               -- asked for (out) or shipped by the sender (in)
    held INTEGER NOT NULL DEFAULT 0,    -- units of this line in stock.reserved
    shipped INTEGER,
    received INTEGER,
    PRIMARY KEY (transfer_id, sku)
) WITHOUT ROWID;
"""

COLUMNS = ("ship_to", "reference", "ship_by", "expected_at", "carrier", "tracking_number", "reason", "done_by")


def insert(conn: sqlite3.Connection, transfer_id: str, *, direction: str, status: str, other_node: str,
           other_name: str, units: dict[str, int], held: bool, cmd_seq: int | None, at: str, **details) -> None:
    """A new transfer with one line per SKU; `held`: its units are reserved from now on."""
    names = [name for name in COLUMNS if details.get(name) is not None]
    conn.execute(f"INSERT INTO transfers (transfer_id, direction, status, other_node, other_name, cmd_seq, created_at, "
                 f"updated_at{''.join(', ' + n for n in names)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?"
                 f"{', ?' * len(names)})",
                 (transfer_id, direction, status, other_node, other_name, cmd_seq, at, at,
                  *(details[n] for n in names)))
    conn.executemany("INSERT INTO transfer_lines (transfer_id, sku, qty, held) VALUES (?, ?, ?, ?)",
                     [(transfer_id, sku, qty, qty if held else 0) for sku, qty in units.items()])


def read(conn: sqlite3.Connection, transfer_id: str) -> dict | None:
    row = conn.execute("SELECT * FROM transfers WHERE transfer_id = ?", (transfer_id,)).fetchone()
    return _with_lines(conn, [row])[0] if row is not None else None


def update(conn: sqlite3.Connection, transfer_id: str, *, status: str, at: str, **details) -> None:
    names = [name for name in COLUMNS if name in details]
    conn.execute(f"UPDATE transfers SET status = ?, updated_at = ?{''.join(f', {n} = ?' for n in names)} "
                 "WHERE transfer_id = ?", (status, at, *(details[n] for n in names), transfer_id))


def set_counts(conn: sqlite3.Connection, transfer_id: str, column: str, units: dict[str, int]) -> None:
    """Record what was shipped or received per line (SKUs the transfer does not carry are refused before this);
    whatever the transfer held in `reserved` is no longer held."""
    if column not in ("shipped", "received"):
        raise ValueError(column)
    conn.executemany(f"UPDATE transfer_lines SET {column} = ?, held = 0 WHERE transfer_id = ? AND sku = ?",
                     [(qty, transfer_id, sku) for sku, qty in units.items()])


def release(conn: sqlite3.Connection, transfer_id: str) -> None:
    conn.execute("UPDATE transfer_lines SET held = 0 WHERE transfer_id = ?", (transfer_id,))


def held_units(conn: sqlite3.Connection) -> dict[str, int]:
    """Units the transfers hold in `reserved`, per SKU."""
    return dict(conn.execute("SELECT sku, SUM(held) FROM transfer_lines GROUP BY sku HAVING SUM(held) > 0").fetchall())


def page(conn: sqlite3.Connection, direction: str | None, statuses: tuple[str, ...] | None, after: str,
         limit: int) -> list[dict]:
    """Transfers by id (ids are time-ordered), `limit + 1` of them so the caller knows whether more follow."""
    where, params = ["transfer_id > ?"], [after]
    if direction is not None:
        where.append("direction = ?")
        params.append(direction)
    if statuses is not None:
        where.append(f"status IN ({', '.join('?' * len(statuses))})")
        params += statuses
    rows = conn.execute(f"SELECT * FROM transfers WHERE {' AND '.join(where)} ORDER BY transfer_id LIMIT ?",
                        (*params, limit + 1)).fetchall()
    return _with_lines(conn, rows)


def _with_lines(conn: sqlite3.Connection, rows: list[sqlite3.Row]) -> list[dict]:
    if not rows:
        return []
    ids = [row["transfer_id"] for row in rows]
    lines: dict[str, list[dict]] = {i: [] for i in ids}
    for line in conn.execute(f"SELECT l.*, p.name, p.gtin FROM transfer_lines l LEFT JOIN products p ON p.sku = l.sku "
                             f"WHERE l.transfer_id IN ({', '.join('?' * len(ids))}) ORDER BY l.transfer_id, l.sku",
                             ids):
        lines[line["transfer_id"]].append({"sku": line["sku"], "name": line["name"] or line["sku"],
                                           "gtin": line["gtin"],
                                           "qty": line["qty"], "held": line["held"], "shipped": line["shipped"],
                                           "received": line["received"]})
    return [{**dict(row), "ship_to": json.loads(row["ship_to"]) if row["ship_to"] else None,
             "lines": lines[row["transfer_id"]]} for row in rows]
