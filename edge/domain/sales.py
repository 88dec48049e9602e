"""Rules of a walk-in sale (DESIGN §3, §5, §6): line totals, the tax included per rate, whether the
tenders cover the total and the change due, and what selling does to a SKU's levels.

Money is integer minor units; prices include tax.
"""

from dataclasses import dataclass

from edge.domain.money import money
from edge.domain.stock import Levels, Movement
from shared.contract.models import MAX_AMOUNT, MAX_QTY

CASH, CARD, STORE_CREDIT = "cash", "card", "store_credit"


class SaleRuleBroken(ValueError):
    """A sale that cannot be recorded as asked; the message says what to change."""


class TendersDoNotCover(SaleRuleBroken):
    """The tenders do not add up to the total in an acceptable way."""


@dataclass(frozen=True)
class PricedLine:
    sku: str
    qty: int
    unit_price: int
    tax_rate_bp: int
    catalog_price: int

    @property
    def line_total(self) -> int:
        return self.qty * self.unit_price

    @property
    def overridden(self) -> bool:
        return self.unit_price != self.catalog_price


@dataclass(frozen=True)
class TaxLine:
    rate_bp: int
    gross: int
    tax: int


@dataclass(frozen=True)
class TenderIn:
    type: str
    amount: int
    reference: str | None = None


def tax_included(gross: int, rate_bp: int) -> int:
    """The tax inside a tax-inclusive amount, rounded half up to a minor unit."""
    if rate_bp <= 0 or gross == 0:
        return 0
    numerator, denominator = gross * rate_bp, 10_000 + rate_bp
    return (2 * numerator + denominator) // (2 * denominator)


def taxes(lines: list[PricedLine]) -> list[TaxLine]:
    """Tax included per rate: each rate's gross is summed first, then its tax rounded once (as receipts show it)."""
    gross: dict[int, int] = {}
    for line in lines:
        gross[line.tax_rate_bp] = gross.get(line.tax_rate_bp, 0) + line.line_total
    return [TaxLine(rate, amount, tax_included(amount, rate)) for rate, amount in sorted(gross.items())]


def check_lines(lines: list[PricedLine]) -> int:
    """The sale's total; at least one line, every quantity and price sensible."""
    if not lines:
        raise SaleRuleBroken("A sale needs at least one line; scan an item.")
    for line in lines:
        if not 0 < line.qty <= MAX_QTY:
            raise SaleRuleBroken(f"The quantity of {line.sku} must be 1 to {MAX_QTY}; {line.qty} was given.")
        if line.unit_price < 0:
            raise SaleRuleBroken(f"The price of {line.sku} cannot be negative.")
    total = sum(line.line_total for line in lines)
    if total > MAX_AMOUNT:
        raise SaleRuleBroken(f"A total of {total} is more than one sale can take ({MAX_AMOUNT}); check the "
                             "quantities and prices, or split the sale.")
    return total


def settle(total: int, tenders: list[TenderIn]) -> int:
    """The change due in cash; `TendersDoNotCover` unless the tenders pay exactly the total, cash aside.

    Change only ever comes from cash the customer handed over: card and store credit together never exceed what is
    left to pay (they would have to be refunded at once), and cash is refused when the other tenders already cover
    the total (all of it would come back as change). A card's terminal reference is optional (entered or scanned when
    the terminal gives one); a store credit note's number is not.
    """
    for tender in tenders:
        if tender.amount <= 0:
            raise TendersDoNotCover(f"A {tender.type} tender must be more than 0; {tender.amount} was given.")
        if tender.type not in (CASH, CARD, STORE_CREDIT):
            raise TendersDoNotCover(f"{tender.type!r} is not a tender; use cash, card or store_credit.")
        if tender.type == STORE_CREDIT and not tender.reference:
            raise TendersDoNotCover("A store credit payment needs the credit note's number as reference.")
    non_cash = sum(t.amount for t in tenders if t.type != CASH)
    cash = sum(t.amount for t in tenders if t.type == CASH)
    if non_cash > total:
        raise TendersDoNotCover(f"Card and store credit come to {money(non_cash)}, more than the {money(total)} "
                                "to pay; only cash can be overpaid.")
    for n, tender in enumerate(tenders):
        others = sum(t.amount for i, t in enumerate(tenders) if i != n)
        if tender.type == CASH and others >= total:
            raise TendersDoNotCover(f"The other tenders already pay the {money(total)}; the cash of "
                                    f"{money(tender.amount)} would all come back as change. Leave the cash out.")
    if non_cash + cash < total:
        raise TendersDoNotCover(f"The tenders come to {money(non_cash + cash)}, short of the {money(total)} to pay "
                                f"by {money(total - non_cash - cash)}.")
    return non_cash + cash - total


def approvals_needed(lines: list[PricedLine], from_reserved: dict[str, int], names: dict[str, str]) -> list[str]:
    """Why a manager must approve this sale, in the words an associate reads out; empty when nobody needs to.

    A price other than the catalog's, and units promised to customer orders (`from_reserved` per SKU)."""
    reasons = []
    for line in lines:
        if line.overridden:
            reasons.append(f"A manager must approve this price: {names.get(line.sku, line.sku)} at "
                           f"{money(line.unit_price)} instead of {money(line.catalog_price)}.")
    for sku, units in from_reserved.items():
        if units:
            it, them = ("it is", "it") if units == 1 else ("they are", "them")
            reasons.append(f"{units} of {names.get(sku, sku)}: {it} promised to online orders or transfers; a "
                           f"manager must approve selling {them}.")
    return reasons


@dataclass(frozen=True)
class SaleStock:
    """What selling `qty` units does to a SKU: the new levels, how many units came out of reservations
    (needs a manager, puts fulfilments at risk), and whether the books went impossible (a discrepancy)."""

    movement: Movement
    levels: Levels
    from_reserved: int
    discrepancy: bool


def sell(levels: Levels, qty: int) -> SaleStock:
    """Never refused: the customer has the goods in hand, the books catch up (DESIGN §5)."""
    free = max(0, levels.on_hand - levels.reserved)
    from_reserved = min(levels.reserved, max(0, qty - free))
    movement = Movement(on_hand=-qty)
    after = movement.applied_to(levels)
    return SaleStock(movement, after, from_reserved, discrepancy=after.on_hand < 0)
