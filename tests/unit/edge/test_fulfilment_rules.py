"""Pure fulfilment rules: the lifecycle of DESIGN §6, pickup codes, shortages and stock steps."""

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain import fulfilment as rules
from edge.domain import shortfalls
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


class TestTheStepTable:
    @pytest.mark.parametrize("target, event_type, paper", [
        (S.ACCEPTED, "fulfilment.accepted", rules.Paper.PICK_LIST),
        (S.REJECTED, "fulfilment.rejected", rules.Paper.NONE),
        (S.PICKED, "fulfilment.picked", rules.Paper.NONE),
        (S.READY, "pickup.ready", rules.Paper.BAG_TAG),
        (S.COLLECTED, "pickup.collected", rules.Paper.COLLECTION_RECEIPT),
        (S.EXPIRED, "pickup.expired", rules.Paper.NONE),
        (S.PACKED, "shipment.packed", rules.Paper.PACKING_SLIP),
        (S.SHIPPED, "shipment.shipped", rules.Paper.SHIPPING_LABEL),
        (S.CANCELLED, "fulfilment.cancelled", rules.Paper.NONE),
    ])
    def test_each_step_records_its_design_event_and_prints_its_paper(self, target, event_type, paper):
        assert (rules.STEPS[target].event_type, rules.STEPS[target].paper) == (event_type, paper)

    def test_a_pickup_is_never_packed_and_a_shipment_never_collected(self):
        assert T.PICKUP not in rules.STEPS[S.PACKED].allowed_from
        assert T.SHIP not in rules.STEPS[S.COLLECTED].allowed_from

    def test_a_not_found_rejection_releases_what_is_held_and_writes_it_off_with_a_count(self):
        step = rules.STEPS[S.REJECTED]
        shortfall = shortfalls.of_rejection("not_found", {"A": 2}, {"A": 2, "B": 1})
        plan = rules.stock_plan(step.stock, wanted={"A": 2, "B": 1}, held={"A": 2}, short={}, then=shortfall.rules)
        changes = rules.apply_plan({"A": Levels(5, 2), "B": Levels(1, 0)}, plan)
        assert {sku: c.levels for sku, c in changes.items()} == {"A": Levels(3, 0)}
        assert shortfall.count == ("A",)
        assert rules.held_after(step.stock, wanted={"A": 2, "B": 1}, held={"A": 2}, short={}) == {}

    @given(st.dictionaries(st.sampled_from("ABC"), st.integers(1, 9), min_size=1),
           st.dictionaries(st.sampled_from("ABC"), st.integers(0, 9)),
           st.sampled_from(list(rules.StockEffect)))
    def test_a_plans_movement_is_where_its_levels_end(self, wanted, short, effect):
        start = {sku: Levels(10, 9) for sku in "ABC"}
        plan = rules.stock_plan(effect, wanted=wanted, held=wanted, short=short,
                                then=shortfalls.of_rejection("not_found", {}, wanted).rules)
        for sku, change in rules.apply_plan(start, plan).items():
            assert change.movement.applied_to(start[sku]) == change.levels
