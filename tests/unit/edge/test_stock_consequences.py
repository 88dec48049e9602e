"""What follows from a stock movement: a count task when the books go impossible, at-risk fulfilments when
the shelf holds fewer units than are promised, decided once and carried out in the movement's transaction."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from edge.domain.sales import TenderIn
from edge.domain.stock import Consequences, CountTask, Levels, Movement, consequences
from edge.services.access import Associate, Sessions
from edge.services.sales import SaleIn, SaleLineIn, SalesService
from shared.contract.models import Role
from shared.runtime.clock import to_text
from tests.unit.edge.conftest import T0

CASHIER = Associate(id="A1", name="Ana", role=Role.ASSOCIATE)


def open_tasks(db) -> list[dict]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute("SELECT kind, sku, reference, note, created_at FROM tasks "
                                              "WHERE status = 'open' ORDER BY id")]


class TestASaleThatTakesASkuBelowZero:
    def test_leaves_one_count_task_with_the_receipt_number_at_the_sales_time(self, db):
        sales = SalesService(db, Sessions(db, timedelta(minutes=30)), store_id="S001", currency="EUR",
                             online=lambda: True)
        sale = SaleIn(lines=[SaleLineIn("MUG-01", 2)], tenders=[TenderIn("cash", 1780)], manager=None, request={})
        body = sales.record(sale, CASHIER, None, T0).body
        assert body["discrepancies"] == ["MUG-01"]
        [task] = open_tasks(db)
        assert (task["kind"], task["sku"], task["reference"]) == ("count", "MUG-01", body["receipt_number"])
        assert task["created_at"] == to_text(T0)


levels = st.builds(Levels, on_hand=st.integers(-50, 50), reserved=st.integers(0, 50), damaged=st.integers(0, 50))
movements = st.builds(Movement, on_hand=st.integers(-50, 50), reserved=st.integers(-20, 20))


class TestWhatFollowsFromAMovement:
    def test_a_sale_that_takes_on_hand_below_zero_opens_a_count_task_named_after_the_receipt(self):
        decided = consequences("MUG-01", Levels(on_hand=1), Levels(on_hand=-1), reason="sale", reference="S001-000007")
        assert decided.count == CountTask("MUG-01", "sold more than the books held: on-hand went negative",
                                          "S001-000007")

    def test_a_sale_into_reserved_units_puts_the_fulfilments_holding_them_at_risk(self):
        assert consequences("MUG-01", Levels(3, 2), Levels(1, 2), reason="sale", reference="S001-000001").at_risk

    def test_a_delivery_onto_a_negative_shelf_opens_no_second_count_task(self):
        decided = consequences("MUG-01", Levels(on_hand=-5), Levels(on_hand=-2), reason="delivery", reference="DN-1")
        assert decided.count is None

    def test_a_movement_that_leaves_the_books_possible_has_no_consequence(self):
        decided = consequences("MUG-01", Levels(5, 2), Levels(3, 2), reason="shrink", reference=None)
        assert decided == Consequences()

    @given(before=levels, movement=movements, reason=st.sampled_from(["sale", "shrink", "collected", "count"]))
    def test_the_books_are_flagged_exactly_when_they_cannot_be_right(self, before, movement, reason):
        after = movement.applied_to(before)
        decided = consequences("SKU", before, after, reason=reason, reference="REF")
        assert (decided.count is not None) == (after.on_hand < 0 and movement.on_hand < 0)
        assert decided.at_risk == (after.reserved > after.on_hand)
        if decided.count is not None:
            assert (decided.count.sku, decided.count.reference) == ("SKU", "REF")
