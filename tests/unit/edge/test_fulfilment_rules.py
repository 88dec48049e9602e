"""Pure fulfilment rules: the lifecycle of DESIGN §6, pickup codes, shortages and stock steps."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain import fulfilment as rules
from edge.domain.stock import Levels
from shared.contract import pickup_codes as pickup
from shared.contract.models import FulfilmentStatus as S
from shared.contract.models import FulfilmentType as T


class TestLifecycle:
    @pytest.mark.parametrize("type_, path", [
        (T.PICKUP, [S.ASSIGNED, S.ACCEPTED, S.PICKED, S.READY, S.COLLECTED]),
        (T.SHIP, [S.ASSIGNED, S.ACCEPTED, S.PICKED, S.PACKED, S.SHIPPED]),
    ])
    def test_the_happy_path_is_allowed_step_by_step(self, type_, path):
        for current, target in zip(path, path[1:]):
            assert rules.transition(type_, current, target) is True

    def test_repeating_the_current_state_is_not_a_change(self):
        assert rules.transition(T.PICKUP, S.READY, S.READY) is False

    @pytest.mark.parametrize("type_, current, target", [
        (T.PICKUP, S.ASSIGNED, S.PICKED), (T.PICKUP, S.READY, S.REJECTED), (T.PICKUP, S.COLLECTED, S.CANCELLED),
        (T.SHIP, S.PICKED, S.READY), (T.SHIP, S.SHIPPED, S.CANCELLED), (T.PICKUP, S.CANCELLED, S.ACCEPTED),
    ])
    def test_other_moves_are_refused(self, type_, current, target):
        with pytest.raises(rules.TransitionRefused):
            rules.transition(type_, current, target)

    @given(st.sampled_from(list(T)), st.sampled_from(list(S)), st.sampled_from(list(S)))
    def test_nothing_leaves_a_final_state(self, type_, current, target):
        if current in rules.FINAL and target != current:
            with pytest.raises(rules.TransitionRefused):
                rules.transition(type_, current, target)


class TestPickupCode:
    def test_the_hash_is_sha256_hex_of_the_code_in_upper_case_without_spaces_or_dashes(self):
        expected = hashlib.sha256(b"K7Q2X9").hexdigest()
        assert pickup.code_hash("k7q-2x9") == expected
        assert rules.pickup_code_matches(" K7Q 2X9 ", expected)
        assert not rules.pickup_code_matches("K7Q2X8", expected)
        assert not rules.pickup_code_matches("K7Q2X9", None)


class TestStockSteps:
    def test_shortages_are_what_was_ordered_and_not_picked(self):
        assert rules.shortages({"A": 3, "B": 1}, {"A": 2, "B": 1}) == {"A": 1}

    def test_picking_more_than_ordered_is_refused(self):
        with pytest.raises(rules.FulfilmentRuleBroken):
            rules.shortages({"A": 1}, {"A": 2})

    def test_a_hand_over_takes_units_off_the_shelf_and_the_reservation(self):
        assert rules.hand_over(Levels(5, 2, 0), 2).levels == Levels(3, 0, 0)

    def test_phantom_units_never_take_on_hand_below_what_others_reserved(self):
        assert rules.write_off_phantom(Levels(3, 1, 0), 5).levels == Levels(1, 1, 0)

    @given(st.integers(0, 50), st.integers(0, 50), st.integers(1, 50))
    def test_reserving_then_releasing_returns_to_the_start(self, on_hand, reserved, qty):
        start = Levels(on_hand, reserved, 0)
        assert rules.release(rules.reserve(start, qty).levels, qty).levels == start
