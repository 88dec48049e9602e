"""What central holds of one store, as the audit reads it (read only, a page at a time)."""

from central.store import audit
from shared.contract.audit import EventPage, FulfilmentPage, LevelPage, ReceiptPage
from shared.contract.errors import InvalidInput
from shared.runtime.sqlite import Database


class AuditViews:
    def __init__(self, db: Database):
        self._db = db

    def events(self, store_id: str, cursor: str | None, limit: int) -> EventPage:
        with self._db.read() as conn:
            items, last = audit.applied_events(conn, store_id, _event_cursor(cursor), limit)
            epoch, applied_seq = audit.position(conn, store_id)
        return EventPage(items=items, next_cursor=":".join(map(str, last)) if last else None, epoch=epoch,
                         last_seq=applied_seq)

    def receipts(self, store_id: str, cursor: str | None, limit: int) -> ReceiptPage:
        with self._db.read() as conn:
            items = audit.receipts(conn, store_id, cursor or "", limit)
        return ReceiptPage(items=items, next_cursor=_next(items, "receipt_number", limit))

    def levels(self, store_id: str, cursor: str | None, limit: int) -> LevelPage:
        with self._db.read() as conn:
            items = audit.levels(conn, store_id, cursor or "", limit)
        return LevelPage(items=items, next_cursor=_next(items, "sku", limit))

    def allocations(self, store_id: str, cursor: str | None, limit: int) -> FulfilmentPage:
        with self._db.read() as conn:
            items = audit.allocations(conn, store_id, cursor or "", limit)
        return FulfilmentPage(items=items, next_cursor=_next(items, "allocation_id", limit))


def _next(items: list[dict], key: str, limit: int) -> str | None:
    return items[-1][key] if len(items) == limit else None


def _event_cursor(cursor: str | None) -> tuple[str, int] | None:
    if not cursor:
        return None
    try:
        epoch, seq = cursor.rsplit(":", 1)
        return epoch, int(seq)
    except ValueError:
        raise InvalidInput("The cursor is not one this list gave out; start again without it.",
                           cursor=cursor) from None
