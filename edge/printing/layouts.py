"""Layouts of the counter documents: a document and a column count in, printable commands out (no I/O).

32 columns fit 58 mm paper and 48 columns 80 mm paper (font A); every text line is at most `columns` long,
long names wrap, and any Unicode text is passed through for the renderer's code page to carry.
"""

from edge.printing.commands import (
    Barcode,
    Command,
    Cut,
    Feed,
    QrCode,
    Text,
    lines,
    money,
    rate,
    rule,
    two_columns,
    wrap,
)
from edge.printing.documents import (
    BagTag,
    CollectionReceipt,
    CreditNote,
    EndOfDaySummary,
    ItemLine,
    PackingSlip,
    PickList,
    ReturnReceipt,
    SaleReceipt,
    StoreHeader,
    TaxIncluded,
    TenderLine,
    TestPage,
    TransferSlip,
    address_lines,
)

COLUMNS_58MM = 32
COLUMNS_80MM = 48


def columns_for_width(width_mm: int) -> int:
    return COLUMNS_58MM if width_mm <= 58 else COLUMNS_80MM


def moment(text: str) -> str:
    """RFC 3339 as a receipt shows it: the store's wall-clock "2026-03-02T10:00:00+01:00" → "2026-03-02 10:00";
    a UTC time says so: "2026-03-02T09:00:00.000Z" → "2026-03-02 09:00 UTC"."""
    if len(text) >= 16 and text[10] == "T":
        return f"{text[:10]} {text[11:16]}" + (" UTC" if text.endswith("Z") else "")
    return text


def sale_receipt(doc: SaleReceipt, columns: int) -> list[Command]:
    out = _header(doc.header, columns)
    out += lines(two_columns("Receipt", doc.receipt_number, columns), bold=True)
    out += _when_and_who(doc.occurred_at, doc.cashier, columns)
    out.append(rule(columns))
    for line in doc.lines:
        out += lines(wrap(line.name, columns))
        qty = f"  {line.qty} x {money(line.unit_price, doc.currency)}"
        out += lines(two_columns(qty, money(line.line_total, doc.currency), columns))
        if line.catalog_price is not None:
            note = f"price changed from {money(line.catalog_price, doc.currency)}"
            note += f": {line.override_reason}" if line.override_reason else ""
            out += lines(["  " + text for text in wrap(note, columns - 2)])
    out.append(rule(columns))
    out += lines(two_columns(f"TOTAL {doc.currency}", money(doc.total, doc.currency), columns), bold=True,
                 big=True)
    out += _taxes(doc.taxes, doc.currency, columns)
    out.append(rule(columns))
    out += _tenders(doc.tenders, doc.currency, columns)
    if doc.change_due:
        out += lines(two_columns("Change", money(doc.change_due, doc.currency), columns), bold=True)
    out += [Feed(), Barcode(doc.receipt_number)]
    return out + _footer(doc.header, columns)


def return_receipt(doc: ReturnReceipt, columns: int) -> list[Command]:
    out = _header(doc.header, columns)
    out += lines(two_columns("RETURN", doc.return_number, columns), bold=True)
    if doc.original_receipt:
        out += lines(two_columns("Original receipt", doc.original_receipt, columns))
    out += _when_and_who(doc.occurred_at, None, columns)
    out.append(rule(columns))
    for line in doc.lines:
        out += lines(wrap(line.name, columns))
        out += lines(two_columns(f"  {line.qty} returned", money(-line.refund, doc.currency), columns))
        if line.reason:
            out += lines(["  " + text for text in wrap(f"reason: {line.reason}", columns - 2)])
    out.append(rule(columns))
    out += lines(two_columns(f"REFUND {doc.currency}", money(doc.total_refund, doc.currency), columns), bold=True,
                 big=True)
    out += _tenders(doc.refunds, doc.currency, columns)
    out += [Feed(), Barcode(doc.return_number)]
    return out + lines(["", "Customer signature:", "", "_" * min(columns, 32)]) + _footer(doc.header, columns)


def credit_note(doc: CreditNote, columns: int) -> list[Command]:
    out = _header(doc.header, columns)
    out += lines(wrap("CREDIT NOTE", columns), align="center", bold=True, big=True)
    out += lines(two_columns("Number", doc.number, columns), bold=True)
    out += lines(two_columns(f"VALUE {doc.currency}", money(doc.amount, doc.currency), columns), bold=True, big=True)
    out += lines(two_columns("Issued", moment(doc.occurred_at), columns))
    out += lines(two_columns("Valid until", moment(doc.expires_at) if doc.expires_at else "no expiry", columns))
    out += lines(two_columns("For return", doc.return_number, columns))
    out.append(rule(columns))
    out += lines(wrap(f"Spend it at any store of {doc.header.name} while head office can be reached; keep this "
                      "note until its whole value is used.", columns))
    out += [Feed(), QrCode(doc.number, size=6 if columns >= COLUMNS_80MM else 5), Barcode(doc.number)]
    return out + _footer(doc.header, columns)


def collection_receipt(doc: CollectionReceipt, columns: int) -> list[Command]:
    out = _header(doc.header, columns)
    out += lines(wrap("ONLINE ORDER COLLECTED", columns), align="center", bold=True)
    out += lines(two_columns("Order", doc.order_number, columns), bold=True)
    out += lines(wrap(f"Customer: {doc.customer_name}", columns))
    out += _when_and_who(doc.collected_at, None, columns)
    out.append(rule(columns))
    out += _items(doc.lines, columns)
    out.append(rule(columns))
    if doc.receipt_token:
        out += lines(wrap("Your receipt (scan to view):", columns), align="center")
        out.append(QrCode(doc.receipt_token, size=4 if columns < COLUMNS_80MM else 5))
    else:
        out.append(Barcode(doc.order_number))
    return out + _footer(doc.header, columns)


def bag_tag(doc: BagTag, columns: int) -> list[Command]:
    out: list[Command] = lines(wrap(doc.store_name, columns), align="center")
    out += lines(wrap("PICKUP", columns), align="center", bold=True, big=True)
    out += lines(wrap(doc.order_number, columns), align="center", bold=True, big=True)
    out.append(rule(columns, "="))
    out += lines(wrap(doc.customer_name, columns), bold=True, big=True)
    out += lines(two_columns("Items", str(doc.items), columns))
    out += lines(two_columns("Pick up by", moment(doc.pickup_by), columns), bold=True)
    out += [Feed(), QrCode(doc.code, size=6 if columns >= COLUMNS_80MM else 5)]
    out += lines(wrap(doc.code, columns), align="center")
    return out + [Feed(2), Cut()]


def pick_list(doc: PickList, columns: int) -> list[Command]:
    out: list[Command] = lines(wrap(f"PICK LIST ({doc.fulfilment})" if doc.fulfilment else "PICK LIST", columns),
                               align="center", bold=True, big=True)
    out += lines(two_columns("Order", doc.order_number, columns), bold=True)
    out += lines(wrap(f"Customer: {doc.customer_name}", columns))
    if doc.created_at:
        out += lines(two_columns("Printed", moment(doc.created_at), columns))
    out.append(rule(columns))
    for line in doc.lines:
        out += lines(two_columns(f"[ ] {line.sku}", f"x{line.qty}", columns), bold=True)
        out += lines(["    " + text for text in wrap(line.name, columns - 4)])
    out.append(rule(columns))
    out += lines(two_columns("Units", str(sum(line.qty for line in doc.lines)), columns))
    out += [Feed(), Barcode(doc.order_number), Feed(2), Cut()]
    return out


def packing_slip(doc: PackingSlip, columns: int) -> list[Command]:
    out = _header(doc.header, columns)
    out += lines(wrap("PACKING SLIP", columns), align="center", bold=True, big=True)
    out += lines(two_columns("Order", doc.order_number, columns), bold=True)
    if doc.packed_at:
        out += lines(two_columns("Packed", moment(doc.packed_at), columns))
    out.append(rule(columns))
    out += lines(wrap("Ship to:", columns), bold=True)
    for text in address_lines(doc.ship_to, columns - 2):
        out += lines(["  " + text])
    out.append(rule(columns))
    out += _items(doc.lines, columns)
    out.append(rule(columns))
    out += lines(two_columns("Units", str(sum(line.qty for line in doc.lines)), columns))
    out += lines(two_columns("Parcels", str(doc.parcels), columns))
    out += [Feed(), Barcode(doc.order_number)]
    return out + _footer(doc.header, columns)


def transfer_slip(doc: TransferSlip, columns: int) -> list[Command]:
    out = _header(doc.header, columns)
    out += lines(wrap("TRANSFER SLIP", columns), align="center", bold=True, big=True)
    out += lines(wrap(doc.transfer_id, columns), align="center", bold=True)
    if doc.reference:
        out += lines(two_columns("Reference", doc.reference, columns))
    if doc.shipped_at:
        out += lines(two_columns("Shipped", moment(doc.shipped_at), columns))
    out.append(rule(columns))
    out += lines(wrap(f"To: {doc.to_name} ({doc.to_node})" if doc.to_name else f"To: {doc.to_node}", columns),
                 bold=True)
    for text in address_lines(doc.ship_to, columns - 2) if doc.ship_to else []:
        out += lines(["  " + text])
    if doc.carrier or doc.tracking_number:
        out += lines(wrap(" ".join(p for p in (doc.carrier, doc.tracking_number) if p), columns))
    out.append(rule(columns))
    out += _items(doc.lines, columns)
    out.append(rule(columns))
    out += lines(two_columns("Units shipped", str(sum(line.qty for line in doc.lines)), columns), bold=True)
    if doc.short:
        out += lines(wrap("Not shipped (short):", columns))
        out += _items(doc.short, columns)
    out += lines(["", "Received by:", "", "_" * min(columns, 32)])
    out += [Feed(), QrCode(doc.transfer_id, size=6 if columns >= COLUMNS_80MM else 5)]
    return out + [Feed(2), Cut()]


def end_of_day(doc: EndOfDaySummary, columns: int) -> list[Command]:
    out = _header(doc.header, columns)
    out += lines(wrap("END OF DAY", columns), align="center", bold=True, big=True)
    out += lines(two_columns("Business day", doc.business_date, columns))
    if doc.printed_at:
        out += lines(two_columns("Printed", moment(doc.printed_at), columns))
    out.append(rule(columns))
    out += lines(two_columns(f"Sales ({doc.sales_count})", money(doc.sales_total, doc.currency), columns))
    out += lines(two_columns(f"Returns ({doc.returns_count})", money(-doc.returns_total, doc.currency), columns))
    out += lines(two_columns(f"NET {doc.currency}", money(doc.sales_total - doc.returns_total, doc.currency),
                             columns), bold=True)
    out += _taxes(doc.taxes, doc.currency, columns)
    out.append(rule(columns))
    out += lines(wrap("Tenders", columns), bold=True)
    out += _tenders(doc.tenders, doc.currency, columns)
    out.append(rule(columns))
    return out + [Feed(2), Cut()]


def test_page(doc: TestPage, columns: int) -> list[Command]:
    out: list[Command] = lines(wrap("TEST PAGE", columns), align="center", bold=True, big=True)
    out += lines(two_columns("Printer", doc.printer, columns))
    out += lines(two_columns("Target", doc.target, columns))
    out += lines(two_columns("Profile", doc.profile, columns))
    out += lines(two_columns("Columns", str(columns), columns))
    out += lines(two_columns("Printed", moment(doc.printed_at), columns))
    out.append(Text(("0123456789" * (columns // 10 + 1))[:columns]))
    out += lines(wrap(doc.sample, columns))
    out += [Barcode("TEST-0123"), QrCode(f"omnistore test page {doc.printer}", size=4), Feed(2), Cut()]
    return out


test_page.__test__ = False  # a layout, not a test


def _header(header: StoreHeader, columns: int) -> list[Command]:
    out = lines(wrap(header.name, columns), align="center", bold=True, big=True)
    for text in header.address:
        out += lines(wrap(text, columns), align="center")
    if header.tax_id:
        out += lines(wrap(f"VAT ID {header.tax_id}", columns), align="center")
    out += lines(wrap(f"Store {header.store_id}", columns), align="center")
    return out + [rule(columns)]


def _footer(header: StoreHeader, columns: int) -> list[Command]:
    out: list[Command] = [Feed()]
    for text in header.footer:
        out += lines(wrap(text, columns), align="center")
    return out + [Feed(2), Cut()]


def _when_and_who(at: str, cashier: str | None, columns: int) -> list[Command]:
    if not at and not cashier:
        return []
    return lines(two_columns(moment(at), f"Cashier {cashier}" if cashier else "", columns))


def _taxes(taxes: tuple[TaxIncluded, ...], currency: str, columns: int) -> list[Command]:
    out: list[Command] = []
    if any(tax.tax for tax in taxes):
        out += lines(wrap("Tax included:", columns))
    for tax in taxes:
        if tax.tax:
            label = f"  {rate(tax.rate_bp)} of {money(tax.gross, currency)}"
            out += lines(two_columns(label, money(tax.tax, currency), columns))
    return out


def _tenders(tenders: tuple[TenderLine, ...], currency: str, columns: int) -> list[Command]:
    out: list[Command] = []
    for tender in tenders:
        label = tender.type.replace("_", " ").capitalize()
        label += f" {tender.reference}" if tender.reference else ""
        out += lines(two_columns(label, money(tender.amount, currency), columns))
    return out


def _items(items: tuple[ItemLine, ...], columns: int) -> list[Command]:
    out: list[Command] = []
    for item in items:
        out += lines(two_columns(item.name, f"x{item.qty}", columns))
    return out
