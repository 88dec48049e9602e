"""An allocation's reaction to store events and the order status derived from its allocations (DESIGN §6)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from central.domain.orders import (
    AllocationState,
    cancel_refusal,
    on_event,
    order_number,
    order_status,
)


class TestStoreEvents:
    def test_an_acceptance_moves_a_pending_allocation_forward(self):
        assert on_event("pending", "fulfilment.accepted", cancel_sent=False).status == "accepted"

    def test_a_rejection_closes_the_allocation_and_asks_for_a_re_route(self):
        transition = on_event("accepted", "fulfilment.rejected", cancel_sent=False)
        assert (transition.status, transition.reroute) == ("rejected", True)

    def test_a_cancel_central_asked_for_is_not_re_routed_but_one_the_store_made_is(self):
        assert on_event("accepted", "fulfilment.cancelled", cancel_sent=True).reroute is False
        assert on_event("accepted", "fulfilment.cancelled", cancel_sent=False).reroute is True

    @pytest.mark.parametrize("closed", ["timed_out", "rejected", "cancelled", "expired"])
    def test_accepting_what_central_no_longer_counts_is_compensated_once(self, closed):
        late = on_event(closed, "fulfilment.accepted", cancel_sent=False)
        assert late.compensate and late.status == closed
        assert not on_event(closed, "fulfilment.accepted", cancel_sent=True).compensate

    def test_a_status_never_moves_back(self):
        assert on_event("packed", "fulfilment.picked", cancel_sent=False).status == "packed"
        assert on_event("shipped", "fulfilment.rejected", cancel_sent=False).status == "shipped"


def states(*statuses, cancel_sent=False):
    return [AllocationState(s, cancel_sent) for s in statuses]


class TestOrderStatus:
    @pytest.mark.parametrize("allocations, unfilled, expected", [
        (("pending",), 0, "allocated"),
        (("pending",), 2, "partially_allocated"),
        (("pending", "accepted"), 0, "in_fulfilment"),
        (("ready",), 0, "ready_for_pickup"),
        (("shipped", "picked"), 0, "partially_shipped"),
        (("shipped", "collected", "rejected"), 0, "completed"),
        (("rejected",), 3, "backordered"),
        (("expired",), 0, "cancelled"),
    ])
    def test_follows_the_allocations(self, allocations, unfilled, expected):
        assert order_status(states(*allocations), unfilled, cancel_requested=False, held=False) == expected

    def test_an_order_routing_held_stays_held_without_allocations(self):
        assert order_status([], 1, cancel_requested=False, held=True) == "held"

    def test_a_cancel_waits_for_every_store_that_accepted_then_is_cancelled(self):
        assert order_status(states("accepted", cancel_sent=True), 0, True, False) == "cancel_requested"
        assert order_status(states("cancelled", cancel_sent=True), 0, True, False) == "cancelled"
        assert order_status(states("shipped"), 0, True, False) == "completed"  # the cancel came too late

    def test_a_cancel_is_refused_once_anything_left_the_store(self):
        assert cancel_refusal(["accepted", "shipped"]) == "part of it is already shipped"
        assert cancel_refusal(["pending", "ready"]) is None


class TestOrderNumbers:
    @given(st.integers(0, 2**42 - 2), st.integers(0, 255), st.integers(1, 10**6), st.integers(0, 255))
    def test_later_orders_sort_after_earlier_ones(self, ms, one, later_by, other):
        first, second = order_number(ms, one), order_number(min(ms + later_by, 2**42 - 1), other)
        assert first < second

    def test_a_number_is_short_and_has_nothing_to_misread(self):
        number = order_number(1_795_000_000_000, 77)
        assert len(number) == 15 and number.startswith("ORD-") and number[9] == "-"
        assert not set(number[4:].replace("-", "")) & set("ILOU")
