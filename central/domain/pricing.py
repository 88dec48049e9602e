"""An online order's prices and payment (DESIGN §6 "Returns"), as pure rules.

Prices come from central's catalog at the moment the order is placed and are kept with the order, so
a later price change never alters what the customer paid; the receipt token signs exactly those figures.
"""

from dataclasses import dataclass

from central.domain.errors import MixedCurrencies, PaymentMismatch
from shared.contract.errors import AmountTooLarge
from shared.contract.models import MAX_AMOUNT

ONLINE_TENDER = "online"


@dataclass(frozen=True)
class Sale:
    currency: str
    lines: list[dict]   # [{sku, qty, unit_price}], in the order's line order
    total: int          # minor units
    paid: list[dict]    # [{tender, amount, reference?}]


def price(lines: list[dict], catalog: dict[str, tuple[int, str]], payment: dict | None) -> Sale:
    """The order's lines at catalog prices (`catalog`: sku → (price, currency)) and what paid for it.

    Without a `payment` the whole total is paid online; with one, its amount must be the total."""
    currencies = {line["sku"]: catalog[line["sku"]][1] for line in lines}
    if len(set(currencies.values())) > 1:
        by_currency = ", ".join(f"{sku} in {currency}" for sku, currency in sorted(currencies.items()))
        raise MixedCurrencies(f"One order is paid in one currency, but its products are priced {by_currency}; "
                              "place one order per currency or fix the catalog.",
                              currencies=sorted(set(currencies.values())))
    priced = [{"sku": line["sku"], "qty": line["qty"], "unit_price": catalog[line["sku"]][0]} for line in lines]
    total = sum(line["qty"] * line["unit_price"] for line in priced)
    currency = next(iter(currencies.values()))
    if total > MAX_AMOUNT:
        raise AmountTooLarge(f"The order's total of {total} {currency} (minor units) is more than one order may "
                             f"carry ({MAX_AMOUNT}); check the quantities, or split the order.", total=total)
    if payment is None:
        return Sale(currency, priced, total, [{"tender": ONLINE_TENDER, "amount": total}])
    if payment["amount"] != total:
        raise PaymentMismatch(f"The payment of {payment['amount']} does not match the order's total of {total} "
                              f"{currency} (minor units) at today's catalog prices; charge the total, or leave "
                              "`payment` out.", total=total, currency=currency, amount=payment["amount"])
    paid = {"tender": payment["tender"], "amount": payment["amount"]}
    if payment.get("reference"):
        paid["reference"] = payment["reference"]
    return Sale(currency, priced, total, [paid])
