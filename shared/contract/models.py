"""Values every part shares: products, stock levels, lines, money as integer minor units."""

from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)

Sku = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
StoreId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Gtin = Annotated[str, StringConstraints(pattern=r"^[0-9]{8,14}$")]
# The ranges a business accepts. Integers are strict: `"1"`, `1.0` or `true` is not a quantity or an amount.
MAX_QTY = 1_000_000  # units on one line, received, counted or adjusted at once
MAX_AMOUNT = 10_000_000_000  # minor units (100 million in the major unit): one price, tender, payment or total
Minor = Annotated[StrictInt, Field(ge=0, le=MAX_AMOUNT,
                                   description="An amount in the currency's minor units (cents).")]
PositiveQty = Annotated[StrictInt, Field(gt=0, le=MAX_QTY)]
Qty = Annotated[StrictInt, Field(ge=0, le=MAX_QTY)]

FIRST_YEAR, LAST_YEAR = 2000, 2999  # the calendar a business's records live in


def _within_calendar(moment: datetime) -> datetime:
    try:
        year = moment.astimezone(timezone.utc).year
    except OverflowError:
        year = None
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"a time between the years {FIRST_YEAR} and {LAST_YEAR} is expected")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_within_calendar),
                   Field(description=f"RFC 3339 with a UTC offset, years {FIRST_YEAR} to {LAST_YEAR}.")]



def _day_within_calendar(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"a day between the years {FIRST_YEAR} and {LAST_YEAR} is expected")
    return day


Day = Annotated[date, AfterValidator(_day_within_calendar)]


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
    tax_rate_bp: StrictInt = Field(default=0, ge=0, le=10_000, description="Tax included in the price, in basis points.")
    active: bool = True
    release_at: Moment | None = Field(None, description="Not released before then: until that moment an order "
                                                        "of it is a preorder (taken only when the routing policy "
                                                        "allows preorders) and none of it is routed.")


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
