"""Status sets and the SQL filters built from them: one list of statuses, whatever module filters on them."""

import pytest

from central.domain.orders import (
    CLOSED_ALLOCATIONS,
    CLOSED_ORDERS,
    LIVE_ALLOCATIONS,
    LIVE_ORDERS,
    AllocationStatus,
    OrderStatus,
)
from central.store.schema import open_database
from central.store.statuses import status_in


class TestStatusSets:
    def test_every_allocation_status_is_either_live_or_closed(self):
        assert LIVE_ALLOCATIONS | CLOSED_ALLOCATIONS == set(AllocationStatus)
        assert not LIVE_ALLOCATIONS & CLOSED_ALLOCATIONS

    def test_every_order_status_is_either_live_or_closed(self):
        assert LIVE_ORDERS | CLOSED_ORDERS == set(OrderStatus)
        assert not LIVE_ORDERS & CLOSED_ORDERS

    def test_the_api_keeps_its_order_status_values(self):
        assert {s.value for s in OrderStatus} == {
            "created", "allocated", "partially_allocated", "backordered", "awaiting_stock", "held", "in_fulfilment",
            "ready_for_pickup", "partially_shipped", "completed", "cancel_requested", "cancelled"}


class TestStatusFilter:
    def test_renders_placeholders_with_the_statuses_in_a_fixed_order(self):
        sql, params = status_in("a.status", CLOSED_ALLOCATIONS)
        assert sql == "a.status IN (?, ?, ?, ?)"
        assert params == ("cancelled", "expired", "rejected", "timed_out")

    def test_a_single_status_is_an_equality_that_the_partial_index_serves(self, tmp_path):
        sql, params = status_in("status", {AllocationStatus.PENDING})
        assert (sql, params) == ("status = ?", ("pending",))
        db = open_database(tmp_path / "central.db")
        with db.read() as conn:
            plan = conn.execute(f"EXPLAIN QUERY PLAN SELECT * FROM allocations WHERE {sql} AND accept_by < ? "
                                "ORDER BY accept_by", (*params, "2030-01-01")).fetchall()
        db.close()
        assert "allocations_waiting" in " ".join(row[3] for row in plan)

    def test_refuses_an_empty_set(self):
        with pytest.raises(ValueError):
            status_in("status", set())
