"""What a store and head office each say they hold, for the invariant check (`omnistore audit`).

Both APIs answer these lists, a page at a time; the audit compares the two sides. Lists are ordered by their
key (events by epoch then seq, receipts by number, levels by SKU, fulfilments by allocation id) and the cursor
is the last key of the previous page, so the two sides can be read page by page in the same order.
"""

from pydantic import BaseModel, Field

from shared.contract.errors import InvalidInput
from shared.contract.models import Page


class EventRecord(BaseModel):
    """One event a store numbered (edge: published or not) or central applied (central: in applied order)."""

    epoch: str
    seq: int = Field(ge=1)
    id: str
    type: str
    published: bool | None = Field(None, description="Edge only: JetStream has acknowledged it.")
    dead_letter: str | None = Field(None, description="Central only: why it filled its place without effect.")


class EventPage(Page[EventRecord]):
    """A page of events, with where the store stands: its current epoch and the last seq numbered or applied."""

    epoch: str | None = Field(description="The store's current epoch (edge), or the epoch central applies.")
    last_seq: int = Field(ge=0, description="Edge: the last seq numbered; central: the last seq applied.")


class ReceiptRecord(BaseModel):
    """A walk-in sale's receipt and the event that recorded it."""

    receipt_number: str
    event_id: str


class LevelRecord(BaseModel):
    sku: str
    on_hand: int
    reserved: int
    damaged: int


class AllocatedLine(BaseModel):
    sku: str
    qty: int = Field(ge=0, description="Units of this allocation.")
    ordered: int | None = Field(None, ge=0, description="Central only: units of the SKU the order asks for.")
    live_allocated: int | None = Field(None, ge=0, description="Central only: units of the SKU the order's live "
                                                                "allocations hold over every node.")


class FulfilmentRecord(BaseModel):
    """An allocation at one store: the store's fulfilment or central's allocation."""

    allocation_id: str
    order_id: str
    status: str
    lines: list[AllocatedLine]
    holding: dict[str, int] = Field(default_factory=dict, description="Edge only: units per SKU it holds in "
                                                                      "`reserved`.")


class TransferHolding(BaseModel):
    """Edge only: a transfer between nodes this store sends, with the units it holds in `reserved` (none once it
    shipped, was rejected or cancelled)."""

    transfer_id: str
    status: str
    holding: dict[str, int] = Field(default_factory=dict)


class TransferHoldingPage(Page[TransferHolding]):
    pass


class ReceiptPage(Page[ReceiptRecord]):
    pass


class LevelPage(Page[LevelRecord]):
    pass


class FulfilmentPage(Page[FulfilmentRecord]):
    pass


def event_cursor(cursor: str | None) -> tuple[str, int] | None:
    """The (epoch, seq) an event page's `next_cursor` names; both sides give it out as `<epoch>:<seq>`."""
    if not cursor:
        return None
    try:
        epoch, seq = cursor.rsplit(":", 1)
        return epoch, int(seq)
    except ValueError:
        raise InvalidInput("The cursor is not one this list gave out; start again without it.",
                           cursor=cursor) from None


def next_key(items: list[dict], key: str, limit: int) -> str | None:
    """A full page's last key is the next page's cursor; a short page was the last."""
    return items[-1][key] if len(items) == limit else None
