"""A sale retried with its Idempotency-Key is answered with the earlier answer and recorded once, with or without a
printer; the key sent again with another basket changes nothing."""

from datetime import timedelta

import pytest

from edge.domain.sales import TenderIn
from edge.services.access import Associate, Sessions
from edge.services.sales import SaleIn, SaleLineIn, SalesService
from shared.contract.errors import IdempotencyMismatch
from shared.contract.models import Role
from tests.unit.edge.conftest import T0

ANA = Associate("A1", "Ana", Role.ASSOCIATE)


def sale(qty: int) -> SaleIn:
    request = {"lines": [{"sku": "MUG-01", "qty": qty}], "tenders": [{"type": "cash", "amount": 890 * qty}]}
    return SaleIn([SaleLineIn("MUG-01", qty)], [TenderIn("cash", 890 * qty)], None, request)


def counts(db) -> tuple[int, int, int]:
    with db.read() as conn:
        return tuple(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                     for table in ("sales", "outbox", "stock_ledger"))


def test_a_retried_sale_without_a_printer_is_answered_once(db):
    sales = SalesService(db, Sessions(db, timedelta(minutes=30)), store_id="S001", currency="EUR",
                         online=lambda: False)
    committed = []
    sales._on_commit = lambda: committed.append(1)
    first = sales.record(sale(2), ANA, "associate:A1:k1", T0)
    after_first = counts(db)
    again = sales.record(sale(2), ANA, "associate:A1:k1", T0 + timedelta(seconds=5))
    assert (first.replayed, again.replayed) == (False, True)
    assert again.body == first.body and len(committed) == 1
    assert counts(db) == after_first and after_first[0] == 1
    with pytest.raises(IdempotencyMismatch):
        sales.record(sale(3), ANA, "associate:A1:k1", T0 + timedelta(seconds=9))
    assert counts(db) == after_first
