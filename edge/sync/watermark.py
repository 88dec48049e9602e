"""Central's applied watermark on `omni.ack.<store>`: remember it, and prune what central has and is old."""

import asyncio
import logging

from pydantic import ValidationError

from edge import outbox
from edge.sync.context import SyncContext
from shared import subjects
from shared.events import AppliedWatermark

log = logging.getLogger(__name__)


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
        if mark.epoch != self._ctx.epoch:
            log.info("ignoring a watermark of epoch %s (ours is %s)", mark.epoch, self._ctx.epoch)
            return
        try:
            deleted = await asyncio.to_thread(self.apply, mark.applied_seq)
        except Exception:
            log.exception("could not record the watermark")
            return
        if deleted:
            log.info("central has applied up to seq %d; pruned %d old events", mark.applied_seq, deleted)

    def apply(self, applied_seq: int) -> int:
        ctx = self._ctx
        with ctx.db.write() as conn:
            return outbox.apply_watermark(conn, applied_seq, retain_days=ctx.settings.retain_days, now=ctx.clock())
