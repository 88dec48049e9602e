"""Store credit at head office: the rules of a hold (pure), and the ledger's holds, lapses, releases and
redemptions on a real SQLite file."""

from datetime import UTC, datetime, timedelta

import pytest

from central.domain.credit_notes import CreditNote, check_hold, is_outstanding, redeem
from central.services.credit_notes import CreditNotes
from central.store.schema import open_database
from shared.contract.errors import CreditNoteRefused
from shared.contract.events import (
    CreditRequest,
    EventEnvelope,
    Refund,
    ReturnRecorded,
    SaleRecorded,
    Tender,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LAPSE = timedelta(minutes=10)
NOTE = CreditNote("S001-C000001", "EUR", 3000, None)


class TestTheRulesOfAHold:
    def test_an_amount_within_what_is_left_after_other_holds_may_be_held(self):
        check_hold(NOTE.number, NOTE, 2000, "EUR", held_by_others=1000, now=T0)

    @pytest.mark.parametrize(("note", "amount", "currency", "others", "reason", "words"), [
        (None, 100, "EUR", 0, "unknown", "There is no credit note S001-C000001"),
        (NOTE, 100, "SEK", 0, "currency", "is in EUR; this sale is in SEK"),
        (CreditNote(NOTE.number, "EUR", 3000, T0), 100, "EUR", 0, "expired", "expired on 2026-03-02"),
        (NOTE, 3001, "EUR", 0, "insufficient", "has 30.00 EUR left, not 30.01 EUR"),
        (NOTE, 2001, "EUR", 1000, "insufficient", "take at most 20.00 EUR from it"),
        (NOTE, 0, "EUR", 0, "invalid_amount", "must be more than 0"),
    ])
    def test_a_refusal_says_why_in_a_sentence(self, note, amount, currency, others, reason, words):
        with pytest.raises(CreditNoteRefused) as refused:
            check_hold(NOTE.number, note, amount, currency, others, T0)
        assert refused.value.extra["reason"] == reason and words in refused.value.detail

    def test_a_note_is_valid_until_the_moment_it_expires(self):
        note = CreditNote(NOTE.number, "EUR", 3000, T0 + timedelta(days=1))
        check_hold(note.number, note, 100, "EUR", 0, T0 + timedelta(days=1) - timedelta(seconds=1))
        assert is_outstanding(3000, note.expires_at, T0) and not is_outstanding(3000, note.expires_at,
                                                                                note.expires_at)

    def test_a_confirmed_redemption_is_never_refused_and_says_how_far_below_zero_it_went(self):
        assert redeem(3000, 1000) == (2000, 0)
        assert redeem(500, 1000) == (-500, 500)
        assert redeem(-500, 200) == (-700, 200)  # only what this redemption added


def envelope(store_id: str, seq: int, type_: str, payload) -> EventEnvelope:
    return EventEnvelope(id=f"e-{store_id}-{seq}", type=type_, store_id=store_id, epoch="ep", seq=seq,
                         occurred_at=T0, actor="A1", payload=payload.model_dump(mode="json"))


@pytest.fixture
def ledger(tmp_path):
    db = open_database(tmp_path / "central.db")
    notes = CreditNotes(db, LAPSE)
    issued = ReturnRecorded(return_number="S001-R000001", original={}, currency="EUR", lines=[], stock=[],
                            refunds=[Refund(tender="store_credit", amount=3000, reference="S001-C000001")])
    with db.write() as conn:
        notes.apply_return(conn, "S001", envelope("S001", 1, "return.recorded", issued), issued, T0)
    yield db, notes
    db.close()


def hold(notes: CreditNotes, store_id: str, sale_id: str, amount: int, now: datetime = T0) -> dict:
    return notes.carry_out(store_id, CreditRequest(action="hold", sale_id=sale_id, currency="EUR",
                                                   notes=[{"number": "S001-C000001", "amount": amount}]), now)


def confirm(db, notes: CreditNotes, store_id: str, sale_id: str, amount: int, seq: int) -> None:
    sale = SaleRecorded(receipt_number=f"{store_id}-{seq:06d}", currency="EUR", lines=[], total=amount,
                        change_due=0, stock=[], sale_id=sale_id,
                        tenders=[Tender(type="store_credit", amount=amount, reference="S001-C000001")])
    with db.write() as conn:
        notes.apply_sale(conn, store_id, envelope(store_id, seq, "sale.recorded", sale), sale, T0)


class TestTheLedger:
    def test_a_return_issues_the_note_once_even_if_its_event_is_applied_again(self, ledger):
        db, notes = ledger
        again = ReturnRecorded(return_number="S001-R000001", original={}, currency="EUR", lines=[], stock=[],
                               refunds=[Refund(tender="store_credit", amount=3000, reference="S001-C000001")])
        with db.write() as conn:
            notes.apply_return(conn, "S001", envelope("S001", 1, "return.recorded", again), again, T0)
        note = notes.get("S001-C000001", T0)
        assert (note["balance"], note["original_amount"], len(note["entries"])) == (3000, 3000, 1)

    def test_a_hold_keeps_the_amount_from_other_sales_until_its_sale_confirms_it(self, ledger):
        db, notes = ledger
        assert hold(notes, "S002", "sale-1", 2000)["notes"][0]["left_after"] == 1000
        with pytest.raises(CreditNoteRefused, match="has 10.00 EUR left"):
            hold(notes, "S003", "sale-2", 1500)
        confirm(db, notes, "S002", "sale-1", 2000, 1)
        note = notes.get("S001-C000001", T0)
        assert (note["balance"], note["held"]) == (1000, 0)
        with pytest.raises(CreditNoteRefused, match="has 10.00 EUR left"):
            hold(notes, "S003", "sale-2", 1500)

    def test_asking_again_for_the_same_sale_holds_once_and_after_its_event_changes_nothing(self, ledger):
        db, notes = ledger
        hold(notes, "S002", "sale-1", 2000)
        hold(notes, "S002", "sale-1", 2000)  # the store retried: the same hold, not a second one
        assert notes.get("S001-C000001", T0)["held"] == 2000
        confirm(db, notes, "S002", "sale-1", 2000, 1)
        hold(notes, "S002", "sale-1", 2000)  # a late retry after the sale went through
        note = notes.get("S001-C000001", T0)
        assert (note["balance"], note["held"], [e["kind"] for e in note["entries"]]) == (
            1000, 0, ["issued", "redeemed"])

    def test_the_same_sale_id_at_another_store_is_another_sale(self, ledger):
        _, notes = ledger
        hold(notes, "S002", "sale-1", 2000)
        with pytest.raises(CreditNoteRefused):
            hold(notes, "S003", "sale-1", 2000)

    def test_a_released_hold_stops_counting_at_once(self, ledger):
        _, notes = ledger
        hold(notes, "S002", "sale-1", 3000)
        assert notes.carry_out("S003", CreditRequest(action="release", sale_id="sale-1"))["released"] == 0
        assert notes.get("S001-C000001", T0)["held"] == 3000  # one store cannot release another's hold
        assert notes.carry_out("S002", CreditRequest(action="release", sale_id="sale-1"))["released"] == 1
        assert notes.get("S001-C000001", T0)["held"] == 0
        hold(notes, "S003", "sale-2", 3000)

    def test_a_hold_never_confirmed_lapses_and_a_late_sale_still_redeems_and_shows_the_overdraw(self, ledger):
        db, notes = ledger
        hold(notes, "S002", "sale-1", 3000)
        with pytest.raises(CreditNoteRefused):
            hold(notes, "S003", "sale-2", 3000, T0 + LAPSE - timedelta(seconds=1))
        hold(notes, "S003", "sale-2", 3000, T0 + LAPSE)  # the first store went silent: its hold lapsed
        confirm(db, notes, "S003", "sale-2", 3000, 1)
        confirm(db, notes, "S002", "sale-1", 3000, 2)  # its sale was recorded after all, and arrives late
        note = notes.get("S001-C000001", T0 + LAPSE)
        assert note["balance"] == -3000 and [e["overdrawn"] for e in note["entries"]] == [0, 0, 3000]

    def test_the_list_pages_by_number_and_owes_only_unexpired_notes_with_money_left(self, ledger):
        db, notes = ledger
        for n, (amount, expires) in enumerate([(500, None), (700, T0 + timedelta(days=1)), (900, T0)], 2):
            issued = ReturnRecorded(return_number=f"S001-R00000{n}", original={}, currency="EUR", lines=[],
                                    stock=[], refunds=[Refund(tender="store_credit", amount=amount,
                                                              reference=f"S001-C00000{n}", expires_at=expires)])
            with db.write() as conn:
                notes.apply_return(conn, "S001", envelope("S001", n, "return.recorded", issued), issued, T0)
        first = notes.page(None, 2, T0)
        assert [i["number"] for i in first["items"]] == ["S001-C000001", "S001-C000002"]
        rest = notes.page(first["next_cursor"], 2, T0)
        assert [(i["number"], i["status"]) for i in rest["items"]] == [("S001-C000003", "open"),
                                                                      ("S001-C000004", "expired")]
        assert rest["next_cursor"] is None
        assert first["outstanding"] == [{"currency": "EUR", "amount": 3000 + 500 + 700, "notes": 3}]
