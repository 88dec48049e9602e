"""What central holds of one store, as the audit reads it (read only, a page at a time)."""

import asyncio
from datetime import datetime, timedelta

from central.store import audit
from shared.contract.audit import (
    EventPage,
    FulfilmentPage,
    LevelPage,
    ReceiptPage,
    event_cursor,
    next_key,
)
from shared.runtime.clock import to_text, utc_now
from shared.runtime.sqlite import Database


class AuditViews:
    def __init__(self, db: Database):
        self._db = db

    def prune(self, keep: timedelta, now: datetime) -> int:
        with self._db.write() as conn:
            return audit.prune_applied_events(conn, to_text(now - keep))

    async def run_pruning(self, keep: timedelta, every_s: float = 3600) -> None:
        """Now and then, forget applied events older than `keep` (the table would otherwise grow for ever)."""
        while True:
            await asyncio.to_thread(self.prune, keep, utc_now())
            await asyncio.sleep(every_s)

    def events(self, store_id: str, cursor: str | None, limit: int) -> EventPage:
        with self._db.read() as conn:
            items, last = audit.applied_events(conn, store_id, event_cursor(cursor), limit)
            epoch, applied_seq = audit.position(conn, store_id)
        return EventPage(items=items, next_cursor=":".join(map(str, last)) if last else None, epoch=epoch,
                         last_seq=applied_seq)

    def receipts(self, store_id: str, cursor: str | None, limit: int) -> ReceiptPage:
        with self._db.read() as conn:
            items = audit.receipts(conn, store_id, cursor or "", limit)
        return ReceiptPage(items=items, next_cursor=next_key(items, "receipt_number", limit))

    def levels(self, store_id: str, cursor: str | None, limit: int) -> LevelPage:
        with self._db.read() as conn:
            items = audit.levels(conn, store_id, cursor or "", limit)
        return LevelPage(items=items, next_cursor=next_key(items, "sku", limit))

    def allocations(self, store_id: str, cursor: str | None, limit: int) -> FulfilmentPage:
        with self._db.read() as conn:
            items = audit.allocations(conn, store_id, cursor or "", limit)
        return FulfilmentPage(items=items, next_cursor=next_key(items, "allocation_id", limit))
