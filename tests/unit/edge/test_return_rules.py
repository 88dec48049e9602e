"""Pure return rules: never more than sold minus returned, refunds card before cash within what each paid."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain import returns as rules
from edge.domain.stock import Levels, Movement
from shared.contract.errors import InvalidInput
from shared.contract.models import Disposition


class TestTakingBack:
    def test_units_come_back_at_the_price_paid_from_the_earliest_line(self):
        sold = [rules.SoldLine(1, "A", 2, 1, 500), rules.SoldLine(2, "A", 3, 0, 400)]
        parts = rules.take_back(sold, {"A": 3})
        assert [(p.line_no, p.qty, p.refund) for p in parts] == [(1, 1, 500), (2, 2, 800)]

    def test_more_than_sold_minus_returned_is_refused(self):
        with pytest.raises(rules.ReturnExceedsSold, match="at most 1"):
            rules.take_back([rules.SoldLine(1, "A", 2, 1, 500)], {"A": 2})

    def test_a_sku_not_on_the_receipt_is_refused(self):
        with pytest.raises(rules.ReturnExceedsSold):
            rules.take_back([rules.SoldLine(1, "A", 2, 0, 500)], {"B": 1})


class TestRefunds:
    def test_card_gets_its_money_back_before_cash(self):
        tenders = [rules.PaidTender(1, "cash", 1000, 0), rules.PaidTender(2, "card", 700, 0)]
        assert [(t.type, a) for t, a in rules.allocate_refund(1200, tenders)] == [("card", 700), ("cash", 500)]

    @given(st.lists(st.tuples(st.sampled_from(["cash", "card", "store_credit"]), st.integers(0, 5000),
                              st.integers(0, 5000)), min_size=1, max_size=4), st.integers(0, 20000))
    def test_no_tender_ever_gets_more_than_it_has_left(self, raw, amount):
        tenders = [rules.PaidTender(n, kind, paid, min(refunded, paid)) for n, (kind, paid, refunded) in enumerate(raw)]
        try:
            allocation = rules.allocate_refund(amount, tenders)
        except InvalidInput:
            assert amount > sum(t.paid - t.refunded for t in tenders)
            return
        assert sum(a for _, a in allocation) == amount
        assert all(0 < a <= t.paid - t.refunded for t, a in allocation)


class TestDisposition:
    @pytest.mark.parametrize("disposition, movement", [(Disposition.RESTOCK, Movement(on_hand=2)),
                                                       (Disposition.DAMAGED, Movement(damaged=2)),
                                                       (Disposition.WRITE_OFF, Movement())])
    def test_each_disposition_moves_stock_its_own_way(self, disposition, movement):
        assert rules.return_stock(Levels(1, 0, 0), 2, disposition)[0] == movement


tender_kinds = st.sampled_from(["cash", "card", "store_credit"])
paid_tenders = st.lists(st.tuples(tender_kinds, st.integers(1, 5000)), min_size=1, max_size=4).map(
    lambda raw: [rules.PaidTender(n, kind, paid, 0) for n, (kind, paid) in enumerate(raw, 1)])


class TestWhereTheRefundGoes:
    def test_store_credit_when_the_customer_asks_for_it(self):
        tenders = [rules.PaidTender(1, "card", 700, 0)]
        assert rules.refund(500, "store_credit", tenders, online_order=False) == [
            rules.RefundPart("store_credit", None, 500)]

    def test_an_online_order_paid_online_goes_back_through_head_office(self):
        assert rules.refund(500, "original", [], online_order=True) == [rules.RefundPart("online", None, 500)]

    def test_a_return_without_tenders_to_go_back_to_is_paid_in_cash(self):
        assert rules.refund(500, "original", [], online_order=False) == [rules.RefundPart("cash", None, 500)]

    def test_a_receipt_is_refunded_to_its_own_tenders_card_first(self):
        tenders = [rules.PaidTender(1, "cash", 1000, 0), rules.PaidTender(2, "card", 700, 0)]
        assert rules.refund(900, "original", tenders, online_order=False) == [
            rules.RefundPart("card", 2, 700), rules.RefundPart("cash", 1, 200)]

    @given(paid_tenders, st.lists(st.integers(1, 3000), min_size=1, max_size=6))
    def test_returns_one_after_another_never_give_a_tender_more_than_it_paid(self, tenders, amounts):
        """Each refund adds up to its return's total; cash gets money only once card has none left to take."""
        for amount in amounts:
            left = sum(t.paid - t.refunded for t in tenders)
            if amount > left:
                with pytest.raises(InvalidInput):
                    rules.refund(amount, "original", tenders, online_order=False)
                continue
            parts = rules.refund(amount, "original", tenders, online_order=False)
            assert sum(p.amount for p in parts) == amount
            given_to = {p.n: p.amount for p in parts}
            for t in tenders:
                assert given_to.get(t.n, 0) <= t.paid - t.refunded
            if any(p.tender == "cash" for p in parts):
                assert all(t.paid - t.refunded == given_to.get(t.n, 0) for t in tenders if t.type == "card")
            tenders = [rules.PaidTender(t.n, t.type, t.paid, t.refunded + given_to.get(t.n, 0)) for t in tenders]
        assert all(t.refunded <= t.paid for t in tenders)
