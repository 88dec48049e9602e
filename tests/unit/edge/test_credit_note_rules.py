"""Store credit at the counter: note numbers, expiry, what a sale asks of each note and the id of its hold."""

from datetime import UTC, datetime, timedelta

from edge.domain.credit_notes import credit_asked, expiry, note_number, sale_id
from edge.domain.sales import TenderIn

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_note_number_carries_the_store_so_stores_never_mint_the_same_one():
    assert note_number("S001", 42) == "S001-C000042"
    assert note_number("S001", 42) != note_number("S002", 42)


def test_a_note_expires_after_the_policys_days_or_never():
    assert expiry(T0, 365) == T0 + timedelta(days=365)
    assert expiry(T0, None) is None


def test_a_sale_asks_each_note_for_the_sum_of_its_tenders_and_nothing_of_other_tenders():
    tenders = [TenderIn("store_credit", 500, "S001-C000001"), TenderIn("card", 300, "T-1"),
               TenderIn("store_credit", 200, "S001-C000001"), TenderIn("store_credit", 100, "S002-C000007")]
    assert credit_asked(tenders) == {"S001-C000001": 700, "S002-C000007": 100}
    assert credit_asked([TenderIn("cash", 500)]) == {}


def test_every_retry_of_one_sale_has_one_hold_id_and_a_sale_without_a_key_its_own():
    assert sale_id("S001", "key-1", "fresh-a") == sale_id("S001", "key-1", "fresh-b")
    assert sale_id("S001", "key-1", "x") != sale_id("S001", "key-2", "x")
    assert sale_id("S001", "key-1", "x") != sale_id("S002", "key-1", "x")
    assert sale_id("S001", None, "fresh-a") == "fresh-a"
