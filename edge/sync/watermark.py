"""Central's applied watermark on `omni.ack.<store>`: remember it, and prune what central has and is old.

A watermark of our own epoch above the last seq this database ever wrote means the database is older than what
central heard from it (restored from a backup): the store then opens a new epoch (DESIGN §3) and carries on."""

import asyncio
import logging
from dataclasses import dataclass

from pydantic import ValidationError

from edge.domain.epochs import restored_from_backup
from edge.store import outbox
from edge.store.epochs import EpochChange, carry_on_above, open_new_epoch, read_epoch
from edge.sync.context import SyncContext
from shared.contract import subjects
from shared.contract.events import AppliedWatermark

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """What one watermark did: nothing (another epoch), pruned rows, or a new epoch."""

    our_epoch: str
    last_seq: int = 0
    pruned: int = 0
    other_epoch: bool = False
    change: EpochChange | None = None


class WatermarkFollower:
    def __init__(self, ctx: SyncContext):
        self._ctx = ctx

    async def run(self) -> None:
        ctx = self._ctx
        await ctx.link.wait_online()
        # The client re-subscribes by itself after every reconnect.
        await ctx.link.nc.subscribe(subjects.applied_ack(ctx.store_id), cb=self._on_message)

    async def _on_message(self, msg) -> None:
        try:
            mark = AppliedWatermark.model_validate_json(msg.data)
        except ValidationError as e:
            log.warning("ignoring a malformed watermark: %s", e.errors()[0]["msg"])
            return
        try:
            taken = await asyncio.to_thread(self.apply, mark)
        except Exception:
            log.exception("could not record the watermark")
            return
        if taken.other_epoch:
            log.info("ignoring a watermark of epoch %s (ours is %s)", mark.epoch, taken.our_epoch)
        elif taken.change is not None:
            change = taken.change
            self._ctx.epoch = change.new
            self._ctx.wakeup.notify()  # send the new epoch's snapshot now
            log.error("THIS DATABASE IS OLDER THAN WHAT HEAD OFFICE HAS: central applied seq %d of epoch %s, but "
                      "this database only reached seq %d (restored from a backup?). Started epoch %s with a stock "
                      "snapshot (%d event(s)); the old epoch's %d outbox rows (%d never sent) are kept in "
                      "superseded_events. Sales, returns and receipt numbers made on the newer copy are not in this "
                      "database: check them with head office.", mark.applied_seq, change.old, taken.last_seq,
                      change.new, change.snapshot_events, change.kept_events, change.unsent_events)
        elif taken.pruned:
            log.info("central has applied up to seq %d; pruned %d old events", mark.applied_seq, taken.pruned)

    def apply(self, mark: AppliedWatermark) -> Taken:
        """One transaction: check the epoch and our last seq, then prune or open a new epoch."""
        ctx = self._ctx
        with ctx.db.write() as conn:
            epoch = read_epoch(conn)
            if mark.epoch != epoch:
                return Taken(epoch, other_epoch=True)
            last_seq = outbox.counters(conn).last_seq
            carry_on_above(conn, mark.numbers)
            # A dead letter at our next seq (a malformed message sent with our identity) proves nothing.
            readable = mark.readable_seq if mark.readable_seq is not None else mark.applied_seq
            if restored_from_backup(readable, last_seq):
                reason = f"restored database: central had applied seq {mark.applied_seq} of {epoch}, ours ended at " \
                         f"{last_seq}"
                return Taken(epoch, last_seq, change=open_new_epoch(conn, reason))
            pruned = outbox.apply_watermark(conn, mark.applied_seq, retain_days=ctx.settings.retain_days,
                                            now=ctx.clock())
            return Taken(epoch, last_seq, pruned=pruned)
