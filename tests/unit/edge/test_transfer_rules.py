"""The store's transfer rules, as values: which step may follow which, what counts are accepted, what a shipment,
a rejection, a cancel and a receipt do to a SKU's levels."""

import pytest

from edge.domain import transfers as rules
from edge.domain.fulfilment import apply_plan
from edge.domain.stock import Levels
from edge.domain.transfers import Status as S


def after(plan: rules.Plan, start: dict[str, Levels]) -> dict[str, Levels]:
    return {sku: change.levels for sku, change in apply_plan(start, plan).items()}


class TestSteps:
    @pytest.mark.parametrize("target", [S.SHIPPED, S.REJECTED, S.CANCELLED])
    def test_a_reserved_transfer_may_be_shipped_rejected_or_cancelled(self, target):
        rules.check_step(S.RESERVED, target)

    def test_a_second_shipment_or_receipt_is_refused_saying_it_was_done(self):
        with pytest.raises(rules.TransitionRefused, match="already shipped"):
            rules.check_step(S.SHIPPED, S.SHIPPED)
        with pytest.raises(rules.TransitionRefused, match="already received"):
            rules.check_step(S.RECEIVED, S.RECEIVED)

    def test_a_transfer_in_transit_is_only_received(self):
        with pytest.raises(rules.TransitionRefused, match="in transit cannot be shipped"):
            rules.check_step(S.IN_TRANSIT, S.SHIPPED)
        rules.check_step(S.IN_TRANSIT, S.RECEIVED)

    def test_a_cancel_applies_only_before_shipping(self):
        assert [s for s in S if rules.cancel_applies(s)] == [S.RESERVED]


class TestCounts:
    def test_units_are_summed_per_sku_and_a_sku_not_named_ships_none(self):
        assert rules.shipment({"A": 3, "B": 1}, [("A", 1), ("A", 1)]) == {"A": 2, "B": 0}

    @pytest.mark.parametrize("lines, words", [([("A", 4)], "only 3 were asked"), ([("C", 1)], "not part of"),
                                              ([("A", -1)], "give 0 or more"), ([("A", 0)], "reject the transfer")])
    def test_a_shipment_never_carries_more_than_asked_nor_nothing(self, lines, words):
        with pytest.raises(rules.TransferRuleBroken, match=words):
            rules.shipment({"A": 3}, lines)

    def test_a_receipt_may_count_more_or_fewer_than_shipped_and_says_how(self):
        got = rules.counted({"A": 4, "B": 2}, [("A", 5)], what="received")
        found = rules.differences({"A": 4, "B": 2}, got)
        assert [(d.sku, d.expected, d.counted, d.missing) for d in found] == [("A", 4, 5, -1), ("B", 2, 0, 2)]
        assert rules.difference_sentence(found) == ("5 A came for 4 shipped (1 more); 0 of 2 B came (2 missing)")

    def test_the_short_sentence_names_every_sku_left_behind(self):
        short = rules.differences({"A": 3, "B": 1}, {"A": 1, "B": 0})
        assert rules.short_sentence(short) == "2 of 3 A and 1 of 1 B"


class TestStock:
    def test_asked_units_are_reserved_even_if_the_shelf_seems_short(self):
        assert after(rules.reserve_plan({"A": 5}), {"A": Levels(2, 0, 0)}) == {"A": Levels(2, 5, 0)}

    def test_a_full_shipment_takes_the_units_off_and_ends_the_reservation(self):
        plan, shortfall = rules.ship_plan({"A": 3}, {"A": 3})
        assert after(plan, {"A": Levels(10, 4, 0)}) == {"A": Levels(7, 1, 0)}
        assert shortfall.count == ()

    def test_units_not_shipped_leave_on_hand_and_the_sku_is_counted_as_after_a_short_pick(self):
        plan, shortfall = rules.ship_plan({"A": 3, "B": 1}, {"A": 1})
        # A: 1 shipped, 2 written off; B: none shipped, 1 written off; another order's 1 reserved A stays
        assert after(plan, {"A": Levels(10, 4, 0), "B": Levels(5, 1, 0)}) == {"A": Levels(7, 1, 0),
                                                                               "B": Levels(4, 0, 0)}
        assert shortfall.count == ("A", "B") and shortfall.note == rules.SHORT_NOTE

    def test_a_short_shipment_never_writes_off_units_another_order_holds(self):
        plan, _ = rules.ship_plan({"A": 3}, {"A": 1})
        # 2 on the books, 4 reserved (3 for the transfer, 1 for an order): the order's unit stays on the books
        assert after(plan, {"A": Levels(2, 4, 0)}) == {"A": Levels(1, 1, 0)}

    @pytest.mark.parametrize("reason, end", [(None, Levels(10, 0, 0)), ("other", Levels(10, 0, 0)),
                                             ("not_found", Levels(7, 0, 0)), ("damaged", Levels(7, 0, 3))])
    def test_a_release_ends_the_reservation_and_a_rejections_reason_does_the_rest(self, reason, end):
        plan, _ = rules.release_plan({"A": 3}, reason)
        assert after(plan, {"A": Levels(10, 3, 0)}) == {"A": end}

    def test_a_receipt_puts_the_units_counted_in_on_the_shelf(self):
        assert after(rules.receive_plan({"A": 4, "B": 0}), {"A": Levels(-1, 0, 0)}) == {"A": Levels(3, 0, 0)}
