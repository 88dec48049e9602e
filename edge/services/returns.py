"""Returns at the counter as units of work: the receipt's lines and tenders, the stock, the ledger, the
refunds, the `return.recorded` event and the idempotency record in one transaction."""

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from edge.domain import returns as rules
from edge.domain.credit_notes import STORE_CREDIT, expiry, note_number
from edge.domain.stock import Levels, Movement
from edge.printing.service import Printing
from edge.services.access import Associate, ManagerApproval, Sessions
from edge.services.fulfilment import read_policy
from edge.services.stock import Outcome, known_product, once, replayed
from edge.store.ledger import read_levels, record_movement, stock_level
from edge.store.outbox import append_event
from shared.contract.errors import InvalidInput, ManagerRequired, NotFound
from shared.contract.events import ReceiptReturned, Refund, ReturnLine, ReturnRecorded
from shared.contract.models import Disposition, Role
from shared.runtime.clock import from_text, to_text
from shared.runtime.sqlite import Database, next_number

SCOPE = "return"


@dataclass(frozen=True)
class ReturnLineIn:
    code: str
    qty: int
    reason: str
    disposition: Disposition


@dataclass(frozen=True)
class OrderedLine:
    """A line of an online order: units sold, units already returned as far as the source knows, the price paid."""

    sku: str
    sold: int
    returned: int
    unit_price: int | None = None  # None: the source does not say, the catalog price stands in


@dataclass(frozen=True)
class KeptElsewhere:
    """What a return needs of an original this store does not hold: an online order (from central, or offline from
    its signed receipt token) or another store's walk-in receipt (from central)."""

    lines: tuple[OrderedLine, ...]
    currency: str | None = None
    paid: tuple[tuple[str, int, int], ...] = ()  # (tender, amount, refunded); empty: an order refunded "online"
    from_token: bool = False  # a token knows no returns: every return of the order made here counts against it


@dataclass(frozen=True)
class ReturnIn:
    receipt_number: str | None
    lines: list[ReturnLineIn]
    refund_to: str  # "original" tenders (an online order: what paid it), or "store_credit"
    manager: ManagerApproval | None
    request: dict
    order_id: str | None = None
    elsewhere: KeptElsewhere | None = None  # an online order, or a receipt of another store
    confirmed_refund: int | None = None  # the amount the associate saw and confirmed


class ReturnsService:
    def __init__(self, db: Database, sessions: Sessions, *, store_id: str, currency: str,
                 on_commit: Callable[[], None] = lambda: None, printing: Printing | None = None):
        self._db, self._sessions = db, sessions
        self._store_id, self._currency, self._on_commit = store_id, currency, on_commit
        self._printing = printing

    def replay(self, key: str | None, request: dict) -> Outcome | None:
        """The answer already given to this Idempotency-Key, if any (before asking central anything)."""
        with self._db.write() as conn:
            return replayed(conn, SCOPE, key, request)

    def record(self, ret: ReturnIn, associate: Associate, key: str | None, now: datetime) -> Outcome:
        if (replayed := self.replay(key, ret.request)) is not None:
            return replayed
        approver = None
        if ret.receipt_number is None and ret.order_id is None:
            approver = self._sessions.approve(ret.manager, associate, now, "A return without a receipt")
        elif ret.manager is not None or associate.role is Role.MANAGER:
            approver = self._sessions.approve(ret.manager, associate, now, "This return")
        with self._db.write() as conn:
            outcome = once(conn, SCOPE, key, ret.request, lambda: self._record(conn, ret, associate, approver, now))
        if not outcome.replayed:
            self._on_commit()
        return outcome

    def _record(self, conn: sqlite3.Connection, ret: ReturnIn, associate: Associate, approver: Associate | None,
                now: datetime) -> dict:
        if ret.receipt_number is not None and ret.elsewhere is not None:
            sold, tenders = self._elsewhere(conn, "receipt_number", ret.receipt_number, ret.elsewhere)
        elif ret.receipt_number is not None:
            sold, tenders = self._receipt(conn, ret.receipt_number)
        elif ret.order_id is not None:
            sold, tenders = self._elsewhere(conn, "order_id", ret.order_id, ret.elsewhere)
        else:
            if approver is None:
                raise ManagerRequired("A return without a receipt needs a manager's approval.")
            sold, tenders = [], []
        lines, parts_by_line, names = [], [], {}
        for line in ret.lines:
            product = known_product(conn, line.code)
            sku = product["sku"]
            names[sku] = product["name"]
            if ret.receipt_number is not None or ret.order_id is not None:
                parts = rules.take_back(sold, {sku: line.qty})
                taken = {p.line_no: p.qty for p in parts}
                sold = [replace(s, returned=s.returned + taken.get(s.line_no, 0)) for s in sold]
            else:
                parts = [rules.ReturnedPart(0, sku, line.qty, line.qty * product["price"])]
            parts_by_line.append(parts)
            lines.append(ReturnLine(sku=sku, qty=line.qty, reason=line.reason, disposition=str(line.disposition),
                                    refund=sum(p.refund for p in parts)))
        amount = sum(line.refund for line in lines)
        currency = (ret.elsewhere.currency if ret.elsewhere is not None else None) or self._currency
        rules.check_confirmed(amount, ret.confirmed_refund, currency)
        refunds = rules.refund(amount, ret.refund_to, tenders, online_order=ret.order_id is not None)
        own = ret.receipt_number if ret.receipt_number is not None and ret.elsewhere is None else None
        notes = self._issue_credit(conn, refunds, now, own)

        moves: dict[str, tuple[Movement, Levels]] = {}
        for line in lines:
            levels = moves[line.sku][1] if line.sku in moves else read_levels(conn, line.sku)
            movement, after = rules.return_stock(levels, line.qty, Disposition(line.disposition))
            before = moves.get(line.sku, (Movement(), levels))[0]
            moves[line.sku] = (before.then(movement), after)
        number = f"{self._store_id}-R{next_number(conn, 'return'):06d}"
        original = ({"receipt_number": ret.receipt_number} if ret.receipt_number
                    else {"order_id": ret.order_id} if ret.order_id else {})
        payload = ReturnRecorded(return_number=number, original=original, currency=currency, lines=lines,
                                 refunds=[Refund(tender=r.tender, amount=r.amount, **notes.get(i, {}))
                                          for i, r in enumerate(refunds) if r.amount],
                                 stock=[stock_level(sku, lv) for sku, (_, lv) in moves.items()])
        row = append_event(conn, "return.recorded", payload, actor=associate.id, at=now)
        for sku, (movement, after) in moves.items():
            record_movement(conn, sku, movement, after, reason="return", reference=number, actor=associate.id,
                            row=row)
        for parts in parts_by_line if ret.receipt_number is not None and ret.elsewhere is None else []:
            conn.executemany("UPDATE sale_lines SET returned_qty = returned_qty + ? WHERE receipt_number = ? "
                             "AND line_no = ?", [(p.qty, ret.receipt_number, p.line_no) for p in parts if p.line_no])
        if ret.receipt_number is not None and ret.elsewhere is None:
            conn.executemany("UPDATE sale_tenders SET refunded = refunded + ? WHERE receipt_number = ? AND n = ?",
                             [(r.amount, ret.receipt_number, r.n) for r in refunds if r.n is not None])
        at = to_text(now)
        body = {"return_number": number, "original": original, "currency": currency,
                "lines": [line.model_dump(mode="json") for line in lines],
                "refunds": [{"tender": r.tender, "amount": r.amount, **_as_text(notes.get(i, {}))}
                            for i, r in enumerate(refunds) if r.amount],
                "refund_total": amount,
                "approved_by": approver.id if approver else None, "cashier": associate.id, "occurred_at": at,
                "seq": row.seq, "event_id": row.id}
        conn.execute("INSERT INTO returns (return_number, receipt_number, body, actor, approved_by, event_id, at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", (number, ret.receipt_number, json.dumps(body), associate.id,
                                                      body["approved_by"], row.id, at))
        if self._printing is not None:
            self._printing.returned(conn, body, now, names)
            self._printing.credit_notes(conn, body, now)
        return body

    def _issue_credit(self, conn: sqlite3.Connection, refunds: list[rules.RefundPart], now: datetime,
                      receipt_number: str | None) -> dict:
        """A credit note for each refund to store credit (the customer's choice, or a sale's store-credit tender
        given back): numbered here, offline too; head office learns it from the return's event. It expires as the
        policy says; money going back to a store-credit tender of this store's receipt keeps the paying note's
        expiry instead, so buying and returning never makes store credit last longer."""
        notes = {}
        for i, part in enumerate(refunds):
            if part.tender != STORE_CREDIT or not part.amount:
                continue
            expires_at = expiry(now, read_policy(conn).credit_note_valid_days)
            if part.n is not None and receipt_number is not None:
                expires_at = paying_note_expiry(conn, receipt_number, part.n, expires_at)
            notes[i] = {"reference": note_number(self._store_id, next_number(conn, "credit")),
                        "expires_at": expires_at}
        return notes

    @staticmethod
    def _elsewhere(conn: sqlite3.Connection, key: str, number: str,
                   original: KeptElsewhere | None) -> tuple[list[rules.SoldLine], list[rules.PaidTender]]:
        """The lines less what came back, by `key` (order_id or receipt_number). Central's counts miss only this
        store's returns it has not applied yet (after the watermark); a token knows no returns at all, so every
        return of the order made here counts. Either way a quick second return cannot take back the same units
        twice."""
        if original is None:
            raise InvalidInput(f"The lines of {number} are not known; try again.")
        applied = conn.execute("SELECT applied_seq FROM sync_state WHERE id = 1").fetchone()[0]
        returned_here: dict[str, int] = {}
        refunded_here: dict[str, int] = {}
        # Not yet applied by central = its event is still in this epoch's outbox above the watermark.
        for row in conn.execute("SELECT r.body, o.seq FROM returns r LEFT JOIN outbox o ON o.id = r.event_id "
                                "WHERE json_extract(r.body, ?) = ?", (f"$.original.{key}", number)):
            if not (original.from_token or (row["seq"] is not None and row["seq"] > applied)):
                continue
            body = json.loads(row["body"])
            for refund in body["refunds"]:
                refunded_here[refund["tender"]] = refunded_here.get(refund["tender"], 0) + refund["amount"]
            for line in body["lines"]:
                returned_here[line["sku"]] = returned_here.get(line["sku"], 0) + line["qty"]
        skus = [line.sku for line in original.lines]
        prices = {r["sku"]: r["price"] for r in conn.execute(
            f"SELECT sku, price FROM products WHERE sku IN ({', '.join('?' * len(skus))})", skus)}
        sold = []
        for n, line in enumerate(original.lines, 1):
            # A SKU may be on two lines: what came back here fills the earliest line first.
            here = min(returned_here.get(line.sku, 0), max(0, line.sold - line.returned))
            returned_here[line.sku] = returned_here.get(line.sku, 0) - here
            price = line.unit_price if line.unit_price is not None else prices.get(line.sku, 0)
            sold.append(rules.SoldLine(n, line.sku, line.sold, line.returned + here, price))
        for sku in skus:  # more came back here than the lines hold: nothing is left of them
            if returned_here.get(sku, 0) > 0:
                sold = [replace(s, returned=s.qty) if s.sku == sku else s for s in sold]
        tenders = []
        for n, (tender, amount, refunded) in enumerate(original.paid, 1):
            back = min(amount - refunded, refunded_here.get(tender, 0))
            refunded_here[tender] = refunded_here.get(tender, 0) - back
            tenders.append(rules.PaidTender(n, tender, amount, refunded + back))
        return sold, tenders

    @staticmethod
    def _receipt(conn: sqlite3.Connection, number: str) -> tuple[list[rules.SoldLine], list[rules.PaidTender]]:
        lines = conn.execute("SELECT line_no, sku, qty, returned_qty, unit_price FROM sale_lines "
                             "WHERE receipt_number = ? ORDER BY line_no", (number,)).fetchall()
        if not lines:
            raise NotFound(f"No sale with receipt number {number!r} was recorded at this store; check the number "
                           "on the receipt.")
        tenders = conn.execute("SELECT n, type, amount, refunded FROM sale_tenders WHERE receipt_number = ? "
                               "ORDER BY n", (number,)).fetchall()
        return ([rules.SoldLine(r["line_no"], r["sku"], r["qty"], r["returned_qty"], r["unit_price"]) for r in lines],
                [rules.PaidTender(r["n"], r["type"], r["amount"], r["refunded"]) for r in tenders])


def paying_note_expiry(conn: sqlite3.Connection, receipt_number: str, n: int,
                       otherwise: datetime | None) -> datetime | None:
    """The expiry of the note that paid tender `n` of the receipt, as head office answered it at the sale (None:
    never); `otherwise` when that tender is not a note's."""
    row = conn.execute("SELECT body FROM sales WHERE receipt_number = ?", (receipt_number,)).fetchone()
    tenders = json.loads(row["body"])["tenders"] if row else []
    if not 0 < n <= len(tenders) or tenders[n - 1].get("type") != STORE_CREDIT:
        return otherwise
    expires = tenders[n - 1].get("expires_at")
    return from_text(expires) if expires else None


def _as_text(note: dict) -> dict:
    """A note's number and expiry as the return's body keeps them (no expiry: the key is left out)."""
    out = {"reference": note["reference"]} if note else {}
    if note.get("expires_at"):
        out["expires_at"] = to_text(note["expires_at"])
    return out


def count_returned_elsewhere(conn: sqlite3.Connection, returned: ReceiptReturned) -> str:
    """Units of one of this store's receipts taken back at another store (central's `receipt.returned`): counted as
    returned here, earliest line first, and the refunds against the receipt's tenders of the same type, so the same
    units or money cannot go back twice. Beyond what is left (both stores were offline), the last line takes it."""
    lines = conn.execute("SELECT line_no, sku, qty, returned_qty FROM sale_lines WHERE receipt_number = ? "
                         "ORDER BY line_no", (returned.receipt_number,)).fetchall()
    if not lines:
        return f"receipt {returned.receipt_number} is not one of this store's"
    for unit in returned.lines:
        _spread(conn, "sale_lines", "returned_qty", "qty", "line_no",
                [r for r in lines if r["sku"] == unit.sku], unit.qty, returned.receipt_number)
    tenders = conn.execute("SELECT n, type, amount, refunded FROM sale_tenders WHERE receipt_number = ? ORDER BY n",
                           (returned.receipt_number,)).fetchall()
    for refund in returned.refunds:
        _spread(conn, "sale_tenders", "refunded", "amount", "n", [t for t in tenders if t["type"] == refund.tender],
                refund.amount, returned.receipt_number)
    return f"{returned.return_number} at {returned.returned_at_store} counted against {returned.receipt_number}"


def _spread(conn: sqlite3.Connection, table: str, used: str, limit: str, key: str, rows: list[sqlite3.Row],
            amount: int, receipt_number: str) -> None:
    for i, row in enumerate(rows):
        take = amount if i == len(rows) - 1 else min(amount, max(0, row[limit] - row[used]))
        if take:
            conn.execute(f"UPDATE {table} SET {used} = {used} + ? WHERE receipt_number = ? AND {key} = ?",
                         (take, receipt_number, row[key]))
        amount -= take
