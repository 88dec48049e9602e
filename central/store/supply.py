"""Inbound supply in SQLite: purchase orders to a node with their lines, and the claims backorders hold on their
outstanding units. Every function runs inside the caller's transaction."""

import json
import sqlite3
from datetime import datetime

from central.domain.supply import (
    Claim,
    InboundLine,
    excess_claims,
    node_can_serve,
    outstanding,
    plan_claims,
)
from shared.runtime.clock import from_text, to_text

MIGRATION = """
ALTER TABLE products ADD COLUMN release_at TEXT;  -- a preorder product: none of it is routed before then
CREATE TABLE supply_orders (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('purchase_order')),
    node_id TEXT NOT NULL,                       -- where the units arrive
    reference TEXT,                              -- the supplier's or the ERP's number
    expected_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'received', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX supply_orders_by_status ON supply_orders (status, node_id);
CREATE TABLE supply_lines (
    supply_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    received INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (supply_id, sku)
) WITHOUT ROWID;
CREATE INDEX supply_lines_by_sku ON supply_lines (sku);
CREATE TABLE supply_claims (                     -- open claims only: served or released units leave
    id INTEGER PRIMARY KEY,
    supply_id TEXT NOT NULL,
    sku TEXT NOT NULL,
    order_id TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    created_at TEXT NOT NULL
);
CREATE INDEX supply_claims_by_line ON supply_claims (supply_id, sku, id);
CREATE INDEX supply_claims_by_order ON supply_claims (order_id, sku);
"""


def insert(conn: sqlite3.Connection, supply_id: str, node_id: str, reference: str | None, expected_at: datetime,
           lines: dict[str, int], now: datetime, kind: str = "purchase_order") -> None:
    conn.execute("INSERT INTO supply_orders (id, kind, node_id, reference, expected_at, status, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
                 (supply_id, kind, node_id, reference, to_text(expected_at), to_text(now), to_text(now)))
    conn.executemany("INSERT INTO supply_lines (supply_id, sku, qty) VALUES (?, ?, ?)",
                     [(supply_id, sku, qty) for sku, qty in lines.items()])


def get(conn: sqlite3.Connection, supply_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM supply_orders WHERE id=?", (supply_id,)).fetchone()


def lines_of(conn: sqlite3.Connection, supply_id: str) -> list[sqlite3.Row]:
    return conn.execute("SELECT l.*, (SELECT COALESCE(SUM(c.qty), 0) FROM supply_claims c WHERE c.supply_id = "
                        "l.supply_id AND c.sku = l.sku) AS claimed FROM supply_lines l WHERE l.supply_id=? "
                        "ORDER BY l.sku", (supply_id,)).fetchall()


def receive(conn: sqlite3.Connection, supply_id: str, sku: str, qty: int) -> None:
    conn.execute("UPDATE supply_lines SET received = received + ? WHERE supply_id=? AND sku=?", (qty, supply_id, sku))


def set_status(conn: sqlite3.Connection, supply_id: str, status: str, now: datetime) -> None:
    conn.execute("UPDATE supply_orders SET status=?, updated_at=? WHERE id=?", (status, to_text(now), supply_id))


def view(conn: sqlite3.Connection, supply_id: str) -> dict | None:
    """A purchase order (a transfer's units in transit are shown by the transfer)."""
    row = get(conn, supply_id)
    if row is None or row["kind"] != "purchase_order":
        return None
    lines = [{"sku": r["sku"], "qty": r["qty"], "received": r["received"],
              "outstanding": outstanding(r["qty"], r["received"]) if row["status"] == "open" else 0,
              "claimed": r["claimed"]} for r in lines_of(conn, supply_id)]
    return {"id": row["id"], "kind": row["kind"], "node_id": row["node_id"], "reference": row["reference"],
            "expected_at": row["expected_at"], "status": row["status"], "lines": lines,
            "created_at": row["created_at"], "updated_at": row["updated_at"]}


def listing(conn: sqlite3.Connection, node_id: str | None, status: str | None, cursor: str | None,
            limit: int) -> tuple[list[dict], str | None]:
    """Newest first (ids are time-ordered); the cursor is the last id of the previous page."""
    where, params = ["kind = 'purchase_order'"], []
    for column, value in (("node_id", node_id), ("status", status)):
        if value:
            where.append(f"{column}=?")
            params.append(value)
    if cursor:
        where.append("id < ?")
        params.append(cursor)
    sql = "SELECT id FROM supply_orders WHERE " + " AND ".join(where) + " ORDER BY id DESC LIMIT ?"
    ids = [r["id"] for r in conn.execute(sql, (*params, limit + 1))]
    return [view(conn, i) for i in ids[:limit]], (ids[limit - 1] if len(ids) > limit else None)


def inbound_lines(conn: sqlite3.Connection, skus: list[str]) -> list[InboundLine]:
    """Every open purchase-order line (and transfer in transit) of these SKUs with units still to come."""
    if not skus:
        return []
    rows = conn.execute(
        "SELECT l.supply_id, s.kind, s.node_id, l.sku, s.expected_at, l.qty, l.received, (SELECT COALESCE(SUM(c.qty), 0) "
        "FROM supply_claims c WHERE c.supply_id = l.supply_id AND c.sku = l.sku) AS claimed "
        "FROM supply_lines l JOIN supply_orders s ON s.id = l.supply_id "
        f"WHERE s.status = 'open' AND l.received < l.qty AND l.sku IN ({', '.join('?' * len(skus))}) "
        "ORDER BY s.expected_at, l.supply_id", skus).fetchall()
    return [InboundLine(r["supply_id"], r["node_id"], r["sku"], from_text(r["expected_at"]),
                        outstanding(r["qty"], r["received"]), r["claimed"], r["kind"]) for r in rows]


def inbound_view(conn: sqlite3.Connection, sku: str) -> dict:
    """The SKU's future availability, per purchase order or transfer in transit: apart from ATP, never added to
    it."""
    lines = inbound_lines(conn, [sku])
    return {"qty": sum(x.outstanding for x in lines), "unclaimed": sum(x.free for x in lines),
            "lines": [{"supply_id": x.supply_id, "kind": x.kind, "node_id": x.node_id, "expected_at": to_text(x.expected_at),
                       "qty": x.outstanding, "claimed": x.claimed} for x in lines]}


def add_claim(conn: sqlite3.Connection, supply_id: str, sku: str, order_id: str, qty: int, now: datetime) -> None:
    conn.execute("INSERT INTO supply_claims (supply_id, sku, order_id, qty, created_at) VALUES (?, ?, ?, ?, ?)",
                 (supply_id, sku, order_id, qty, to_text(now)))


def take_from_claim(conn: sqlite3.Connection, claim_id: int, qty: int) -> None:
    """Units leave a claim (served or released); an empty claim is gone."""
    conn.execute("DELETE FROM supply_claims WHERE id=? AND qty <= ?", (claim_id, qty))
    conn.execute("UPDATE supply_claims SET qty = qty - ? WHERE id=?", (qty, claim_id))


def claims_on(conn: sqlite3.Connection, supply_id: str, sku: str) -> list[Claim]:
    return [Claim(r["id"], r["order_id"], r["qty"]) for r in conn.execute(
        "SELECT id, order_id, qty FROM supply_claims WHERE supply_id=? AND sku=? ORDER BY id", (supply_id, sku))]


def claimed_by(conn: sqlite3.Connection, order_id: str) -> dict[str, list[tuple[str, Claim]]]:
    """An order's open claims per SKU: (supply_id, claim)."""
    claims: dict[str, list[tuple[str, Claim]]] = {}
    for r in conn.execute("SELECT id, supply_id, sku, qty FROM supply_claims WHERE order_id=? ORDER BY id",
                          (order_id,)):
        claims.setdefault(r["sku"], []).append((r["supply_id"], Claim(r["id"], order_id, r["qty"])))
    return claims


def order_claims_view(conn: sqlite3.Connection, order_id: str) -> list[dict]:
    """What an order waits for: its claimed units per purchase order, with where and when they are due."""
    return [{"supply_id": r["supply_id"], "node_id": r["node_id"], "sku": r["sku"], "qty": r["qty"],
             "expected_at": r["expected_at"]} for r in conn.execute(
        "SELECT c.supply_id, s.node_id, c.sku, SUM(c.qty) AS qty, s.expected_at FROM supply_claims c "
        "JOIN supply_orders s ON s.id = c.supply_id WHERE c.order_id=? GROUP BY c.supply_id, c.sku "
        "ORDER BY s.expected_at, c.sku", (order_id,))]


def trim_claims(conn: sqlite3.Connection, order_id: str, needed: dict[str, int]) -> tuple[int, list[dict]]:
    """Release an order's claims beyond the units it still `needed` (sku → units; an order that is over or being
    cancelled needs none). Returns the units it still claims and what was released."""
    released, kept = [], 0
    for sku, claims in claimed_by(conn, order_id).items():
        for claim, qty in excess_claims([c for _, c in claims], needed.get(sku, 0)):
            take_from_claim(conn, claim.claim_id, qty)
            released.append({"sku": sku, "qty": qty, "supply_id": next(s for s, c in claims if c == claim)})
        kept += min(sum(c.qty for _, c in claims), needed.get(sku, 0))
    return kept, released


def unreleased(conn: sqlite3.Connection, skus, now: datetime) -> dict[str, str]:
    """The SKUs among these whose product is not released yet at `now`, with their release time."""
    skus = list(skus)
    if not skus:
        return {}
    return {r["sku"]: r["release_at"] for r in conn.execute(
        f"SELECT sku, release_at FROM products WHERE sku IN ({', '.join('?' * len(skus))}) AND release_at > ?",
        (*skus, to_text(now)))}


def _serving_nodes(conn: sqlite3.Connection, delivery: dict) -> dict[str, bool]:
    return {row["id"]: node_can_serve(row["type"], json.loads(row["capabilities"]), row["id"], delivery["type"],
                                      delivery.get("store_id"))
            for row in conn.execute("SELECT id, type, capabilities FROM nodes")}


def drop_unusable_claims(conn: sqlite3.Connection, order_id: str, delivery: dict) -> list[dict]:
    """Release an order's claims at nodes that can no longer fill it (a pickup moved to another store)."""
    nodes, dropped = _serving_nodes(conn, delivery), []
    for r in conn.execute("SELECT c.id, c.supply_id, c.sku, c.qty, s.node_id FROM supply_claims c JOIN supply_orders "
                          "s ON s.id = c.supply_id WHERE c.order_id=? ORDER BY c.id", (order_id,)).fetchall():
        if not nodes.get(r["node_id"]):
            take_from_claim(conn, r["id"], r["qty"])
            dropped.append({"sku": r["sku"], "qty": r["qty"], "supply_id": r["supply_id"]})
    return dropped


def claim_inbound(conn: sqlite3.Connection, order_id: str, delivery: dict, missing: dict[str, int],
                  now: datetime) -> list[dict]:
    """Claim inbound units for what an order is `missing` beyond what it already claims, at nodes that could
    fill it once the units arrive; returns the claims made."""
    have = {sku: sum(c.qty for _, c in claims) for sku, claims in claimed_by(conn, order_id).items()}
    wanted = {sku: qty - have.get(sku, 0) for sku, qty in missing.items() if qty > have.get(sku, 0)}
    nodes = _serving_nodes(conn, delivery)
    usable = [line for line in inbound_lines(conn, list(wanted)) if nodes.get(line.node_id)]
    made = []
    for line, qty in plan_claims(wanted, usable):
        add_claim(conn, line.supply_id, line.sku, order_id, qty, now)
        made.append({"supply_id": line.supply_id, "node_id": line.node_id, "sku": line.sku, "qty": qty,
                     "expected_at": to_text(line.expected_at)})
    return made
