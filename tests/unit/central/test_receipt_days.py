"""The day sums of walk-in receipts (`central.store.receipt_days`) that reports read instead of every receipt: kept
as sales are recorded, they always equal the sums of the receipts themselves — a repeated event counted once — and
the migration's backfill of receipts recorded before them gives the same rows."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.store import receipt_days
from central.store.receipts import record_sale
from central.store.schema import open_database
from shared.contract.events import EventEnvelope, SaleRecorded
from shared.runtime.ids import uuid7

DAY = datetime(2026, 3, 2, 22, tzinfo=timezone.utc)
TABLES = ("receipt_days", "receipt_day_tenders", "receipt_day_skus")

lines = st.lists(st.tuples(st.sampled_from(["TEE", "MUG", "CAP"]), st.integers(1, 5)), min_size=1, max_size=3)
sales = st.lists(st.tuples(st.sampled_from(["S001", "S002"]), st.integers(0, 4 * 60), lines,
                           st.sampled_from([["card"], ["cash"], ["cash", "card"]]), st.booleans()), max_size=12)


def sale(store: str, n: int, minutes: int, sold: list, tenders: list) -> tuple[EventEnvelope, SaleRecorded]:
    total = sum(qty * 500 for _, qty in sold)
    paid = [total] if len(tenders) == 1 else [total - 100, 100]
    payload = SaleRecorded.model_validate({
        "receipt_number": f"{store}-{n:06d}", "currency": "EUR", "total": total, "change_due": 0,
        "lines": [{"sku": sku, "qty": qty, "unit_price": 500, "tax_rate_bp": 0, "line_total": qty * 500}
                  for sku, qty in sold],
        "tenders": [{"type": t, "amount": a} for t, a in zip(tenders, paid, strict=True)], "stock": []})
    envelope = EventEnvelope(id=uuid7(), type="sale.recorded", store_id=store, epoch="e", seq=n,
                             occurred_at=DAY + timedelta(minutes=minutes), actor="A1", payload={})
    return envelope, payload


def rows(conn) -> dict[str, list[tuple]]:
    return {table: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {table}")) for table in TABLES}


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_database(tmp_path_factory.mktemp("days") / "central.db")
    yield database
    database.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recorded=sales)
def test_the_sums_kept_at_each_sale_are_the_sums_of_the_receipts(db, recorded):
    with db.write() as conn:
        for table in ("store_receipts", *TABLES):
            conn.execute(f"DELETE FROM {table}")
        for n, (store, minutes, sold, tenders, repeated) in enumerate(recorded, 1):
            envelope, payload = sale(store, n, minutes, sold, tenders)
            for _ in range(2 if repeated else 1):  # a redelivered event records nothing more
                record_sale(conn, store, envelope, payload, DAY)
        kept = rows(conn)
        for table in TABLES:
            conn.execute(f"DELETE FROM {table}")
        for backfill in (part for part in receipt_days.MIGRATION.split(";") if "INSERT" in part):
            conn.execute(backfill)
        assert rows(conn) == kept
    units = sum(qty for _, _, sold, _, _ in recorded for _, qty in sold)
    assert sum(r[5] for r in kept["receipt_days"]) == units
    assert sum(r[3] for r in kept["receipt_days"]) == len(recorded)
    assert {r[0] for r in kept["receipt_days"]} <= {"2026-03-02", "2026-03-03"}  # by the UTC day of the sale
