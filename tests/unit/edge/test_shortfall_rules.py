"""What the store's books do with units a customer order could not have: short at picking, or rejected."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain import fulfilment as rules
from edge.domain import shortfalls
from edge.domain.stock import Levels
from shared.contract.models import FulfilmentStatus as S
from shared.contract.models import RejectReason


def after_rejection(reason: str, held: dict, wanted: dict, start: dict[str, Levels]) -> dict[str, Levels]:
    step = rules.STEPS[S.REJECTED]
    plan = rules.stock_plan(step.stock, wanted=wanted, held=held, short={},
                            then=shortfalls.of_rejection(reason, held, wanted).rules)
    return {sku: change.levels for sku, change in rules.apply_plan(start, plan).items()}


class TestRejectionConsequences:
    def test_every_reason_has_one_consequence(self):
        assert set(shortfalls.REJECTION) == set(RejectReason)

    def test_damaged_units_leave_the_sellable_shelf_for_the_damaged_pile_without_a_count(self):
        levels = after_rejection("damaged", {"A": 2}, {"A": 2}, {"A": Levels(5, 2, 0)})
        assert levels == {"A": Levels(3, 0, 2)}
        assert shortfalls.of_rejection("damaged", {"A": 2}, {"A": 2}).count == ()

    def test_not_found_units_leave_on_hand_and_the_sku_is_counted(self):
        levels = after_rejection("not_found", {"A": 2}, {"A": 2}, {"A": Levels(5, 2, 0)})
        assert levels == {"A": Levels(3, 0, 0)}
        assert shortfalls.of_rejection("not_found", {"A": 2}, {"A": 2}).count == ("A",)

    @pytest.mark.parametrize("reason", ["no_capacity", "accept_expired", "other"])
    def test_other_reasons_only_release_the_reservation(self, reason):
        assert after_rejection(reason, {"A": 2}, {"A": 2}, {"A": Levels(5, 2, 0)}) == {"A": Levels(5, 0, 0)}

    def test_before_acceptance_the_units_asked_for_are_the_ones_concerned(self):
        assert after_rejection("damaged", {}, {"A": 1}, {"A": Levels(4, 0, 0)}) == {"A": Levels(3, 0, 1)}

    def test_units_another_order_holds_are_never_taken(self):
        # 3 on hand, 3 reserved by another order: nothing free to move, whatever the reason says.
        assert after_rejection("damaged", {}, {"A": 2}, {"A": Levels(3, 3, 0)}) == {"A": Levels(3, 3, 0)}


class TestShortPick:
    def test_units_not_picked_are_released_and_written_off_with_a_count(self):
        shortfall = shortfalls.of_short_pick({"A": 1})
        step = rules.STEPS[S.PICKED]
        plan = rules.stock_plan(step.stock, wanted={"A": 2}, held={"A": 2}, short={"A": 1}, then=shortfall.rules)
        assert rules.apply_plan({"A": Levels(5, 2, 0)}, plan)["A"].levels == Levels(4, 1, 0)
        assert shortfall.count == ("A",)

    def test_a_full_pick_changes_nothing(self):
        assert shortfalls.of_short_pick({}) == shortfalls.NOTHING


@given(st.sampled_from(list(RejectReason)), st.integers(0, 9), st.integers(0, 9), st.integers(1, 9))
def test_a_rejection_never_takes_on_hand_below_what_others_reserve_and_keeps_units_whole(reason, on_hand, others,
                                                                                           qty):
    held = min(qty, max(0, on_hand - others))  # what this fulfilment reserved, if it was accepted
    start = Levels(on_hand, others + held, 0)
    levels = after_rejection(str(reason), {"A": held} if held else {}, {"A": qty}, {"A": start}).get("A", start)
    assert levels.reserved == others
    assert levels.on_hand >= min(on_hand, others)
    assert levels.on_hand + levels.damaged <= start.on_hand  # units move or go, never appear
