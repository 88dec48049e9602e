"""Walk-in sales as units of work: the rules of edge.domain.sales, the levels, the ledger, the receipt,
the `sale.recorded` event and the idempotency record in one transaction. A sale never waits on the network."""

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from edge.domain.credit_notes import credit_asked, sale_id
from edge.domain.errors import CurrencyMismatch, TenderMismatch
from edge.domain.sales import (
    PricedLine,
    SaleRuleBroken,
    TenderIn,
    TendersDoNotCover,
    approvals_needed,
    check_lines,
    sell,
    settle,
    taxes,
)
from edge.printing.jobs import Prerendered
from edge.printing.service import Printing
from edge.services.access import Associate, ManagerApproval, Sessions
from edge.services.stock import Outcome, known_product, once_written, replayed
from edge.store.ledger import read_levels_of, record_movements, stock_level
from edge.store.outbox import append_event
from edge.store.products import products_by_sku
from shared.contract.errors import (
    CentralUnreachable,
    InvalidInput,
    ManagerRequired,
    NotFound,
)
from shared.contract.events import SaleLine, SaleRecorded, Tender
from shared.contract.models import Role
from shared.contract.tenders import paid_per_tender
from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7
from shared.runtime.sqlite import Database, next_number, peek_number

SCOPE = "sale"


@dataclass(frozen=True)
class SaleLineIn:
    code: str  # SKU or barcode
    qty: int
    price_override: int | None = None
    override_reason: str | None = None


@dataclass(frozen=True)
class SaleIn:
    lines: list[SaleLineIn]
    tenders: list[TenderIn]
    manager: ManagerApproval | None
    request: dict  # the body as sent, for the Idempotency-Key check
    sale_id: str | None = None  # set when store credit pays: what head office's holds are keyed by
    credit_expiry: dict[str, str | None] | None = None  # each note's expiry as head office holds it


class CreditLedger(Protocol):
    """Head office's credit notes, asked while the customer waits."""

    def hold(self, sale_id: str, currency: str, asked: dict[str, int]) -> dict[str, str | None]:
        """Hold each amount of each note for this sale, all or none, and answer each note's expiry (RFC 3339, or
        None: never); a refusal (`CreditNoteRefused`, `CentralUnreachable`) says why. Asking again for the same
        sale holds nothing more."""

    def release(self, sale_id: str) -> None:
        """The sale will not happen: its holds stop counting (never raises; a hold lapses anyway)."""


def with_expiry(tender: dict, expiries: dict[str, str | None] | None) -> dict:
    """A store-credit tender as the receipt keeps it: with its note's expiry, so money given back to it later goes
    to a note that expires when this one does."""
    if tender["type"] == "store_credit" and expiries and expiries.get(tender.get("reference")):
        return {**tender, "expires_at": expiries[tender["reference"]]}
    return tender


def body_line(line: SaleLine, name: str) -> dict:
    """A line as the receipt's body keeps it: the event's line (`override` only when there is one) and its name;
    what `line.model_dump(mode="json", exclude_none=True)` gives, without pydantic's serialiser for five ints."""
    kept = {"sku": line.sku, "qty": line.qty, "unit_price": line.unit_price, "tax_rate_bp": line.tax_rate_bp,
            "line_total": line.line_total}
    if line.override is not None:
        kept["override"] = line.override
    kept["name"] = name
    return kept


def body_tender(tender: Tender) -> dict:
    """A tender as the receipt's body keeps it (`reference` only when there is one)."""
    if tender.reference is None:
        return {"type": tender.type, "amount": tender.amount}
    return {"type": tender.type, "amount": tender.amount, "reference": tender.reference}


_JSON = json.JSONEncoder()  # made once: `json.dumps` builds an encoder per call; the same text


@dataclass(frozen=True)
class Prepared:
    """What a sale's transaction would make from the catalog as it was just before it (`SalesService._prepare`)."""

    priced: list[PricedLine]
    names: dict[str, str]
    lines: list[SaleLine]
    tenders: list[Tender]
    body: dict  # with a receipt number that may not be the one given
    receipt: Prerendered | None


def receipt_number(store_id: str, n: int) -> str:
    return f"{store_id}-{n:06d}"


class SalesService:
    def __init__(self, db: Database, sessions: Sessions, *, store_id: str, currency: str,
                 online: Callable[[], bool], on_commit: Callable[[], None] = lambda: None,
                 printing: Printing | None = None, credit: CreditLedger | None = None):
        self._db, self._sessions = db, sessions
        self._store_id, self._currency = store_id, currency
        self._online, self._on_commit, self._printing = online, on_commit, printing
        self._credit = credit

    def record(self, sale: SaleIn, associate: Associate, key: str | None, now: datetime) -> Outcome:
        with self._db.read_only() as conn:  # a look only: the sale's own transaction checks both again
            earlier = replayed(conn, SCOPE, key, sale.request)
            if earlier is not None:
                return earlier
            catalog = self._look(conn, sale)  # on the same connection: one read after the last commit, not two
        asked = credit_asked(sale.tenders)
        approving = sale.manager is not None or associate.role is Role.MANAGER
        if asked and (self._credit is None or not self._online()):
            # Only head office knows what is left on a note: another store may have spent it since it was issued.
            raise CentralUnreachable("Store credit can only be taken while head office is reachable, and it is not "
                                     "right now; take another tender.")
        self._check_reasons(sale.lines)
        approver = self._sessions.approve(sale.manager, associate, now, "This sale") if approving else None
        if asked:
            sale = replace(sale, sale_id=sale_id(self._store_id, key, uuid7()))
            sale = replace(sale, credit_expiry=self._credit.hold(sale.sale_id, self._currency, asked))
        try:
            prepared = self._prepare(sale, associate, approver, now, catalog)
            with self._db.write() as conn:
                outcome = once_written(conn, SCOPE, key, sale.request,
                                       lambda: self._record(conn, sale, associate, approver, now, prepared))
        except BaseException:
            if asked:  # the sale is not recorded: what it held goes back at once
                self._credit.release(sale.sale_id)
            raise
        if not outcome.replayed:
            self._on_commit()
        return outcome

    def check(self, lines: list[SaleLineIn], manager: ManagerApproval | None, associate: Associate,
              now: datetime) -> dict:
        """Before the money: whether the lines need a manager, and whether the one given approves them. Nothing is
        recorded; the sale itself checks again. `ManagerRequired` says why in the associate's words."""
        self._check_reasons(lines)
        with self._db.read() as conn:
            priced, names = self._price(conn, lines)
            reserved = {sku: s.from_reserved for sku, s in self._selling(conn, priced).items()}
        total = self._total(priced)
        reasons = approvals_needed(priced, reserved, names)
        approver = None
        if reasons:
            if manager is None and associate.role is not Role.MANAGER:
                raise ManagerRequired(" ".join(reasons))
            approver = self._sessions.approve(manager, associate, now, "This sale")
        return {"total": total, "currency": self._currency, "needs_manager": reasons,
                "approved_by": approver.id if approver else None}

    @staticmethod
    def _check_reasons(lines: list[SaleLineIn]) -> None:
        for line in lines:
            if line.price_override is not None and not line.override_reason:
                raise InvalidInput(f"The price override of {line.code} needs a reason (override_reason).")

    def _price(self, conn: sqlite3.Connection, lines: list[SaleLineIn]) -> tuple[list[PricedLine], dict[str, str]]:
        priced, names = [], {}
        by_sku = products_by_sku(conn, list({line.code: None for line in lines}))  # one read for the basket
        for line in lines:
            product = by_sku.get(line.code) or known_product(conn, line.code)  # by barcode, or unknown
            if product["currency"] != self._currency:
                raise CurrencyMismatch(f"{product['sku']} is priced in {product['currency']}, but this store sells "
                                       f"in {self._currency}; the catalog needs fixing at head office.")
            unit = line.price_override if line.price_override is not None else product["price"]
            priced.append(PricedLine(product["sku"], line.qty, unit, product["tax_rate_bp"], product["price"]))
            names[product["sku"]] = product["name"]
        return priced, names

    @staticmethod
    def _selling(conn: sqlite3.Connection, priced: list[PricedLine]) -> dict:
        wanted: dict[str, int] = {}
        for line in priced:
            wanted[line.sku] = wanted.get(line.sku, 0) + line.qty
        levels = read_levels_of(conn, list(wanted))
        return {sku: sell(levels[sku], qty) for sku, qty in wanted.items()}

    @staticmethod
    def _total(priced: list[PricedLine]) -> int:
        try:
            return check_lines(priced)
        except SaleRuleBroken as e:
            raise InvalidInput(str(e)) from e

    def is_other_stores(self, number: str) -> bool:
        """Whether a receipt number is another store's (only central knows it), not this store's own."""
        return not number.startswith(f"{self._store_id}-")

    def receipt(self, number: str) -> dict:
        """The receipt as recorded, with what came back of each line and tender so far (here or elsewhere)."""
        with self._db.read() as conn:
            row = conn.execute("SELECT body FROM sales WHERE receipt_number = ?", (number,)).fetchone()
            if row is None:
                raise NotFound(f"No sale with receipt number {number!r} was recorded at this store; check the "
                               "number on the receipt.")
            returned = [r[0] for r in conn.execute("SELECT returned_qty FROM sale_lines WHERE receipt_number = ? "
                                                   "ORDER BY line_no", (number,))]
            refunded = [r[0] for r in conn.execute("SELECT refunded FROM sale_tenders WHERE receipt_number = ? "
                                                   "ORDER BY n", (number,))]
        body = json.loads(row["body"])
        body["lines"] = [{**line, "returned": back} for line, back in zip(body["lines"], returned, strict=True)]
        body["tenders"] = [{**tender, "refunded": back} for tender, back in zip(body["tenders"], refunded, strict=True)]
        return body

    def _look(self, conn: sqlite3.Connection, sale: SaleIn) -> tuple[list[PricedLine], dict[str, str], str] | None:
        """The lines priced from the catalog as it is now, and the receipt number the sale would take; None when the
        sale breaks a rule (its transaction finds the same and says so) or nothing is printed."""
        if self._printing is None:
            return None
        try:
            priced, names = self._price(conn, sale.lines)
        except Exception:  # noqa: BLE001 — the transaction reports it
            return None
        return priced, names, receipt_number(self._store_id, peek_number(conn, "receipt"))

    def _prepare(self, sale: SaleIn, associate: Associate, approver: Associate | None, now: datetime,
                 catalog: tuple[list[PricedLine], dict[str, str], str] | None) -> Prepared | None:
        """The sale's lines, body and receipt made before its transaction, from the catalog as `_look` read it: the
        transaction prices the lines again and, when nothing changed meanwhile, only adds what it alone knows (the
        receipt number, the event, the levels). Rendering the receipt took about as long as all the rest of the
        transaction's work, and every other counter's sale waited behind it. None when the sale breaks a rule: its
        transaction finds the same and says so."""
        if self._printing is None or catalog is None:
            return None
        priced, names, upcoming = catalog
        try:
            total = self._total(priced)
            change_due = settle(total, sale.tenders)
        except Exception:  # noqa: BLE001 — the transaction reports it
            return None
        lines, tenders = self._lines_and_tenders(priced, sale, approver)
        body = self._body(upcoming, sale, lines, tenders, priced, names, total, change_due, associate, approver,
                          to_text(now))
        return Prepared(priced, names, lines, tenders, body, self._printing.prepare_sale(body, len(upcoming)))

    def _lines_and_tenders(self, priced: list[PricedLine], sale: SaleIn,
                           approver: Associate | None) -> tuple[list[SaleLine], list[Tender]]:
        lines = [self._line(line, approver, sale.lines[i].override_reason) for i, line in enumerate(priced)]
        return lines, [Tender(type=t.type, amount=t.amount, reference=t.reference) for t in sale.tenders]

    def _body(self, number: str, sale: SaleIn, lines: list[SaleLine], tenders: list[Tender],
              priced: list[PricedLine], names: dict[str, str], total: int, change_due: int, associate: Associate,
              approver: Associate | None, at: str, *, discrepancies: Sequence[str] = (), at_risk: Sequence[str] = (),
              seq: int | None = None, event_id: str | None = None) -> dict:
        """The sale as recorded, answered and printed."""
        return {"receipt_number": number, "currency": self._currency,
                "lines": [body_line(line, names[line.sku]) for line in lines],
                "total": total,
                "tax_included": [{"rate_bp": t.rate_bp, "gross": t.gross, "tax": t.tax} for t in taxes(priced)],
                "tenders": [with_expiry(body_tender(t), sale.credit_expiry) for t in tenders],
                "change_due": change_due,
                "discrepancies": list(discrepancies), "at_risk": sorted(set(at_risk)), "cashier": associate.id,
                "approved_by": approver.id if approver else None, "occurred_at": at, "seq": seq,
                "event_id": event_id}

    def _record(self, conn: sqlite3.Connection, sale: SaleIn, associate: Associate, approver: Associate | None,
                now: datetime, prepared: Prepared | None = None) -> tuple[dict, str]:
        """The sale's rows, and its body with the body's JSON (kept as the receipt and as the key's answer)."""
        priced, names = self._price(conn, sale.lines)
        if prepared is not None and (prepared.priced, prepared.names) != (priced, names):
            prepared = None  # the catalog changed since: made again here
        total = self._total(priced)
        try:
            change_due = settle(total, sale.tenders)
        except TendersDoNotCover as e:
            raise TenderMismatch(str(e)) from e
        sold = self._selling(conn, priced)
        reasons = approvals_needed(priced, {sku: s.from_reserved for sku, s in sold.items()}, names)
        if reasons and approver is None:
            raise ManagerRequired(" ".join(reasons))

        number = receipt_number(self._store_id, next_number(conn, "receipt"))
        lines, tenders = ((prepared.lines, prepared.tenders) if prepared is not None
                          else self._lines_and_tenders(priced, sale, approver))
        paid = paid_per_tender(sale.tenders, change_due)
        payload = SaleRecorded(receipt_number=number, currency=self._currency, lines=lines, tenders=tenders,
                               total=total, change_due=change_due,
                               stock=[stock_level(sku, s.levels) for sku, s in sold.items()], sale_id=sale.sale_id)
        row = append_event(conn, "sale.recorded", payload, actor=associate.id, at=now)
        at = row.occurred_at
        at_risk = record_movements(conn, [(sku, s.movement, s.levels) for sku, s in sold.items()], reason="sale",
                                   reference=number, actor=associate.id, row=row)
        discrepancies = [sku for sku, s in sold.items() if s.discrepancy]
        known = {"receipt_number": number, "discrepancies": discrepancies, "at_risk": sorted(set(at_risk)),
                 "seq": row.seq, "event_id": row.id}
        body = ({**prepared.body, **known} if prepared is not None and prepared.body["occurred_at"] == at else
                self._body(number, sale, lines, tenders, priced, names, total, change_due, associate, approver, at,
                           **{k: v for k, v in known.items() if k != "receipt_number"}))
        # Raw statements on the hottest path: sqlite-utils would read the schema and open a savepoint for each write.
        conn.execute("INSERT INTO sales (receipt_number, body, actor, approved_by, event_id, at) VALUES (?, ?, ?, ?, ?, ?)",
                     (number, body_json := _JSON.encode(body), associate.id, body["approved_by"], row.id, at))
        conn.executemany("INSERT INTO sale_lines (receipt_number, line_no, sku, qty, unit_price) VALUES (?, ?, ?, ?, ?)",
                         [(number, i, line.sku, line.qty, line.unit_price) for i, line in enumerate(priced, 1)])
        conn.executemany("INSERT INTO sale_tenders (receipt_number, n, type, amount, reference) VALUES (?, ?, ?, ?, ?)",
                         [(number, i, t.type, amount, t.reference)
                          for i, (t, amount) in enumerate(zip(sale.tenders, paid, strict=True), 1)])
        if self._printing is not None:  # the receipt job commits with the sale; printing it never fails the sale
            self._printing.sale(conn, body, now, prepared=prepared.receipt if prepared is not None else None)
        return body, body_json

    @staticmethod
    def _line(line: PricedLine, approver: Associate | None, reason: str | None) -> SaleLine:
        override = ({"catalog_price": line.catalog_price, "reason": reason, "approved_by": approver.id}
                    if line.overridden and approver else None)
        return SaleLine(sku=line.sku, qty=line.qty, unit_price=line.unit_price, tax_rate_bp=line.tax_rate_bp,
                        line_total=line.line_total, override=override)
