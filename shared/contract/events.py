"""The event and command catalogue of DESIGN §6: envelopes, every type, every payload.

Edge and central both build against these models; a type missing here cannot be sent.
"""

from datetime import datetime
from typing import Annotated, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
)

from shared.contract.addresses import ShipTo
from shared.contract.models import (
    Currency,
    FulfilmentType,
    Lenient,
    Line,
    Product,
    Sku,
    StockLevel,
)

# The message schema this release reads and writes (the envelope's `schema`; absent means 1). Raised only by a change
# an older reader would get wrong (a field's meaning changed, a required field added): a new optional field or a new
# type keeps it, since every payload ignores fields it does not know and an unknown type waits for an upgrade.
# A message whose `schema` is above this one, or whose type this release does not know, is kept, not lost, and
# applied once the part is upgraded (docs/upgrades.md).
SCHEMA = 1


# ---- envelopes -------------------------------------------------------------------------------


class EventEnvelope(BaseModel):
    """An edge's event (DESIGN §3): `seq` rises by exactly one per outbox row within `epoch`."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str
    type: str
    schema_version: int = Field(default=SCHEMA, alias="schema")
    store_id: str
    epoch: str
    seq: int = Field(ge=1)
    occurred_at: datetime
    actor: str
    payload: dict

    def to_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()


class CommandEnvelope(BaseModel):
    """Central's command to one store; `cmd_seq` rises by one per store."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    id: str
    type: str
    schema_version: int = Field(default=SCHEMA, alias="schema")
    store_id: str
    cmd_seq: int = Field(ge=1)
    issued_at: datetime
    payload: dict

    def to_bytes(self) -> bytes:
        return self.model_dump_json(by_alias=True).encode()


# ---- event payloads ----------------------------------------------------------------------------


class WireLine(Line):
    """A line inside a message: a newer release may add fields to it (an API body's `Line` refuses them). Built
    from a `Line` as well (from its attributes)."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)



class SaleLine(Lenient):
    sku: Sku
    qty: int
    unit_price: int
    tax_rate_bp: int
    line_total: int
    override: dict | None = None


class Tender(Lenient):
    type: str
    amount: int
    reference: str | None = None


class SaleRecorded(Lenient):
    receipt_number: str
    currency: Currency
    lines: list[SaleLine]
    tenders: list[Tender]
    total: int
    change_due: int
    stock: list[StockLevel]
    # What central's credit note holds are keyed by; only when store credit paid.
    sale_id: str | None = Field(default=None, exclude_if=lambda v: v is None)


class ReturnLine(Lenient):
    sku: Sku
    qty: int
    reason: str
    disposition: str
    refund: int


class Refund(Lenient):
    tender: str
    amount: int
    # store_credit: the credit note this refund issued, and when it expires (none: never).
    reference: str | None = Field(default=None, exclude_if=lambda v: v is None)
    expires_at: datetime | None = Field(default=None, exclude_if=lambda v: v is None)


class ReturnRecorded(Lenient):
    return_number: str
    original: dict
    currency: Currency | None = None
    lines: list[ReturnLine]
    refunds: list[Refund]
    stock: list[StockLevel]


class StockReceived(Lenient):
    sku: Sku
    qty: int
    reason: str = "delivery"
    reference: str
    stock: list[StockLevel]


class StockAdjusted(Lenient):
    sku: Sku
    delta: int
    reason: str
    reference: str | None = None
    stock: list[StockLevel]


class StockCounted(Lenient):
    sku: Sku
    counted: int
    reason: str = "count"
    reference: str | None = None
    stock: list[StockLevel]


class StockSnapshot(Lenient):
    chunk: int = Field(ge=1)
    chunks: int = Field(ge=1)
    levels: list[StockLevel]


class FulfilmentEvent(Lenient):
    allocation_id: str
    order_id: str
    lines: list[WireLine] = []
    reason: str | None = None
    shortages: list[WireLine] = []
    stock: list[StockLevel] = []


class PickupEvent(Lenient):
    allocation_id: str
    order_id: str
    pickup_by: datetime | None = None
    collected_by: str | None = None
    stock: list[StockLevel] = []


class Parcel(Lenient):
    weight_g: int = Field(gt=0)


class ShipmentPacked(Lenient):
    allocation_id: str
    order_id: str
    parcels: list[Parcel]
    stock: list[StockLevel] = []


class ShipmentShipped(Lenient):
    allocation_id: str
    order_id: str
    carrier: str
    tracking_number: str
    stock: list[StockLevel] = []


# A transfer moves units between two nodes at head office's request (docs/transfers.md). The sending store reserves
# them on arrival of `transfer.send` and says so, so central stops counting them as pending; the units leave its
# on-hand when shipped and count as in transit (inbound supply at the receiving node) until received there.


class TransferEvent(Lenient):
    """`transfer.accepted` (units reserved), `.rejected` (nothing can be sent; reservation released) and
    `.cancelled` (head office's cancel honoured; reservation released): `lines` are the units concerned."""

    transfer_id: str
    lines: list[WireLine] = []
    reason: str | None = None
    stock: list[StockLevel] = []


class TransferShipped(Lenient):
    """The sending store shipped these units. Fewer than asked is a short shipment: the units not shipped were not
    on the shelf, so they leave on-hand as a short pick's do and a count task opens."""

    transfer_id: str
    to_node: str
    lines: list[WireLine]
    carrier: str | None = None
    tracking_number: str | None = None
    stock: list[StockLevel] = []


class TransferReceived(Lenient):
    """The receiving store counted these units in (fewer than shipped opens a discrepancy at central)."""

    transfer_id: str
    from_node: str
    lines: list[WireLine]
    stock: list[StockLevel] = []


EVENT_PAYLOADS: dict[str, type[BaseModel]] = {
    "sale.recorded": SaleRecorded,
    "return.recorded": ReturnRecorded,
    "stock.received": StockReceived,
    "stock.adjusted": StockAdjusted,
    "stock.counted": StockCounted,
    "stock.snapshot": StockSnapshot,
    "fulfilment.accepted": FulfilmentEvent,
    "fulfilment.rejected": FulfilmentEvent,
    "fulfilment.picked": FulfilmentEvent,
    "fulfilment.cancelled": FulfilmentEvent,
    "pickup.ready": PickupEvent,
    "pickup.collected": PickupEvent,
    "pickup.expired": PickupEvent,
    "shipment.packed": ShipmentPacked,
    "shipment.shipped": ShipmentShipped,
    "transfer.accepted": TransferEvent,
    "transfer.rejected": TransferEvent,
    "transfer.cancelled": TransferEvent,
    "transfer.shipped": TransferShipped,
    "transfer.received": TransferReceived,
}

# ---- command payloads --------------------------------------------------------------------------


class Customer(Lenient):
    name: str
    email: str | None = None
    phone: str | None = None


class FulfilmentAssign(Lenient):
    allocation_id: str
    order_id: str
    type: FulfilmentType
    lines: list[WireLine]
    customer: Customer
    ship_to: ShipTo | None = None
    pickup_code_hash: str | None = None
    receipt_token: str | None = None
    accept_by: datetime


class FulfilmentCancel(Lenient):
    allocation_id: str
    order_id: str
    reason: str


class SyncResend(Lenient):
    from_seq: int = Field(ge=1)
    to_seq: int = Field(ge=1)


class SyncSnapshot(Lenient):
    pass


class ReturnedUnits(Lenient):
    sku: Sku
    qty: int = Field(ge=1)


class ReceiptReturned(Lenient):
    """Units of this store's receipt taken back at another store: the selling store counts them as returned, so the
    same units cannot come back twice."""

    receipt_number: str
    return_number: str
    returned_at_store: str
    lines: list[ReturnedUnits]
    refunds: list[Refund]


class TransferSend(Lenient):
    """To the sending store: pick these units and ship them to `to_node`."""

    transfer_id: str
    to_node: str
    to_name: str
    ship_to: ShipTo | None = None
    lines: list[WireLine]
    reference: str | None = None
    ship_by: datetime | None = None


class TransferInbound(Lenient):
    """To the receiving store: these units are on their way (what the sender really shipped)."""

    transfer_id: str
    from_node: str
    from_name: str
    lines: list[WireLine]
    carrier: str | None = None
    tracking_number: str | None = None
    expected_at: datetime | None = None


class TransferCancel(Lenient):
    """To the sending store: do not ship; release what was reserved (too late once shipped)."""

    transfer_id: str
    reason: str


COMMAND_PAYLOADS: dict[str, type[BaseModel]] = {
    "fulfilment.assign": FulfilmentAssign,
    "fulfilment.cancel": FulfilmentCancel,
    "sync.resend": SyncResend,
    "sync.snapshot": SyncSnapshot,
    "receipt.returned": ReceiptReturned,
    "transfer.send": TransferSend,
    "transfer.inbound": TransferInbound,
    "transfer.cancel": TransferCancel,
}

# ---- core-NATS messages --------------------------------------------------------------------------


class PrinterState(Lenient):
    name: str
    state: str


class Heartbeat(Lenient):
    """`omni.hb.<store>` every 5 s: what the store has written and how far behind its sending is."""

    store_id: str
    epoch: str
    last_seq: int = Field(ge=0)
    backlog: int = Field(ge=0)
    oldest_unsent_at: datetime | None = None
    clock: datetime
    printers: list[PrinterState] = []
    version: str


class AppliedWatermark(Lenient):
    """`omni.ack.<store>`: central has applied every event of `epoch` up to `applied_seq`.

    `readable_seq`: see below. `numbers`: the highest receipt and return numbers central holds from the store (`{"receipt": 345, "return": 12}`);
    a database restored from a backup carries on above them, so it never gives a customer a number twice."""

    epoch: str
    applied_seq: int = Field(ge=0)
    numbers: dict[str, int] = {}
    # The last seq filled by a readable event (a dead letter fills its place too, but proves nothing): a store
    # takes itself for restored from a backup only when this is above its own last seq.
    readable_seq: int | None = Field(None, ge=0)


MAX_PICKUP_HOLD_DAYS = 365  # a ready pickup waits at most a year for its customer
MAX_ACCEPT_TIMEOUT_S = 7 * 86400  # a store answers an assignment within a week at the latest


class CatalogPolicy(Lenient):
    """`omni.catalog.policy`: the parts of the routing policy stores act on."""

    pickup_hold_days: int = Field(7, ge=1, le=MAX_PICKUP_HOLD_DAYS)
    auto_accept: bool = True
    accept_timeout_s: int = Field(900, ge=1, le=MAX_ACCEPT_TIMEOUT_S)
    credit_note_valid_days: int | None = Field(None, ge=1, le=3650)


class CatalogKeys(Lenient):
    """`omni.catalog.keys`: public Ed25519 keys (base64) by key id, for offline receipt tokens."""

    keys: dict[str, str]
    current: str | None = None


class CatalogProduct(Product):
    """`omni.catalog.product.<sku>`: one product of the catalog."""


class AtpRequest(Lenient):
    sku: Sku


class OrderRequest(Lenient):
    order_id: str


class ReceiptRequest(Lenient):
    receipt_number: str


class CreditAmount(Lenient):
    number: str = Field(min_length=1, max_length=100)
    amount: int = Field(gt=0, le=10**12)


class CreditRequest(Lenient):
    """`omni.req.<store>.credit`: hold amounts of credit notes for a sale (all or none), or release them.

    `sale_id` keys the hold: asking again for the same sale answers the same hold, never a second one; the
    sale's `sale.recorded` (same `sale_id`) confirms it."""

    action: Literal["hold", "release"]
    sale_id: str = Field(min_length=1, max_length=100)
    currency: Currency | None = None
    notes: list[CreditAmount] = Field(default=[], max_length=20)


class CreditHeld(Lenient):
    """Central's answer to a hold: per note, what is held for the sale and what is left after it."""

    sale_id: str
    notes: list[dict]


# ---- reading the wire --------------------------------------------------------------------------


class Undeliverable(Exception):
    """A message that can never be applied (malformed, or not addressed to this part)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class NotUnderstood(Undeliverable):
    """A well-formed message of a type or schema this release does not know yet, from a newer release: kept as it
    came and applied after the part is upgraded, never dropped and never a dead letter."""


def not_understood(type_: str, schema: int, payloads: dict[str, type[BaseModel]], kind: str) -> str | None:
    """Why a message of this type and schema must wait for an upgrade, or None when this release can read it."""
    if schema > SCHEMA:
        return f"{kind} schema {schema} is newer than this release reads ({SCHEMA})"
    if type_ not in payloads:
        return f"unknown {kind} type {type_!r}"
    return None


def _typed_event(type_: str, payload: type[BaseModel]) -> type[EventEnvelope]:
    return create_model(f"{payload.__name__}Event", __base__=EventEnvelope, type=(Literal[type_], ...),
                        payload=(payload, ...))


# Every event type's envelope with its payload's model, told apart by `type`: a message is read from its JSON in one
# pass instead of the envelope's and then its payload again from the dict that made.
_TYPED_EVENTS = TypeAdapter(Annotated[Union[tuple(_typed_event(type_, payload)  # noqa: UP007
                                                  for type_, payload in EVENT_PAYLOADS.items())],
                                      Field(discriminator="type")])


def parse_event(data: bytes) -> tuple[EventEnvelope, BaseModel]:
    """An event envelope and its typed payload; `NotUnderstood` when it is for a newer release, `Undeliverable`
    with the reason when it can never be read. The envelope's `payload` is the typed payload."""
    try:
        envelope = _TYPED_EVENTS.validate_json(data)
    except ValidationError:
        envelope = None
    if envelope is None or envelope.schema_version > SCHEMA:  # read again step by step, for the reason why
        return _parse(data, EventEnvelope, EVENT_PAYLOADS, "event", "envelope")
    return envelope, envelope.payload


def parse_command(data: bytes) -> tuple[CommandEnvelope, BaseModel]:
    """A command envelope and its typed payload; `NotUnderstood` when it is for a newer release, `Undeliverable`
    with the reason when it can never be read."""
    return _parse(data, CommandEnvelope, COMMAND_PAYLOADS, "command", "command envelope")


def _parse(data: bytes, envelope_model: type, payloads: dict[str, type[BaseModel]], kind: str, envelope_name: str):
    try:
        envelope = envelope_model.model_validate_json(data)
    except ValidationError as e:
        raise Undeliverable(f"malformed {envelope_name}: {e.errors()[0]['msg']}") from e
    waits = not_understood(envelope.type, envelope.schema_version, payloads, kind)
    if waits is not None:
        raise NotUnderstood(waits)
    try:
        return envelope, payloads[envelope.type].model_validate(envelope.payload)
    except ValidationError as e:
        raise Undeliverable(f"malformed {envelope.type} payload: {e.errors()[0]['msg']}") from e


EventType = Literal[
    "sale.recorded", "return.recorded", "stock.received", "stock.adjusted", "stock.counted",
    "stock.snapshot", "fulfilment.accepted", "fulfilment.rejected", "fulfilment.picked",
    "fulfilment.cancelled", "pickup.ready", "pickup.collected", "pickup.expired",
    "shipment.packed", "shipment.shipped", "transfer.accepted", "transfer.rejected", "transfer.cancelled",
    "transfer.shipped", "transfer.received",
]
