"""What is printed, as plain values: one dataclass per document, built from the bodies the store already keeps.

The `from_*` builders accept the dicts the API returns (a sale body, a return body, a fulfilment assign) and
tolerate missing optional keys, so a document can always be printed from what was recorded.
"""

import dataclasses
import textwrap
from dataclasses import dataclass, field

from shared.runtime.clock import local_text


@dataclass(frozen=True)
class StoreHeader:
    """The top of every receipt: who sold it."""

    name: str
    store_id: str
    address: tuple[str, ...] = ()
    tax_id: str | None = None
    footer: tuple[str, ...] = ("Thank you for shopping with us",)
    timezone: str = "UTC"  # IANA name: the times on this store's papers are its wall-clock times


@dataclass(frozen=True)
class ReceiptLine:
    sku: str
    name: str
    qty: int
    unit_price: int
    tax_rate_bp: int
    line_total: int
    catalog_price: int | None = None  # set when the price was overridden
    override_reason: str | None = None


@dataclass(frozen=True)
class TaxIncluded:
    rate_bp: int
    gross: int
    tax: int


@dataclass(frozen=True)
class TenderLine:
    type: str
    amount: int
    reference: str | None = None


@dataclass(frozen=True)
class SaleReceipt:
    header: StoreHeader
    receipt_number: str
    currency: str
    lines: tuple[ReceiptLine, ...]
    total: int
    taxes: tuple[TaxIncluded, ...]
    tenders: tuple[TenderLine, ...]
    change_due: int
    occurred_at: str = ""
    cashier: str | None = None


@dataclass(frozen=True)
class ReturnReceiptLine:
    sku: str
    name: str
    qty: int
    reason: str
    refund: int


@dataclass(frozen=True)
class ReturnReceipt:
    header: StoreHeader
    return_number: str
    original_receipt: str | None
    currency: str
    lines: tuple[ReturnReceiptLine, ...]
    refunds: tuple[TenderLine, ...]
    occurred_at: str = ""

    @property
    def total_refund(self) -> int:
        return sum(refund.amount for refund in self.refunds)


@dataclass(frozen=True)
class CreditNote:
    """Store credit handed to the customer: what they need to spend it at any store of the network."""

    header: StoreHeader
    number: str
    currency: str
    amount: int
    return_number: str
    expires_at: str = ""  # empty: the note never expires
    occurred_at: str = ""


@dataclass(frozen=True)
class ItemLine:
    """A line of an online order: what to pick or hand over."""

    sku: str
    name: str
    qty: int


@dataclass(frozen=True)
class CollectionReceipt:
    """Handed to the customer collecting an online order; the QR is the signed receipt token from the assign."""

    header: StoreHeader
    order_number: str
    customer_name: str
    lines: tuple[ItemLine, ...]
    receipt_token: str | None
    collected_at: str = ""


@dataclass(frozen=True)
class BagTag:
    """Stuck on the bag of a pickup order waiting on the shelf."""

    store_name: str
    order_number: str
    customer_name: str
    pickup_by: str
    items: int
    code: str  # what the QR holds: the order number unless the caller gives more


@dataclass(frozen=True)
class PickList:
    order_number: str
    fulfilment: str  # "pickup" or "ship"
    customer_name: str
    lines: tuple[ItemLine, ...]
    created_at: str = ""


@dataclass(frozen=True)
class Address:
    name: str
    lines: tuple[str, ...]
    city: str = ""
    postcode: str = ""
    country: str = ""  # ISO 3166-1 alpha-2 for a customer's address
    region: str = ""
    phone: str = ""


@dataclass(frozen=True)
class ShippingLabel:
    ship_from: Address
    ship_to: Address
    carrier: str
    tracking_number: str
    weight_g: int
    order_number: str


@dataclass(frozen=True)
class PackingSlip:
    """Goes into the parcel of a ship-from-store order: who it is for and what is in it."""

    header: StoreHeader
    order_number: str
    ship_to: Address
    lines: tuple[ItemLine, ...]
    parcels: int
    packed_at: str = ""


@dataclass(frozen=True)
class TransferSlip:
    """Goes with a transfer's boxes to the receiving node: where they go and what is in them (short lines too)."""

    header: StoreHeader
    transfer_id: str
    to_name: str
    to_node: str
    ship_to: Address | None
    lines: tuple[ItemLine, ...]  # shipped
    short: tuple[ItemLine, ...] = ()  # asked for and not shipped
    carrier: str = ""
    tracking_number: str = ""
    reference: str = ""
    shipped_at: str = ""


@dataclass(frozen=True)
class EndOfDaySummary:
    header: StoreHeader
    business_date: str
    currency: str
    sales_count: int
    sales_total: int
    returns_count: int
    returns_total: int
    tenders: tuple[TenderLine, ...]  # net taken per tender type
    taxes: tuple[TaxIncluded, ...] = ()
    printed_at: str = ""


@dataclass(frozen=True)
class TestPage:
    __test__ = False  # a document, not a test class

    printer: str
    target: str
    profile: str
    columns: int
    printed_at: str
    sample: str = field(default="äöüß éèà ñ ç ø Å €")


Document = (SaleReceipt | ReturnReceipt | CreditNote | CollectionReceipt | BagTag | PickList | ShippingLabel
            | PackingSlip | TransferSlip | EndOfDaySummary | TestPage)


def sale_receipt(body: dict, header: StoreHeader) -> SaleReceipt:
    """The receipt of a sale body as the sales API returns it (`lines[].name` is used when present)."""
    lines = tuple(
        ReceiptLine(sku=line["sku"], name=line.get("name") or line["sku"], qty=line["qty"],
                    unit_price=line["unit_price"], tax_rate_bp=line.get("tax_rate_bp", 0),
                    line_total=line.get("line_total", line["qty"] * line["unit_price"]),
                    catalog_price=(line.get("override") or {}).get("catalog_price"),
                    override_reason=(line.get("override") or {}).get("reason"))
        for line in body["lines"])
    if body.get("tax_included") is not None:
        taxes = tuple(TaxIncluded(t["rate_bp"], t["gross"], t["tax"]) for t in body["tax_included"])
    else:
        taxes = taxes_included(lines)
    return SaleReceipt(
        header=header, receipt_number=body["receipt_number"], currency=body["currency"], lines=lines,
        total=body.get("total", sum(line.line_total for line in lines)), taxes=taxes,
        tenders=tuple(_tender(t) for t in body.get("tenders", [])), change_due=body.get("change_due", 0),
        occurred_at=body.get("occurred_at", ""), cashier=body.get("cashier"))


def return_receipt(body: dict, header: StoreHeader, names: dict[str, str] | None = None) -> ReturnReceipt:
    """The receipt of a return body (`return.recorded` shape: lines with refund, refunds per tender)."""
    names = names or {}
    original = body.get("original") or {}
    lines = tuple(ReturnReceiptLine(sku=line["sku"], name=line.get("name") or names.get(line["sku"], line["sku"]),
                                    qty=line["qty"], reason=line.get("reason", ""), refund=line.get("refund", 0))
                  for line in body["lines"])
    refunds = tuple(TenderLine(r.get("tender") or r.get("type", ""), r["amount"], r.get("reference"))
                    for r in body.get("refunds", []))
    return ReturnReceipt(header=header, return_number=body["return_number"],
                         original_receipt=original.get("receipt_number") if isinstance(original, dict) else original,
                         currency=body.get("currency") or "", lines=lines, refunds=refunds,
                         occurred_at=body.get("occurred_at", ""))


def credit_notes(body: dict, header: StoreHeader) -> list[CreditNote]:
    """The credit notes a return body issued (its store_credit refunds that carry a note number)."""
    return [CreditNote(header=header, number=r["reference"], currency=body.get("currency") or "", amount=r["amount"],
                       return_number=body["return_number"], expires_at=r.get("expires_at") or "",
                       occurred_at=body.get("occurred_at", ""))
            for r in body.get("refunds", []) if r.get("tender") == "store_credit" and r.get("reference")]


def order_lines(assign: dict, names: dict[str, str] | None = None) -> tuple[ItemLine, ...]:
    names = names or {}
    return tuple(ItemLine(line["sku"], line.get("name") or names.get(line["sku"], line["sku"]), line["qty"])
                 for line in assign.get("lines", []))


def collection_receipt(assign: dict, header: StoreHeader, collected_at: str,
                       names: dict[str, str] | None = None) -> CollectionReceipt:
    """From the fulfilment assign (order_id, customer, lines, receipt_token)."""
    return CollectionReceipt(header=header, order_number=assign["order_id"],
                             customer_name=(assign.get("customer") or {}).get("name", ""),
                             lines=order_lines(assign, names), receipt_token=assign.get("receipt_token"),
                             collected_at=collected_at)


def bag_tag(assign: dict, store_name: str, pickup_by: str) -> BagTag:
    return BagTag(store_name=store_name, order_number=assign["order_id"],
                  customer_name=(assign.get("customer") or {}).get("name", ""), pickup_by=pickup_by,
                  items=sum(line["qty"] for line in assign.get("lines", [])), code=assign["order_id"])


def pick_list(assign: dict, created_at: str, names: dict[str, str] | None = None) -> PickList:
    return PickList(order_number=assign["order_id"], fulfilment=str(assign.get("type", "")),
                    customer_name=(assign.get("customer") or {}).get("name", ""),
                    lines=order_lines(assign, names), created_at=created_at)


def address(data: dict) -> Address:
    """An address from a ship-to dict (name, line1, line2, city, region, postal_code, country, phone); `lines` and
    `postcode` are read too, and a one-line `address` of an older order is its only line."""
    lines = data.get("lines") or [data[key] for key in ("line1", "line2", "street", "address") if data.get(key)]
    return Address(name=data.get("name") or "", lines=tuple(lines), city=data.get("city") or "",
                   postcode=data.get("postcode") or data.get("postal_code") or "", country=data.get("country") or "",
                   region=data.get("region") or "", phone=data.get("phone") or "")


def address_lines(address: Address, width: int) -> list[str]:
    """Name, street lines, "postcode city", region, country, phone — each wrapped to `width` characters."""
    parts = [address.name, *address.lines, " ".join(p for p in (address.postcode, address.city) if p),
             address.region, address.country, f"Tel {address.phone}" if address.phone else ""]
    out: list[str] = []
    for part in parts:
        if part:
            out += textwrap.wrap(part, width=width, break_long_words=True) or [part]
    return out


def ship_to(fulfilment: dict) -> Address:
    """The customer's address of a fulfilment, under the customer's name where the address names nobody."""
    found = address(fulfilment.get("ship_to") or {})
    if not found.name:
        found = dataclasses.replace(found, name=(fulfilment.get("customer") or {}).get("name", ""))
    return found


def packing_slip(fulfilment: dict, header: StoreHeader, packed_at: str,
                 names: dict[str, str] | None = None) -> PackingSlip:
    """From a packed fulfilment: what was picked (else what was ordered), its address and parcels."""
    picked = {**fulfilment, "lines": fulfilment.get("picked") or fulfilment.get("lines") or []}
    return PackingSlip(header=header, order_number=fulfilment["order_id"], ship_to=ship_to(fulfilment),
                       lines=order_lines(picked, names), parcels=len(fulfilment.get("parcels") or []) or 1,
                       packed_at=packed_at)


def transfer_slip(transfer: dict, header: StoreHeader, shipped_at: str) -> TransferSlip:
    """From a shipped transfer as the store answers it (lines with name, qty asked and shipped)."""
    lines = transfer.get("lines") or []
    return TransferSlip(header=header, transfer_id=transfer["transfer_id"], to_name=transfer.get("to_name") or "",
                        to_node=transfer.get("to_node") or "",
                        ship_to=address(transfer["ship_to"]) if transfer.get("ship_to") else None,
                        lines=tuple(ItemLine(ln["sku"], ln.get("name") or ln["sku"], ln["shipped"])
                                    for ln in lines if ln.get("shipped")),
                        short=tuple(ItemLine(ln["sku"], ln.get("name") or ln["sku"], ln["qty"] - (ln.get("shipped") or 0))
                                    for ln in lines if ln["qty"] > (ln.get("shipped") or 0)),
                        carrier=transfer.get("carrier") or "", tracking_number=transfer.get("tracking_number") or "",
                        reference=transfer.get("reference") or "", shipped_at=shipped_at)


def shipping_label(fulfilment: dict, ship_from: Address) -> ShippingLabel:
    """From a shipped fulfilment (ship_to, carrier, tracking_number, parcels [{weight_g}], order_id)."""
    return ShippingLabel(ship_from=ship_from, ship_to=ship_to(fulfilment),
                         carrier=fulfilment.get("carrier") or "", tracking_number=fulfilment["tracking_number"],
                         weight_g=sum(p.get("weight_g", 0) for p in fulfilment.get("parcels") or []),
                         order_number=fulfilment["order_id"])


def taxes_included(lines: tuple[ReceiptLine, ...]) -> tuple[TaxIncluded, ...]:
    """Tax included per rate, each rate's gross summed first and rounded once, half up (as the sale rules do)."""
    gross: dict[int, int] = {}
    for line in lines:
        gross[line.tax_rate_bp] = gross.get(line.tax_rate_bp, 0) + line.line_total
    return tuple(TaxIncluded(rate, amount, _tax_in(amount, rate)) for rate, amount in sorted(gross.items()))


def _tax_in(gross: int, rate_bp: int) -> int:
    if rate_bp <= 0 or gross == 0:
        return 0
    numerator, denominator = gross * rate_bp, 10_000 + rate_bp
    return (2 * numerator + denominator) // (2 * denominator)


def _tender(data: dict) -> TenderLine:
    return TenderLine(data["type"], data["amount"], data.get("reference"))


# The times a document carries (RFC 3339 UTC, as stored); papers show them as the store's wall-clock time.
TIME_FIELDS = ("occurred_at", "collected_at", "pickup_by", "created_at", "printed_at", "expires_at", "packed_at",
               "shipped_at")


def in_local_time(doc: Document, zone_name: str) -> Document:
    """The document with its times as wall-clock times of the store's zone (with their offset)."""
    changes = {name: local_text(getattr(doc, name), zone_name) for name in TIME_FIELDS
               if getattr(doc, name, "")}
    return dataclasses.replace(doc, **changes) if changes else doc
