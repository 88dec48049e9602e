"""Returns of online orders at the stores, as central sees them (DESIGN §6).

A store checks a return against what it knows; two stores offline at once can each refund the same
line. Central applies every return (the money is gone) and flags each unit refunded beyond what the
order sold minus what was already returned as a `refund_conflict`.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RefundConflict:
    line_no: int         # the line of the return, from 0
    sku: str
    qty: int             # units this return line refunded
    sold: int            # units of the SKU the order handed over or is handing over
    returned_before: int  # units of it returned before this line
    excess: int          # units refunded beyond sold − returned before

    def as_detail(self) -> dict:
        return {"line_no": self.line_no, "sku": self.sku, "qty": self.qty, "sold": self.sold, "returned_before": self.returned_before,
                "excess": self.excess}


def refund_conflicts(sold: Mapping[str, int], returned: Mapping[str, int],
                     lines: Iterable[tuple[str, int]]) -> list[RefundConflict]:
    """The lines of one return (in order) that go beyond what is left to return; lines of the same SKU
    within the return count against each other too."""
    so_far = dict(returned)
    conflicts = []
    for line_no, (sku, qty) in enumerate(lines):
        before = so_far.get(sku, 0)
        left = max(0, sold.get(sku, 0) - before)
        if qty > left:
            conflicts.append(RefundConflict(line_no, sku, qty, sold.get(sku, 0), before, qty - left))
        so_far[sku] = before + qty
    return conflicts


def return_flag(sold: Mapping[str, int], returned: Mapping[str, int]) -> str | None:
    """`returned` once every sold unit came back, `partially_returned` when some did, else None."""
    if not any(returned.values()):
        return None
    if all(returned.get(sku, 0) >= qty for sku, qty in sold.items()):
        return "returned"
    return "partially_returned"
