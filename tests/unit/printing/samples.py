"""Documents the printing tests print: a German store, long and non-ASCII names, two tax rates, mixed tenders."""

from datetime import datetime, timezone

from edge.printing.documents import Address, ShippingLabel, StoreHeader, sale_receipt

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)

HEADER = StoreHeader("Müller & Söhne", "S001", ("Königstraße 12", "70173 Stuttgart"), tax_id="DE123456789")

LONG_NAME = "Wool jumper with an extraordinarily long descriptive name that never fits on one line"


def sale_body(lines: int = 2) -> dict:
    """A sale body as the sales API returns it; `lines` items after the two fixed ones."""
    items = [
        {"sku": "JUMPER-L", "name": LONG_NAME, "qty": 2, "unit_price": 4990, "tax_rate_bp": 1900,
         "line_total": 9980},
        {"sku": "MUG-01", "name": "Tasse Grüße aus Köln – café", "qty": 1, "unit_price": 700, "tax_rate_bp": 700,
         "line_total": 700, "override": {"catalog_price": 890, "reason": "chipped rim", "approved_by": "M1"}},
    ]
    items += [{"sku": f"SOCK-{n:03d}", "name": f"Socken Größe {n}", "qty": 1, "unit_price": 100, "tax_rate_bp": 1900,
               "line_total": 100} for n in range(lines - 2)]
    total = sum(item["line_total"] for item in items)
    return {"receipt_number": "S001-000042", "currency": "EUR", "lines": items, "total": total,
            "tenders": [{"type": "card", "amount": 10000, "reference": "****4242"},
                        {"type": "cash", "amount": total - 10000 + 320}],
            "change_due": 320, "occurred_at": "2026-03-02T09:00:00.000Z", "cashier": "A1"}


def receipt(lines: int = 2):
    return sale_receipt(sale_body(lines), HEADER)


def label() -> ShippingLabel:
    return ShippingLabel(
        ship_from=Address("Müller & Söhne ^S001~", ("Königstraße 12",), "Stuttgart", "70173", "DE"),
        ship_to=Address("Zoë Ångström", ("Rue de l'Église 3", "Apt_4"), "Paris", "75001", "FR"),
        carrier="DHL", tracking_number="JJD0001234567890", weight_g=1250, order_number="ORD-1001")
