"""What the head-office API answers: one model per kind of answer, so the OpenAPI document shows real schemas.

Views may carry more fields than listed here (a newer service adds one before its schema does): each model lets
them through, so a client sees everything the service said. Times are RFC 3339 text, central's clock."""

from typing import Any, Literal

from pydantic import Field

from shared.web.views import View


class Health(View):
    status: str
    nats: str = Field(description="online or offline")
    version: str


class PrinterState(View):
    name: str | None = None


class StoreView(View):
    id: str
    registered: bool
    name: str | None
    address: Any = None
    lat: float | None
    lon: float | None
    capabilities: list[str]
    ship_capacity_per_day: int | None = None
    online: bool
    fresh: bool
    last_seen: str | None = None
    backlog: int | None = None
    oldest_unsent_at: str | None = None
    epoch: str | None = None
    applied_seq: int
    last_seq: int | None = None
    clock_skew_ms: int | float | None = None
    version: str | None = None
    printers: list[dict[str, Any]] = []
    gap_since: str | None = None


class StorePage(View):
    items: list[StoreView]
    next_cursor: str | None = None


class WarehouseView(View):
    id: str
    type: str
    name: str
    address: Any = None
    lat: float
    lon: float
    capabilities: list[str]
    stock_as_of: str | None = None
    stock_received_at: str | None = None
    fresh: bool


class WarehouseFeedView(WarehouseView):
    items: int = Field(description="SKUs in the feed just applied.")


class ProductView(View):
    sku: str
    name: str
    gtin: str | None = None
    price: int
    currency: str
    tax_rate_bp: int
    active: bool
    release_at: str | None = Field(None, description="A preorder product until then (RFC 3339).")
    updated_at: str
    published_at: str | None = None


class ProductPage(View):
    items: list[ProductView]
    next_cursor: str | None = None


class NetworkFigures(View):
    atp: int
    on_hand: int
    reserved: int


class NodeAtp(View):
    node_id: str
    type: str
    on_hand: int
    reserved: int
    pending: int
    safety_stock: int
    atp: int
    fresh: bool
    as_of: str | None = None


class InboundLineView(View):
    supply_id: str = Field(description="The purchase order's id (PO-…), or the transfer's (TR-…).")
    kind: Literal["purchase_order", "transfer"] = Field(
        "purchase_order", description="A purchase order, or a transfer's units in transit from another node.")
    node_id: str
    expected_at: str
    qty: int = Field(description="Units still to come on this purchase order or transfer.")
    claimed: int = Field(description="Of them, units backorders have claimed.")


class InboundView(View):
    qty: int = Field(description="Units on open purchase orders and transfers in transit still to come; never part "
                                 "of `atp`.")
    unclaimed: int
    lines: list[InboundLineView]


class SkuAtp(View):
    sku: str
    network: NetworkFigures
    nodes: list[NodeAtp]
    inbound: InboundView | None = Field(None, description="Future availability: open purchase orders and transfers "
                                                          "in transit, apart from ATP.")


class AtpOfMany(View):
    items: list[SkuAtp]
    unknown_skus: list[str]


class OrderLineView(View):
    sku: str
    qty: int
    unit_price: int
    allocated: int
    unfilled: int
    returned: int


class AllocationView(View):
    id: str
    node_id: str
    node_type: str | None = None
    type: str
    status: str
    lines: list[dict[str, Any]]
    accept_by: str | None = None
    reason: str | None = None
    created_at: str
    updated_at: str


class AwaitingSupply(View):
    supply_id: str
    node_id: str
    sku: str
    qty: int
    expected_at: str


class OrderView(View):
    id: str
    channel: str
    status: str
    status_reason: str | None = None
    customer: dict[str, Any]
    delivery: dict[str, Any]
    allow_split: bool
    currency: str
    lines: list[OrderLineView]
    total: int
    paid: list[dict[str, Any]]
    receipt_token: str | None = None
    allocations: list[AllocationView]
    awaiting_supply: list["AwaitingSupply"] = Field(default_factory=list, description=(
        "Inbound units the order has claimed and waits for (status awaiting_stock)."))
    return_flag: str | None = None
    refund_conflict: bool | None = None
    cancel_requested_at: str | None = None
    created_at: str
    updated_at: str
    history: list[dict[str, Any]] | None = Field(None, description="GET /v1/orders/{id} only: every transition.")
    pickup_code: str | None = Field(None, description="When a pickup order is placed: the code for the customer, "
                                                      "shown in this answer only.")


class OrderPage(View):
    items: list[OrderView]
    next_cursor: str | None = None


class RoutingPlan(View):
    outcome: str
    cost: float | None = None
    shipments: list[dict[str, Any]]
    unfilled: list[dict[str, Any]]
    explanation: dict[str, Any]


class NewToken(View):
    name: str
    scopes: list[str]
    token: str = Field(description="Shown in this answer only.")


class SigningKey(View):
    kid: str
    public_key: str = Field(description="Standard base64 of the 32 raw bytes of the Ed25519 public key.")
    created_at: str
    current: bool


class KeyList(View):
    current: str
    keys: list[SigningKey]


class WebhookView(View):
    id: str
    url: str
    events: list[str] | None = None
    created_at: str
    waiting: int
    last_delivered_at: str | None = None
    next_attempt_at: str | None = None
    attempts: int
    last_error: str | None = None


class NewWebhook(WebhookView):
    secret: str = Field(description="The Standard Webhooks signing secret, shown in this answer only.")


class WebhookPage(View):
    items: list[WebhookView]
    next_cursor: str | None = None


class ReceiptView(View):
    receipt_number: str
    store_id: str
    currency: str
    occurred_at: str
    total: int
    lines: list[dict[str, Any]]
    tenders: list[dict[str, Any]]
    returns: list[dict[str, Any]]
    refund_conflicts: list[dict[str, Any]]
