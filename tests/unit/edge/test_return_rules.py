"""Pure return rules: never more than sold minus returned, refunds card before cash within what each paid."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain import returns as rules
from edge.domain.stock import Levels, Movement
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
        except rules.ReturnRuleBroken:
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
