"""Walk-in receipts of every store, from their `sale.recorded` events, and what came back of them at any store
(`return.recorded` with `original.receipt_number`), so that a receipt can be returned at another store.

Applied by ingest inside its batch transaction. When a store takes back units of another store's receipt, the
selling store is told (`receipt.returned`), so the same units cannot come back there too; the order in which the
two stores' events arrive does not matter.
"""

import json
import sqlite3
from datetime import datetime

from central.domain.store_receipts import (
    PaidTender,
    ReturnOfReceipt,
    SoldLine,
    receipt_state,
)
from central.store import commands, receipt_days
from shared.contract.events import EventEnvelope, ReturnRecorded, SaleRecorded
from shared.contract.tenders import paid_per_tender
from shared.runtime.clock import to_text


def record_sale(conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload: SaleRecorded,
                now: datetime) -> None:
    paid = paid_per_tender(payload.tenders, payload.change_due)
    body = {"total": payload.total,
            "lines": [{"sku": line.sku, "qty": line.qty, "unit_price": line.unit_price} for line in payload.lines],
            "tenders": [{"type": t.type, "paid": amount} for t, amount in zip(payload.tenders, paid, strict=True)]}
    occurred_at = to_text(envelope.occurred_at)
    new = conn.execute("INSERT OR IGNORE INTO store_receipts (receipt_number, store_id, currency, occurred_at, "
                       "event_id, body) VALUES (?, ?, ?, ?, ?, ?)",
                       (payload.receipt_number, store_id, payload.currency, occurred_at, envelope.id,
                        json.dumps(body))).rowcount > 0
    if new:
        receipt_days.add(conn, store_id, occurred_at[:10], payload.currency, body)
    # Returns elsewhere that arrived before the sale; the seller is known when the row was just written.
    _tell_seller(conn, payload.receipt_number, now, seller=store_id if new else None)


def record_return(conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload: ReturnRecorded,
                  now: datetime) -> None:
    number = (payload.original or {}).get("receipt_number")
    if not number:
        return  # an online order's return (central.services.returns) or one without a receipt
    body = {"lines": [{"sku": line.sku, "qty": line.qty, "refund": line.refund, "reason": line.reason,
                       "disposition": line.disposition} for line in payload.lines],
            "refunds": [refund.model_dump() for refund in payload.refunds]}
    conn.execute("INSERT OR IGNORE INTO receipt_returns (event_id, receipt_number, store_id, return_number, "
                 "occurred_at, body) VALUES (?, ?, ?, ?, ?, ?)",
                 (envelope.id, number, store_id, payload.return_number, to_text(envelope.occurred_at),
                  json.dumps(body)))
    _tell_seller(conn, number, now)


def _tell_seller(conn: sqlite3.Connection, number: str, now: datetime, seller: str | None = None) -> None:
    if seller is None:
        sale = conn.execute("SELECT store_id FROM store_receipts WHERE receipt_number=?", (number,)).fetchone()
        if sale is None:
            return
        seller = sale["store_id"]
    for row in conn.execute("SELECT * FROM receipt_returns WHERE receipt_number=? AND store_id != ? "
                            "AND told_seller = 0 ORDER BY rowid", (number, seller)).fetchall():
        body = json.loads(row["body"])
        commands.enqueue(conn, seller, "receipt.returned", {
            "receipt_number": number, "return_number": row["return_number"], "returned_at_store": row["store_id"],
            "lines": [{"sku": line["sku"], "qty": line["qty"]} for line in body["lines"]],
            "refunds": body["refunds"]}, now)
        conn.execute("UPDATE receipt_returns SET told_seller = 1 WHERE event_id=?", (row["event_id"],))


def receipt_view(conn: sqlite3.Connection, number: str) -> dict | None:
    """The receipt with, per line, the units returned at any store and, per tender, the money refunded; None when
    central has no such sale (yet)."""
    row = conn.execute("SELECT * FROM store_receipts WHERE receipt_number=?", (number,)).fetchone()
    if row is None:
        return None
    body = json.loads(row["body"])
    returns = conn.execute("SELECT * FROM receipt_returns WHERE receipt_number=? ORDER BY rowid", (number,)).fetchall()
    returned = [{"return_number": r["return_number"], "store_id": r["store_id"], "occurred_at": r["occurred_at"],
                 **json.loads(r["body"])} for r in returns]
    state = receipt_state(
        [SoldLine(line["sku"], line["qty"], line["unit_price"]) for line in body["lines"]],
        [PaidTender(t["type"], t["paid"]) for t in body["tenders"]],
        [ReturnOfReceipt(r["return_number"], tuple((line["sku"], line["qty"]) for line in r["lines"]),
                         tuple((f["tender"], f["amount"]) for f in r["refunds"])) for r in returned])
    return {"receipt_number": number, "store_id": row["store_id"], "currency": row["currency"],
            "occurred_at": row["occurred_at"], "total": body["total"],
            "lines": [{"line_no": n, **line, "returned": back}
                      for n, (line, back) in enumerate(zip(body["lines"], state.returned, strict=True), 1)],
            "tenders": [{"n": n, **tender, "refunded": back}
                        for n, (tender, back) in enumerate(zip(body["tenders"], state.refunded, strict=True), 1)],
            "returns": returned,
            "refund_conflicts": [{"return_number": number_, **c.as_detail()} for number_, c in state.conflicts]}


def note_number(conn: sqlite3.Connection, store_id: str, kind: str, number: str) -> None:
    """Remember the highest receipt, return or credit note number of a store (`S001-000345`, `S001-R000012`,
    `S001-C000003`), for its watermark: a database restored from a backup then carries on above it."""
    digits = number.rsplit("-", 1)[-1].lstrip("RC")
    if not digits.isdigit():
        return
    conn.execute("INSERT INTO store_numbers (store_id, kind, high) VALUES (?, ?, ?) ON CONFLICT (store_id, kind) "
                 "DO UPDATE SET high = max(high, excluded.high)", (store_id, kind, int(digits)))


def store_numbers(conn: sqlite3.Connection, store_id: str) -> dict[str, int]:
    return {row["kind"]: row["high"] for row in conn.execute(
        "SELECT kind, high FROM store_numbers WHERE store_id=?", (store_id,))}
