"""A walk-in receipt as the whole network knows it: what it sold, and what came back of it at any store.

The selling store checks its own returns; a return at another store is checked against this view, so it
needs central. Units returned beyond what the receipt sold (two stores offline at once) are applied all
the same — the money is gone — and listed as refund conflicts, as for online orders.
"""

from dataclasses import dataclass

from central.domain.returns import RefundConflict, refund_conflicts


@dataclass(frozen=True)
class SoldLine:
    sku: str
    qty: int
    unit_price: int


@dataclass(frozen=True)
class PaidTender:
    type: str
    paid: int


@dataclass(frozen=True)
class ReturnOfReceipt:
    return_number: str
    lines: tuple[tuple[str, int], ...]    # (sku, qty) in the order of the return
    refunds: tuple[tuple[str, int], ...]  # (tender, amount)


@dataclass(frozen=True)
class ReceiptState:
    returned: tuple[int, ...]   # per sold line: units back (earliest line of a SKU first)
    refunded: tuple[int, ...]   # per tender: money back (earliest tender of a type first)
    conflicts: tuple[tuple[str, RefundConflict], ...]  # (return_number, conflict)


def receipt_state(lines: list[SoldLine], tenders: list[PaidTender], returns: list[ReturnOfReceipt]) -> ReceiptState:
    returned = [0] * len(lines)
    refunded = [0] * len(tenders)
    conflicts = []
    sold: dict[str, int] = {}
    for line in lines:
        sold[line.sku] = sold.get(line.sku, 0) + line.qty
    back: dict[str, int] = {}
    for ret in returns:
        conflicts += [(ret.return_number, c) for c in refund_conflicts(sold, back, ret.lines)]
        for sku, qty in ret.lines:
            back[sku] = back.get(sku, 0) + qty
            _spread(qty, [i for i, line in enumerate(lines) if line.sku == sku], returned,
                    [line.qty for line in lines])
        for tender, amount in ret.refunds:
            # A refund to a tender the sale did not use (store credit issued) takes nothing from the sale's tenders.
            _spread(amount, [i for i, t in enumerate(tenders) if t.type == tender], refunded,
                    [t.paid for t in tenders])
    return ReceiptState(tuple(returned), tuple(refunded), tuple(conflicts))


def _spread(amount: int, slots: list[int], used: list[int], limits: list[int]) -> None:
    """Fill `used` at `slots` in order up to each limit; what is left lands on the last slot (a conflict)."""
    for n, i in enumerate(slots):
        take = amount if n == len(slots) - 1 else min(amount, max(0, limits[i] - used[i]))
        used[i] += take
        amount -= take
