"""Rules of a return (DESIGN §6): never more than sold minus already returned; what each unit refunds;
which tenders the money goes back to (card before cash, never more to a tender than it paid); and what
the disposition does to stock."""

from dataclasses import dataclass

from edge.domain.errors import CurrencyMismatch, RefundMismatch, ReturnExceedsSold
from edge.domain.money import money
from edge.domain.stock import Levels, Movement
from shared.contract.errors import InvalidInput
from shared.contract.models import Disposition

# Card first (the money goes back where it came from without the drawer), then store credit, cash last.
REFUND_ORDER = {"card": 0, "store_credit": 1, "cash": 2}


@dataclass(frozen=True)
class SoldLine:
    line_no: int
    sku: str
    qty: int
    returned: int
    unit_price: int


@dataclass(frozen=True)
class ReturnedPart:
    """Units of one receipt line coming back, and the money they refund."""

    line_no: int
    sku: str
    qty: int
    refund: int


@dataclass(frozen=True)
class PaidTender:
    n: int
    type: str
    paid: int
    refunded: int


def take_back(sold: list[SoldLine], asked: dict[str, int]) -> list[ReturnedPart]:
    """Which receipt lines the asked units come from (earliest line first) and their refund at the price paid."""
    parts = []
    for sku, qty in asked.items():
        if qty <= 0:
            raise InvalidInput(f"A return of {sku} must be at least one unit; {qty} was given.")
        lines = [line for line in sold if line.sku == sku]
        left = sum(line.qty - line.returned for line in lines)
        if not lines:
            raise ReturnExceedsSold(f"{sku} is not on this receipt; check the item, or return it without a receipt.")
        if qty > left:
            raise ReturnExceedsSold(f"This receipt sold {sum(line.qty for line in lines)} of {sku} and "
                                    f"{sum(line.qty for line in lines) - left} came back already: at most {left} "
                                    f"can be returned, not {qty}.")
        for line in lines:
            take = min(qty, line.qty - line.returned)
            if take > 0:
                parts.append(ReturnedPart(line.line_no, sku, take, take * line.unit_price))
                qty -= take
    return parts


def allocate_refund(amount: int, tenders: list[PaidTender]) -> list[tuple[PaidTender, int]]:
    """Split a refund over the sale's tenders: card before store credit before cash, never more to a tender
    than it paid minus what it already got back."""
    allocation, left = [], amount
    for tender in sorted(tenders, key=lambda t: (REFUND_ORDER.get(t.type, 9), t.n)):
        give = min(left, tender.paid - tender.refunded)
        if give > 0:
            allocation.append((tender, give))
            left -= give
    if left:
        raise InvalidInput(f"The receipt's tenders have only {amount - left} left to refund, not {amount}.")
    return allocation


@dataclass(frozen=True)
class RefundPart:
    """Money going back: to a tender of the sale (`n`, its place on the receipt), or elsewhere (`n` None)."""

    tender: str
    n: int | None
    amount: int


def refund(amount: int, refund_to: str, tenders: list[PaidTender], *, online_order: bool) -> list[RefundPart]:
    """Where a return's money goes: store credit when the customer asks for it; otherwise back to the sale's
    tenders (allocate_refund); an online order with no tenders known here through head office ("online"); a
    return without tenders to go back to (no receipt) in cash."""
    if refund_to == "store_credit":
        return [RefundPart("store_credit", None, amount)]
    if not tenders:
        return [RefundPart("online" if online_order else "cash", None, amount)]
    return [RefundPart(t.type, t.n, give) for t, give in allocate_refund(amount, tenders)]


def return_stock(levels: Levels, qty: int, disposition: Disposition) -> tuple[Movement, Levels]:
    """restock: back on the shelf; damaged: into the damaged pile; write_off: thrown away (no level moves)."""
    if disposition is Disposition.RESTOCK:
        movement = Movement(on_hand=qty)
    elif disposition is Disposition.DAMAGED:
        movement = Movement(damaged=qty)
    else:
        movement = Movement()
    return movement, movement.applied_to(levels)


def refuse_other_currency(receipt_number: str, store_id: str, paid_in: str, refunds_in: str) -> None:
    """Another store's receipt comes back here only when it was paid in the currency this store refunds in."""
    if paid_in != refunds_in:
        raise CurrencyMismatch(f"Receipt {receipt_number} was paid in {paid_in} at store {store_id}; this store "
                               f"refunds in {refunds_in}. Return it at a store that sells in {paid_in}.",
                               receipt_number=receipt_number)


def check_confirmed(refund_total: int, confirmed: int | None, currency: str) -> None:
    """The counter showed the associate a refund and the associate confirmed it: the return pays exactly that, or
    nothing (None: a client that shows no amount)."""
    if confirmed is not None and confirmed != refund_total:
        raise RefundMismatch(f"This return refunds {money(refund_total, currency)} {currency}, not the "
                             f"{money(confirmed, currency)} {currency} confirmed at the counter; nothing was refunded. "
                             "Check the lines and confirm the amount again.", refund_total=refund_total,
                             confirmed_refund=confirmed)
