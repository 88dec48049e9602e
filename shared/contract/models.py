"""Values every part shares: products, stock levels, lines, money as integer minor units."""

from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
StoreId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Gtin = Annotated[str, StringConstraints(pattern=r"^[0-9]{8,14}$")]
Minor = Annotated[int, Field(ge=0, description="An amount in the currency's minor units (cents).")]
PositiveQty = Annotated[int, Field(gt=0, le=1_000_000)]


class Strict(BaseModel):
    """A body or payload that refuses fields it does not know."""

    model_config = ConfigDict(extra="forbid")


class Lenient(BaseModel):
    """A payload read from the wire: newer producers may add fields."""

    model_config = ConfigDict(extra="ignore")


class Product(Strict):
    sku: Sku
    name: str = Field(min_length=1, max_length=200)
    gtin: Gtin | None = None
    price: Minor
    currency: Currency
    tax_rate_bp: int = Field(default=0, ge=0, le=10_000, description="Tax included in the price, in basis points.")
    active: bool = True


class StockLevel(Lenient):
    """The resulting levels of one SKU at one store after a change (DESIGN §5)."""

    sku: Sku
    on_hand: int
    reserved: int = Field(ge=0)
    damaged: int = Field(ge=0)


class Line(Strict):
    sku: Sku
    qty: PositiveQty


class NodeType(StrEnum):
    STORE = "store"
    WAREHOUSE = "warehouse"


class FulfilmentType(StrEnum):
    PICKUP = "pickup"
    SHIP = "ship"


class FulfilmentStatus(StrEnum):
    """A store's fulfilment (= allocation) lifecycle, DESIGN §6."""

    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    PICKED = "picked"
    READY = "ready"
    COLLECTED = "collected"
    EXPIRED = "expired"
    PACKED = "packed"
    SHIPPED = "shipped"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class RejectReason(StrEnum):
    NOT_FOUND = "not_found"
    DAMAGED = "damaged"
    NO_CAPACITY = "no_capacity"
    ACCEPT_EXPIRED = "accept_expired"
    OTHER = "other"


class TenderType(StrEnum):
    CASH = "cash"
    CARD = "card"
    STORE_CREDIT = "store_credit"


class Disposition(StrEnum):
    RESTOCK = "restock"
    DAMAGED = "damaged"
    WRITE_OFF = "write_off"


class AdjustReason(StrEnum):
    DAMAGED = "damaged"
    SHRINK = "shrink"
    FOUND = "found"
    OTHER = "other"


class Role(StrEnum):
    ASSOCIATE = "associate"
    MANAGER = "manager"


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """Every list answer: `{items, next_cursor}`."""

    items: list[T]
    next_cursor: str | None = None
