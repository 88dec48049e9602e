"""What the store's local API answers: one model per kind of answer, so the OpenAPI document shows real schemas.

Views may carry more fields than listed (each model lets them through, and fields a view leaves out stay out).
Amounts are minor units; times RFC 3339 text."""

from typing import Any

from pydantic import Field

from shared.web.views import View


class Health(View):
    status: str
    store_id: str
    store_name: str | None = None
    version: str


class ProductHit(View):
    sku: str
    name: str
    gtin: str | None = None
    price: int
    currency: str
    tax_rate_bp: int
    active: bool
    on_hand: int | None = None
    available: int | None = None


class ProductPage(View):
    items: list[ProductHit]
    next_cursor: str | None = None


class CountLineOut(View):
    sku: str
    counted: int
    previous: int
    variance: int


class CountOut(View):
    reference: str | None = None
    items: list[CountLineOut]
    variance_units: int
    seqs: list[int]
    occurred_at: str


class LedgerEntry(View):
    id: int
    at: str
    reason: str
    reference: str | None = None
    actor: str | None = None
    on_hand_delta: int
    reserved_delta: int
    damaged_delta: int
    event_id: str | None = None


class LedgerPage(View):
    sku: str
    items: list[LedgerEntry]
    next_cursor: str | None = None


class SaleLineOut(View):
    sku: str
    qty: int
    unit_price: int
    tax_rate_bp: int | None = None
    line_total: int | None = None
    name: str | None = None
    returned: int | None = Field(None, description="GET only: units already returned, at any store.")


class TaxOut(View):
    rate_bp: int
    gross: int
    tax: int


class SaleOut(View):
    receipt_number: str
    currency: str
    lines: list[SaleLineOut]
    total: int
    tax_included: list[TaxOut] = []
    tenders: list[dict[str, Any]]
    change_due: int | None = Field(None, description="Cash handed back; not shown for another store's receipt.")
    cashier: str | None = None
    occurred_at: str


class ReturnOut(View):
    return_number: str
    original: dict[str, Any]
    currency: str
    lines: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    refund_total: int
    occurred_at: str


class FulfilmentOut(View):
    allocation_id: str
    order_id: str
    type: str
    status: str
    lines: list[dict[str, Any]]
    customer: dict[str, Any] | None = None
    ship_to: dict[str, Any] | None = None
    accept_by: str | None = None
    pickup_by: str | None = None
    reason: str | None = None
    at_risk: bool
    receipt_token: str | None = None
    updated_at: str | None = None


class FulfilmentPage(View):
    items: list[FulfilmentOut]
    next_cursor: str | None = None


class TaskOut(View):
    id: int | str
    kind: str
    status: str


class TaskPage(View):
    items: list[TaskOut]
    next_cursor: str | None = None


class PrintJobOut(View):
    id: str
    kind: str
    ref: str
    printer: str | None = None
    status: str
    attempts: int
    last_error: str | None = None
    created_at: str
    sent_at: str | None = None
    reprint_of: str | None = None


class PrintJobPage(View):
    items: list[PrintJobOut]
    next_cursor: str | None = None


class Queued(View):
    """A print accepted into the spool (202): the jobs it made."""

    jobs: list[PrintJobOut]


class EndOfDayQueued(Queued):
    business_date: str
    currency: str
    sales_count: int
    sales_total: int
    returns_count: int
    returns_total: int


class PrinterOut(View):
    name: str
    kind: str | None = None
    state: str
    queued: int
    last_error: str | None = None


class PrinterList(View):
    items: list[PrinterOut]


class NetworkAtp(View):
    sku: str
    source: str = Field(description="central (asked now) or last_known (what it said last, as of `as_of`)")
    as_of: str | None = None
    network: dict[str, Any]
    nodes: list[dict[str, Any]] = []


class SyncStatus(View):
    store_id: str
    epoch: str | None = None
    online: bool
    backlog: int
    oldest_unsent_at: str | None = None
    last_seq: int
    last_acked_seq: int | None = None
    applied_seq: int | None = None
    printers: list[PrinterOut] = []


class TransferLineOut(View):
    sku: str
    name: str | None = None
    gtin: str | None = None
    qty: int = Field(description="Units asked for (to send) or shipped by the sender (to receive)")
    shipped: int | None = None
    received: int | None = None


class TransferOut(View):
    transfer_id: str
    direction: str = Field(description="out: this store sends it; in: this store receives it")
    status: str = Field(description="reserved, shipped, rejected, cancelled (to send); in_transit, received "
                                    "(to receive)")
    from_node: str
    from_name: str | None = None
    to_node: str
    to_name: str | None = None
    lines: list[TransferLineOut]
    units: int
    ship_to: dict[str, Any] | None = None
    reference: str | None = None
    ship_by: str | None = None
    expected_at: str | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    reason: str | None = None
    done_by: str | None = None
    created_at: str
    updated_at: str


class TransferPage(View):
    items: list[TransferOut]
    next_cursor: str | None = None
