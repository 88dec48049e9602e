"""Store credit at the counter: the number a store gives a credit note (minted offline, unique in the network),
when it expires, what a sale asks of each note, and the id its hold at head office is keyed by."""

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

STORE_CREDIT = "store_credit"
# Sales made with the same Idempotency-Key at a store are one sale: their holds share one id.
_SALE_IDS = uuid.UUID("0b9f3e4c-6d1a-4c8e-9a55-2f1c7d3e8b10")


class Tendered(Protocol):
    type: str
    amount: int
    reference: str | None


def note_number(store_id: str, n: int) -> str:
    """`S001-C000042`: the store's id makes it unique in the network without asking anyone."""
    return f"{store_id}-C{n:06d}"


def expiry(issued_at: datetime, valid_days: int | None) -> datetime | None:
    """When a note issued now expires under the retailer's policy; None: never."""
    return issued_at + timedelta(days=valid_days) if valid_days else None


def credit_asked(tenders: Iterable[Tendered]) -> dict[str, int]:
    """What a sale asks of each credit note (two tenders on one note add up)."""
    asked: dict[str, int] = {}
    for tender in tenders:
        if tender.type == STORE_CREDIT and tender.reference:
            asked[tender.reference] = asked.get(tender.reference, 0) + tender.amount
    return asked


def sale_id(store_id: str, idempotency_key: str | None, fresh: str) -> str:
    """The id a sale's credit holds are keyed by: the same for every retry of one sale (same Idempotency-Key),
    `fresh` (a new UUIDv7) for a sale sent without a key, which is never deduplicated anyway."""
    if idempotency_key is None:
        return fresh
    return str(uuid.uuid5(_SALE_IDS, f"{store_id}\x00{idempotency_key}"))
