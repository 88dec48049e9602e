"""Pure sale rules: totals, tax included per rate, tenders and change, and what a sale does to stock."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.sales import (
    PricedLine,
    SaleRuleBroken,
    TenderIn,
    TendersDoNotCover,
    check_lines,
    sell,
    settle,
    tax_included,
    taxes,
)
from edge.domain.stock import Levels
from shared.contract.tenders import paid_per_tender


def line(sku="A", qty=1, price=1000, rate=1900):
    return PricedLine(sku, qty, price, rate, price)


class TestTotalsAndTax:
    def test_the_tax_inside_a_price_is_rounded_half_up(self):
        assert tax_included(1190, 1900) == 190
        assert tax_included(1990, 1900) == 318  # 317.73
        assert tax_included(500, 0) == 0

    def test_tax_is_summed_per_rate_before_rounding(self):
        lines = [line("A", 2, 1990, 1900), line("B", 1, 890, 700), line("C", 1, 1990, 1900)]
        assert check_lines(lines) == 2 * 1990 + 890 + 1990
        assert [(t.rate_bp, t.gross, t.tax) for t in taxes(lines)] == [(700, 890, 58), (1900, 5970, 953)]

    def test_a_sale_needs_a_line(self):
        with pytest.raises(SaleRuleBroken):
            check_lines([])

    @given(st.integers(0, 10**9), st.integers(0, 10_000))
    def test_the_tax_included_is_never_more_than_the_amount(self, gross, rate):
        assert 0 <= tax_included(gross, rate) <= gross


class TestTenders:
    def test_cash_may_exceed_the_total_and_the_rest_is_change(self):
        assert settle(1990, [TenderIn("cash", 2000)]) == 10

    def test_card_plus_cash_covering_the_total_gives_change_from_cash_only(self):
        tenders = [TenderIn("card", 1000, "AUTH1"), TenderIn("cash", 1000)]
        assert settle(1990, tenders) == 10
        assert paid_per_tender(tenders, 10) == [1000, 990]

    def test_tenders_short_of_the_total_are_refused(self):
        with pytest.raises(TendersDoNotCover, match="short of the 19.90 to pay by 9.90"):
            settle(1990, [TenderIn("cash", 1000)])

    def test_a_card_may_not_pay_more_than_the_total(self):
        with pytest.raises(TendersDoNotCover, match="only cash"):
            settle(1990, [TenderIn("card", 2000, "AUTH")])

    def test_a_card_terminal_reference_is_optional(self):
        assert settle(1990, [TenderIn("card", 1990)]) == 0

    def test_cash_is_refused_when_the_card_already_pays_it_all(self):
        # The prefilled cash left beside a card: all of it would come back as change.
        with pytest.raises(TendersDoNotCover, match="would all come back as change"):
            settle(1199, [TenderIn("card", 1199), TenderIn("cash", 1199)])

    def test_a_second_cash_tender_the_first_already_covers_is_refused(self):
        with pytest.raises(TendersDoNotCover, match="would all come back as change"):
            settle(1000, [TenderIn("cash", 1000), TenderIn("cash", 500)])

    @given(st.integers(1, 10**6), st.lists(st.tuples(st.sampled_from(["cash", "card", "store_credit"]),
                                                     st.integers(1, 10**6)), max_size=4))
    def test_change_only_comes_from_cash_that_was_needed(self, total, raw):
        tenders = [TenderIn(kind, amount, "R") for kind, amount in raw]
        try:
            change = settle(total, tenders)
        except TendersDoNotCover:
            return
        cash = [t.amount for t in tenders if t.type == "cash"]
        assert change < min(cash, default=1)  # every cash tender paid part of the total
        assert sum(t.amount for t in tenders if t.type != "cash") <= total

    @given(st.integers(0, 10**6), st.lists(st.tuples(st.sampled_from(["cash", "card"]), st.integers(1, 10**6)),
                                             max_size=4))
    def test_what_tenders_paid_adds_up_to_the_total_whenever_accepted(self, total, raw):
        tenders = [TenderIn(kind, amount, "R") for kind, amount in raw]
        try:
            change = settle(total, tenders)
        except TendersDoNotCover:
            return
        paid = paid_per_tender(tenders, change)
        assert sum(paid) == total and all(0 <= p <= t.amount for p, t in zip(paid, tenders))


class TestSellingStock:
    def test_a_sale_from_free_stock_touches_no_reservation(self):
        result = sell(Levels(5, 2, 0), 3)
        assert (result.levels, result.from_reserved, result.discrepancy) == (Levels(2, 2, 0), 0, False)

    def test_selling_into_reserved_units_is_counted(self):
        assert sell(Levels(5, 3, 0), 4).from_reserved == 2

    def test_an_impossible_sale_is_recorded_with_a_discrepancy(self):
        result = sell(Levels(1, 0, 0), 3)
        assert result.levels.on_hand == -2 and result.discrepancy
