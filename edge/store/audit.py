"""What the store holds, a page at a time, for the audit to compare with central: every event it numbered
(the current epoch's outbox and the superseded epochs it kept), its receipts, levels and fulfilments."""

import json
import sqlite3

from edge.domain.fulfilment import HOLDING
from edge.store.epochs import read_epoch


def events(conn: sqlite3.Connection, after: tuple[str, int] | None, limit: int) -> list[dict]:
    """Events by (epoch, seq): those still in the outbox (pruned ones central has applied) and superseded ones."""
    epoch, seq = after or ("", 0)
    rows = conn.execute(
        "SELECT epoch, seq, id, type, published FROM ("
        " SELECT ? AS epoch, seq, id, type, published_at IS NOT NULL AS published FROM outbox"
        " UNION ALL SELECT epoch, seq, id, type, published_at IS NOT NULL FROM superseded_events"
        ") WHERE (epoch, seq) > (?, ?) ORDER BY epoch, seq LIMIT ?",
        (read_epoch(conn), epoch, seq, limit)).fetchall()
    return [{**dict(r), "published": bool(r["published"])} for r in rows]


def last_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT last_seq FROM sync_state WHERE id = 1").fetchone()[0]


def receipts(conn: sqlite3.Connection, after: str, limit: int) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT receipt_number, event_id FROM sales WHERE receipt_number > ? "
                                          "ORDER BY receipt_number LIMIT ?", (after, limit))]


def levels(conn: sqlite3.Connection, after: str, limit: int) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT sku, on_hand, reserved, damaged FROM stock WHERE sku > ? "
                                          "ORDER BY sku LIMIT ?", (after, limit))]


def transfers(conn: sqlite3.Connection, after: str, limit: int) -> list[dict]:
    """Transfers by id with what each holds in `reserved` now."""
    rows = conn.execute("SELECT t.transfer_id, t.status, l.sku, l.held FROM (SELECT transfer_id, status FROM transfers "
                        "WHERE transfer_id > ? ORDER BY transfer_id LIMIT ?) t LEFT JOIN transfer_lines l "
                        "ON l.transfer_id = t.transfer_id AND l.held > 0 ORDER BY t.transfer_id", (after, limit))
    found: dict[str, dict] = {}
    for r in rows:
        item = found.setdefault(r["transfer_id"], {"transfer_id": r["transfer_id"], "status": r["status"],
                                                   "holding": {}})
        if r["sku"] is not None:
            item["holding"][r["sku"]] = r["held"]
    return list(found.values())


def fulfilments(conn: sqlite3.Connection, after: str, limit: int) -> list[dict]:
    """Fulfilments by allocation id; `holding` is what each holds in `reserved` now (nothing once it is closed)."""
    rows = conn.execute("SELECT allocation_id, order_id, status, lines, held FROM fulfilments "
                        "WHERE allocation_id > ? ORDER BY allocation_id LIMIT ?", (after, limit)).fetchall()
    return [{"allocation_id": r["allocation_id"], "order_id": r["order_id"], "status": r["status"],
             "lines": json.loads(r["lines"]),
             "holding": {sku: n for sku, n in json.loads(r["held"]).items() if n} if r["status"] in HOLDING else {}}
            for r in rows]
