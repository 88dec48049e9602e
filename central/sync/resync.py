"""Asking stores to send again (DESIGN §4): a gap that lasts `resend_after` becomes a command.

Runs on a short timer: for every store it compares what central has parked and has applied with the
store's last heartbeat, keeps `gap_since` (central's clock) in `store_sync`, and enqueues
`sync.resend {from_seq, to_seq}` or `sync.snapshot {}` when one is due. A store with a new conflict (two events at
one place) is asked for a snapshot at once, and again for later conflicts at most every `resend_after`.
"""

import asyncio
import logging
from datetime import datetime

from central.domain.resync import Resend, SnapshotNeeded, missing, request_due
from central.domain.sequencing import Position
from central.store import commands, parking, projection
from central.sync.commands import CommandPublisher
from shared.runtime.clock import from_text, to_text, utc_now
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)


class Resync:
    def __init__(self, db: Database, publisher: CommandPublisher, resend_after):
        self._db, self._publisher = db, publisher
        self._resend_after = resend_after
        self._last_requested: dict[str, datetime] = {}

    async def run(self, tick_s: float) -> None:
        while True:
            await asyncio.sleep(tick_s)
            try:
                if await asyncio.to_thread(self.check, utc_now()):
                    self._publisher.wake()
            except Exception:
                log.exception("resync check failed")

    def check(self, now: datetime) -> int:
        """Update every store's `gap_since`; enqueue the requests that are due. Returns how many.

        Every store is looked at on a read snapshot, without the writer (at a thousand stores, a few thousand
        reads); the writer is taken only for the stores with something to write, each looked at again inside it."""
        with self._db.read() as conn:
            rows = self._sync_rows(conn)
            to_write = [store_id for store_id in set(rows) | set(parking.stores_with_parked(conn))
                        if self._check_store(conn, store_id, rows.get(store_id), now, writing=False)]
            conflicts = bool(parking.conflicts_to_answer(conn))
        if not to_write and not conflicts:
            return 0
        enqueued = 0
        with self._db.write() as conn:
            rows = self._sync_rows(conn)
            for store_id in sorted(to_write):
                enqueued += self._check_store(conn, store_id, rows.get(store_id), now, writing=True)
            enqueued += self._ask_for_conflicts(conn, now)
        return enqueued

    @staticmethod
    def _sync_rows(conn) -> dict:
        return {r["store_id"]: r for r in conn.execute(
            "SELECT store_id, epoch, applied_seq, hb_epoch, hb_last_seq, gap_since FROM store_sync")}

    def _check_store(self, conn, store_id: str, row, now: datetime, *, writing: bool) -> int:
        """One store's gap: kept in `gap_since`, and a request enqueued when one is due. Not `writing`: only
        whether there is anything to write (1) or not (0)."""
        position = Position(row["epoch"], row["applied_seq"]) if row and row["epoch"] else None
        _, retired = projection.load_position(conn, store_id)
        heartbeat = (row["hb_epoch"], row["hb_last_seq"] or 0) if row and row["hb_epoch"] else None
        lack = missing(position, retired, parking.parked_arrivals(conn, store_id), heartbeat)
        gap_since = from_text(row["gap_since"]) if row and row["gap_since"] else None
        if lack is None:
            if gap_since is not None:
                if not writing:
                    return 1
                conn.execute("UPDATE store_sync SET gap_since=NULL WHERE store_id=?", (store_id,))
            self._last_requested.pop(store_id, None)
            return 0
        if gap_since is None:
            if not writing:
                return 1
            gap_since = now
            conn.execute("INSERT INTO store_sync (store_id, gap_since) VALUES (?, ?) ON CONFLICT (store_id) "
                         "DO UPDATE SET gap_since=excluded.gap_since", (store_id, to_text(now)))
        if not request_due(gap_since, self._last_requested.get(store_id), now, self._resend_after):
            return 0
        if not writing:
            return 1
        if isinstance(lack, Resend):
            commands.enqueue(conn, store_id, "sync.resend", {"from_seq": lack.from_seq, "to_seq": lack.to_seq}, now)
        elif isinstance(lack, SnapshotNeeded):
            commands.enqueue(conn, store_id, "sync.snapshot", {}, now)
        log.warning("store %s: missing events since %s, asked %s", store_id, to_text(gap_since), lack)
        self._last_requested[store_id] = now
        return 1

    def _ask_for_conflicts(self, conn, now: datetime) -> int:
        asked = 0
        for store_id, latest, asked_at in parking.conflicts_to_answer(conn):
            if asked_at is not None and now - from_text(asked_at) < self._resend_after:
                continue
            commands.enqueue(conn, store_id, "sync.snapshot", {}, now)
            parking.conflict_asked(conn, store_id, now)
            log.warning("store %s: conflicting events (latest %s); asked for a snapshot", store_id, latest)
            asked += 1
        return asked
