"""Returns of online orders: a refund beyond what is left to return is a refund_conflict; return flags."""

from hypothesis import given
from hypothesis import strategies as st

from central.domain.returns import refund_conflicts, return_flag


class TestRefundConflicts:
    def test_a_return_within_what_was_sold_is_no_conflict(self):
        assert refund_conflicts({"TEE": 2}, {}, [("TEE", 2)]) == []

    def test_a_second_refund_of_the_same_unit_is_a_conflict_of_that_unit(self):
        [conflict] = refund_conflicts({"TEE": 1}, {"TEE": 1}, [("TEE", 1)])
        assert conflict.as_detail() == {"line_no": 0, "sku": "TEE", "qty": 1, "sold": 1, "returned_before": 1,
                                        "excess": 1}

    def test_only_the_units_beyond_what_is_left_are_in_excess(self):
        [conflict] = refund_conflicts({"TEE": 3}, {"TEE": 1}, [("TEE", 3)])
        assert (conflict.qty, conflict.excess) == (3, 1)

    def test_lines_of_one_return_count_against_each_other(self):
        conflicts = refund_conflicts({"TEE": 2, "MUG": 1}, {}, [("TEE", 1), ("MUG", 1), ("TEE", 2)])
        assert [(c.line_no, c.sku, c.excess) for c in conflicts] == [(2, "TEE", 1)]

    def test_returning_a_sku_the_order_never_sold_is_a_conflict(self):
        [conflict] = refund_conflicts({"TEE": 1}, {}, [("CAP", 1)])
        assert (conflict.sku, conflict.sold, conflict.excess) == ("CAP", 0, 1)

    @given(st.integers(0, 5), st.integers(0, 5), st.lists(st.integers(1, 4), max_size=4))
    def test_excess_is_exactly_what_goes_beyond_sold(self, sold, before, qtys):
        conflicts = refund_conflicts({"TEE": sold}, {"TEE": before}, [("TEE", q) for q in qtys])
        total_excess = sum(c.excess for c in conflicts)
        assert total_excess == max(0, sum(qtys) - max(0, sold - before))
        assert all(0 < c.excess <= c.qty for c in conflicts)


class TestReturnFlag:
    def test_nothing_returned_is_no_flag(self):
        assert return_flag({"TEE": 2}, {}) is None

    def test_some_returned_is_partially_returned(self):
        assert return_flag({"TEE": 2, "MUG": 1}, {"TEE": 2}) == "partially_returned"

    def test_everything_returned_is_returned(self):
        assert return_flag({"TEE": 2}, {"TEE": 2}) == "returned"
