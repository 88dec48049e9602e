"""The takings of one business day from the day's receipts and returns: what the end-of-day summary prints."""

from edge.printing.documents import (
    EndOfDaySummary,
    StoreHeader,
    TaxIncluded,
    TenderLine,
)


def summarize(header: StoreHeader, business_date: str, currency: str, sales: list[dict], returns: list[dict],
              printed_at: str = "") -> EndOfDaySummary:
    """Counts and amounts of sales and returns, tax included per rate (of the sales), and what each tender type
    took net: tendered, less the change given from cash, less what returns refunded to it."""
    net: dict[str, int] = {}
    for sale in sales:
        for tender in sale.get("tenders", []):
            net[tender["type"]] = net.get(tender["type"], 0) + tender["amount"]
        if sale.get("change_due"):
            net["cash"] = net.get("cash", 0) - sale["change_due"]
    for ret in returns:
        for refund in ret.get("refunds", []):
            net[refund["tender"]] = net.get(refund["tender"], 0) - refund["amount"]
    taxes: dict[int, tuple[int, int]] = {}
    for sale in sales:
        for tax in sale.get("tax_included", []):
            gross, amount = taxes.get(tax["rate_bp"], (0, 0))
            taxes[tax["rate_bp"]] = (gross + tax["gross"], amount + tax["tax"])
    return EndOfDaySummary(
        header=header, business_date=business_date, currency=currency,
        sales_count=len(sales), sales_total=sum(sale["total"] for sale in sales),
        returns_count=len(returns), returns_total=sum(ret.get("refund_total", 0) for ret in returns),
        tenders=tuple(TenderLine(kind, amount) for kind, amount in sorted(net.items())),
        taxes=tuple(TaxIncluded(rate, gross, tax) for rate, (gross, tax) in sorted(taxes.items())),
        printed_at=printed_at)
