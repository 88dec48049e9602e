"""The pure stock rules of DESIGN §5: receipts and adjustments."""

import pytest

from edge.domain.stock import (
    AdjustReason,
    Levels,
    Movement,
    StockRuleBroken,
    adjust,
    count,
    receive,
)


class TestReceive:
    def test_a_delivery_raises_on_hand_by_its_quantity(self):
        change = receive(Levels(on_hand=2, reserved=1, damaged=3), 5)
        assert change.levels == Levels(on_hand=7, reserved=1, damaged=3)
        assert change.movement == Movement(on_hand=5)

    @pytest.mark.parametrize("qty", [0, -1])
    def test_a_delivery_of_no_units_is_refused(self, qty):
        with pytest.raises(StockRuleBroken, match="at least one unit"):
            receive(Levels(), qty)


class TestAdjust:
    def test_damaged_units_move_from_the_shelf_to_the_damaged_pile(self):
        change = adjust(Levels(on_hand=10, damaged=1), -3, AdjustReason.DAMAGED)
        assert change.levels == Levels(on_hand=7, damaged=4)
        assert change.movement == Movement(on_hand=-3, damaged=3)

    def test_shrink_lowers_on_hand_only(self):
        assert adjust(Levels(on_hand=4, damaged=2), -1, AdjustReason.SHRINK).levels == Levels(on_hand=3, damaged=2)

    def test_found_units_raise_on_hand(self):
        assert adjust(Levels(on_hand=4), 2, AdjustReason.FOUND).levels == Levels(on_hand=6)

    @pytest.mark.parametrize("delta", [-2, 2])
    def test_other_corrections_go_either_way(self, delta):
        assert adjust(Levels(on_hand=4), delta, AdjustReason.OTHER).levels == Levels(on_hand=4 + delta)

    def test_negative_on_hand_is_recorded_not_refused(self):
        change = adjust(Levels(on_hand=1), -3, AdjustReason.SHRINK)
        assert change.levels.on_hand == -2
        assert change.levels.available == 0

    @pytest.mark.parametrize("reason", [AdjustReason.DAMAGED, AdjustReason.SHRINK])
    def test_losses_with_a_positive_delta_are_refused_with_a_hint(self, reason):
        with pytest.raises(StockRuleBroken, match="negative delta"):
            adjust(Levels(on_hand=5), 2, reason)

    def test_found_with_a_negative_delta_is_refused(self):
        with pytest.raises(StockRuleBroken, match="positive delta"):
            adjust(Levels(on_hand=5), -2, AdjustReason.FOUND)

    def test_an_adjustment_of_nothing_is_refused(self):
        with pytest.raises(StockRuleBroken, match="changes nothing"):
            adjust(Levels(on_hand=5), 0, AdjustReason.OTHER)


class TestAvailable:
    def test_available_leaves_reserved_units_alone(self):
        assert Levels(on_hand=5, reserved=2).available == 3


class TestCounting:
    def test_a_count_moves_on_hand_by_the_variance(self):

        change = count(Levels(5, 2, 1), 3)
        assert change.movement == Movement(on_hand=-2) and change.levels == Levels(3, 2, 1)

    def test_a_negative_count_is_refused(self):

        with pytest.raises(StockRuleBroken):
            count(Levels(), -1)
