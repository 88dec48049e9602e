"""Store credit at head office: holds for sales at the counter (each in one transaction, so two stores
spending one note at once cannot both have it), the issue and redemption events of the stores applied to the
ledger, and the notes and the liability as head office reads them."""

import logging
import sqlite3
from datetime import datetime, timedelta

from central.domain import credit_notes as rules
from central.store import credit_notes as ledger
from shared.contract.errors import CreditNoteRefused, NotFound
from shared.contract.events import (
    CreditRequest,
    EventEnvelope,
    ReturnRecorded,
    SaleRecorded,
)
from shared.runtime.clock import to_text, utc_now
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)
STORE_CREDIT = "store_credit"


class CreditNotes:
    """`hold_lapse`: how long a hold waits for its sale's event before it stops counting."""

    def __init__(self, db: Database, hold_lapse: timedelta):
        self._db, self._lapse = db, hold_lapse

    def carry_out(self, store_id: str, request: CreditRequest, now: datetime | None = None) -> dict:
        """A store's request over NATS: hold (all notes of the sale or none) or release."""
        now = now or utc_now()
        if request.action == "release":
            with self._db.write() as conn:
                released = ledger.release(conn, store_id, request.sale_id)
            return {"sale_id": request.sale_id, "released": released}
        return self.hold(store_id, request, now)

    def hold(self, store_id: str, request: CreditRequest, now: datetime) -> dict:
        wanted: dict[str, int] = {}
        for part in request.notes:
            wanted[part.number] = wanted.get(part.number, 0) + part.amount
        if not wanted or request.currency is None:
            raise CreditNoteRefused("A hold names at least one credit note and the sale's currency.",
                                    reason="invalid_amount")
        now_text, lapses = to_text(now), to_text(now + self._lapse)
        with self._db.write() as conn:
            earlier = ledger.holds_of_sale(conn, store_id, request.sale_id)
            if earlier and all(row["status"] == rules.REDEEMED for row in earlier.values()):
                # The sale went through already (its event is in): asking again changes nothing.
                return self._held(conn, request.sale_id, {n: r["amount"] for n, r in earlier.items()}, now_text)
            for number, amount in wanted.items():
                others = ledger.held_by_others(conn, number, store_id, request.sale_id, now_text)
                rules.check_hold(number, ledger.note(conn, number), amount, request.currency, others, now)
            for number, amount in wanted.items():  # every note checked: hold them all (a retry renews its hold)
                ledger.put_hold(conn, store_id, request.sale_id, number, amount, now_text, lapses)
            return self._held(conn, request.sale_id, wanted, now_text)

    @staticmethod
    def _held(conn: sqlite3.Connection, sale_id: str, amounts: dict[str, int], now_text: str) -> dict:
        notes = []
        for number, amount in amounts.items():
            note = ledger.note(conn, number)
            notes.append({"number": number, "held": amount, "currency": note.currency if note else None,
                          "left_after": (note.balance - ledger.live_holds(conn, number, now_text)) if note else 0})
        return {"sale_id": sale_id, "notes": notes}

    # ---- the stores' events, inside ingest's batch transaction ------------------------------------------------

    @staticmethod
    def apply_return(conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload: ReturnRecorded,
                     now: datetime) -> None:
        """A refund to store credit issued a note at the store: the note joins the ledger."""
        for refund in payload.refunds:
            if refund.tender != STORE_CREDIT:
                continue
            if not refund.reference:
                log.warning("%s of %s refunded %d to store credit without a note number", payload.return_number,
                            store_id, refund.amount)
                continue
            occurred = to_text(envelope.occurred_at)
            if ledger.insert_note(conn, number=refund.reference, store_id=store_id,
                                  return_number=payload.return_number, currency=payload.currency or "",
                                  amount=refund.amount, issued_at=occurred,
                                  expires_at=to_text(refund.expires_at) if refund.expires_at else None,
                                  received_at=to_text(now)):
                ledger.add_entry(conn, number=refund.reference, kind="issued", amount=refund.amount,
                                 store_id=store_id, reference=payload.return_number, event_id=envelope.id,
                                 occurred_at=occurred)

    @staticmethod
    def apply_sale(conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload: SaleRecorded,
                   now: datetime) -> None:
        """A sale paid with store credit confirms its hold and takes the amount off the note's balance."""
        spent: dict[str, int] = {}
        for tender in payload.tenders:
            if tender.type == STORE_CREDIT and tender.reference:
                spent[tender.reference] = spent.get(tender.reference, 0) + tender.amount
        for number, amount in spent.items():
            note = ledger.note(conn, number)
            overdrawn = 0
            if note is None:
                log.error("sale %s of %s redeemed unknown credit note %s", payload.receipt_number, store_id, number)
            else:
                balance, overdrawn = rules.redeem(note.balance, amount)
                ledger.set_balance(conn, number, balance)
                if overdrawn:
                    log.error("credit note %s went %d below zero with sale %s of %s (its hold had lapsed)",
                              number, overdrawn, payload.receipt_number, store_id)
            if payload.sale_id:
                ledger.confirm_hold(conn, store_id, payload.sale_id, number, payload.receipt_number)
            ledger.add_entry(conn, number=number, kind="redeemed", amount=amount, store_id=store_id,
                             reference=payload.receipt_number, event_id=envelope.id,
                             occurred_at=to_text(envelope.occurred_at), overdrawn=overdrawn)

    # ---- what head office reads ---------------------------------------------------------------------------

    def get(self, number: str, now: datetime) -> dict:
        with self._db.read() as conn:
            row = ledger.note_row(conn, number)
            if row is None:
                raise NotFound(f"No credit note {number} is known at head office (a note issued at a store that "
                               "is offline arrives once the store is back).", number=number)
            view = self._view(conn, row, now)
            view["entries"] = [{key: entry[key] for key in ("kind", "amount", "store_id", "reference",
                                                             "occurred_at", "overdrawn")}
                               for entry in ledger.entries(conn, number)]
        return view

    def page(self, cursor: str | None, limit: int, now: datetime, store_id: str | None = None,
             currency: str | None = None) -> dict:
        with self._db.read() as conn:
            rows = ledger.page(conn, cursor, limit, store_id, currency)
            items = [self._view(conn, row, now) for row in rows[:limit]]
            owed = [{"currency": r["currency"], "amount": r["amount"], "notes": r["notes"]}
                    for r in ledger.outstanding(conn, to_text(now))]
        return {"items": items, "next_cursor": items[-1]["number"] if len(rows) > limit else None,
                "outstanding": owed}

    @staticmethod
    def _view(conn: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> dict:
        expires_at = row["expires_at"]
        expired = expires_at is not None and expires_at <= to_text(now)
        status = "expired" if expired and row["balance"] > 0 else "open" if row["balance"] > 0 else "spent"
        return {"number": row["number"], "store_id": row["store_id"], "return_number": row["return_number"],
                "currency": row["currency"], "original_amount": row["original_amount"], "balance": row["balance"],
                "held": ledger.live_holds(conn, row["number"], to_text(now)), "issued_at": row["issued_at"],
                "expires_at": expires_at, "status": status}
