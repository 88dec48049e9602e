"""Walk-in receipts of every store, from their `sale.recorded` events, and what came back of them at any store
(`return.recorded` with `original.receipt_number`), so that a receipt can be returned at another store.

Applied by ingest inside its batch transaction. When a store takes back units of another store's receipt, the
selling store is told (`receipt.returned`), so the same units cannot come back there too; the order in which the
two stores' events arrive does not matter.
"""

import json
import sqlite3
from datetime import datetime

from pydantic_core import to_json

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
    rows = SaleRows()
    rows.add(store_id, envelope, payload, now)
    rows.write(conn)


class SaleRows:
    """Sales recorded together: their receipts, their days' sums, what returns elsewhere tell their sellers and the
    stores' highest receipt numbers, written with a few statements for the lot instead of several per sale.

    Written in the order added, the outcome is the one of `record_sale` called sale by sale: a receipt number seen
    before (in the table or earlier in the lot) is not recorded again and counts nowhere; returns that arrived
    before a sale are told to its seller, in the order of the sales and of the returns."""

    def __init__(self):
        self._sales: list[tuple[str, EventEnvelope, SaleRecorded, datetime]] = []

    def __bool__(self) -> bool:
        return bool(self._sales)

    def add(self, store_id: str, envelope: EventEnvelope, payload: SaleRecorded, now: datetime) -> None:
        self._sales.append((store_id, envelope, payload, now))

    def drop(self) -> None:
        self._sales = []

    def write(self, conn: sqlite3.Connection) -> None:
        sales, self._sales = self._sales, []
        if not sales:
            return
        numbers = list(dict.fromkeys(payload.receipt_number for _, _, payload, _ in sales))
        sellers = _sellers(conn, numbers)
        receipts, days, highs = [], [], {}
        for store_id, envelope, payload, _ in sales:
            number = payload.receipt_number
            high = _number_digits(number)
            if high is not None:
                highs[store_id] = max(high, highs.get(store_id, high))
            if number in sellers:
                continue  # recorded already: a repeat of the number counts nowhere
            sellers[number] = store_id
            paid = paid_per_tender(payload.tenders, payload.change_due)
            body = {"total": payload.total,
                    "lines": [{"sku": line.sku, "qty": line.qty, "unit_price": line.unit_price}
                              for line in payload.lines],
                    "tenders": [{"type": t.type, "paid": amount}
                                for t, amount in zip(payload.tenders, paid, strict=True)]}
            occurred_at = to_text(envelope.occurred_at)
            receipts.append((number, store_id, payload.currency, occurred_at, envelope.id, to_json(body).decode()))
            days.append((store_id, occurred_at[:10], payload.currency, body))
        conn.executemany("INSERT OR IGNORE INTO store_receipts (receipt_number, store_id, currency, occurred_at, "
                         "event_id, body) VALUES (?, ?, ?, ?, ?, ?)", receipts)
        receipt_days.add_many(conn, days)
        # Returns elsewhere that arrived before these sales, in the order of the sales.
        waiting = _untold_returns(conn, numbers)
        now_of = {payload.receipt_number: now for _, _, payload, now in reversed(sales)}
        for number in numbers:
            if number in waiting:
                _tell(conn, number, sellers[number], waiting[number], now_of[number])
        conn.executemany("INSERT INTO store_numbers (store_id, kind, high) VALUES (?, 'receipt', ?) "
                         "ON CONFLICT (store_id, kind) DO UPDATE SET high = max(high, excluded.high)",
                         list(highs.items()))


def _sellers(conn: sqlite3.Connection, numbers: list[str]) -> dict[str, str]:
    """Which store sold each of these receipts, for those central has."""
    found = {}
    for chunk in _chunks(numbers):
        found.update(conn.execute(f"SELECT receipt_number, store_id FROM store_receipts WHERE receipt_number IN "
                                  f"({','.join('?' * len(chunk))})", chunk).fetchall())
    return found


def _untold_returns(conn: sqlite3.Connection, numbers: list[str]) -> dict[str, list[sqlite3.Row]]:
    """Returns of these receipts not told to their seller yet, per receipt in the order they came."""
    found: dict[str, list[sqlite3.Row]] = {}
    for chunk in _chunks(numbers):
        for row in conn.execute(f"SELECT * FROM receipt_returns WHERE receipt_number IN "
                                f"({','.join('?' * len(chunk))}) AND told_seller = 0 ORDER BY rowid", chunk):
            found.setdefault(row["receipt_number"], []).append(row)
    return found


def _chunks(items: list[str], size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


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


def _tell_seller(conn: sqlite3.Connection, number: str, now: datetime) -> None:
    sale = conn.execute("SELECT store_id FROM store_receipts WHERE receipt_number=?", (number,)).fetchone()
    if sale is None:
        return
    seller = sale["store_id"]
    _tell(conn, number, seller, conn.execute("SELECT * FROM receipt_returns WHERE receipt_number=? AND "
                                             "told_seller = 0 ORDER BY rowid", (number,)).fetchall(), now)


def _tell(conn: sqlite3.Connection, number: str, seller: str, returns: list[sqlite3.Row], now: datetime) -> None:
    """Queue `receipt.returned` to the selling store for each of these returns made at another store."""
    for row in returns:
        if row["store_id"] == seller:
            continue
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
    digits = _number_digits(number)
    if digits is None:
        return
    conn.execute("INSERT INTO store_numbers (store_id, kind, high) VALUES (?, ?, ?) ON CONFLICT (store_id, kind) "
                 "DO UPDATE SET high = max(high, excluded.high)", (store_id, kind, digits))


def _number_digits(number: str) -> int | None:
    digits = number.rsplit("-", 1)[-1].lstrip("RC")
    return int(digits) if digits.isdigit() else None


def store_numbers(conn: sqlite3.Connection, store_id: str) -> dict[str, int]:
    return {row["kind"]: row["high"] for row in conn.execute(
        "SELECT kind, high FROM store_numbers WHERE store_id=?", (store_id,))}
