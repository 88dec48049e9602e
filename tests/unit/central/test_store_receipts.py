"""A walk-in receipt as the network knows it: units and money back per line and tender, and conflicts."""

from central.domain.store_receipts import (
    PaidTender,
    ReturnOfReceipt,
    SoldLine,
    receipt_state,
)

LINES = [SoldLine("MUG", 2, 890), SoldLine("TEA", 1, 499), SoldLine("MUG", 1, 790)]
TENDERS = [PaidTender("card", 2000), PaidTender("cash", 1069)]


def test_a_receipt_nothing_came_back_of():
    state = receipt_state(LINES, TENDERS, [])
    assert (state.returned, state.refunded, state.conflicts) == ((0, 0, 0), (0, 0), ())


def test_units_come_back_earliest_line_first_and_money_to_its_tenders():
    returns = [ReturnOfReceipt("S002-R000001", (("MUG", 3),), (("card", 2000), ("cash", 570))),
               ReturnOfReceipt("S001-R000004", (("TEA", 1),), (("cash", 499),))]
    state = receipt_state(LINES, TENDERS, returns)
    assert state.returned == (2, 1, 1)
    assert state.refunded == (2000, 1069)
    assert state.conflicts == ()


def test_store_credit_issued_for_a_return_takes_nothing_from_the_sales_tenders():
    state = receipt_state(LINES, TENDERS, [ReturnOfReceipt("R1", (("TEA", 1),), (("store_credit", 499),))])
    assert state.refunded == (0, 0)


def test_units_returned_twice_by_two_offline_stores_are_applied_and_named_as_a_conflict():
    returns = [ReturnOfReceipt("S001-R000001", (("TEA", 1),), (("cash", 499),)),
               ReturnOfReceipt("S002-R000001", (("TEA", 1),), (("cash", 499),))]
    state = receipt_state(LINES, TENDERS, returns)
    assert state.returned == (0, 2, 0)
    [(number, conflict)] = state.conflicts
    assert number == "S002-R000001"
    assert (conflict.sku, conflict.sold, conflict.returned_before, conflict.excess) == ("TEA", 1, 1, 1)
