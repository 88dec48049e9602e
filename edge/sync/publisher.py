"""Outbox → JetStream `EVENTS`, in seq order; a row counts as sent only once its PubAck is back (DESIGN §4).

A timed-out publish may still have been stored, so it is retried with the same `Nats-Msg-Id`
(the stream's duplicate window answers `duplicate=True`) and never skipped: a gap would stall central.
"""

import asyncio
import logging
import time

from edge.store import outbox
from edge.store.epochs import read_epoch
from edge.sync.context import SyncContext
from shared.contract import subjects

log = logging.getLogger(__name__)

BATCH = 100
PUBLISH_TIMEOUT_S = 5.0
IDLE_WAKE_S = 1.0
RETRY_AFTER_S = 1.0
WARN_EVERY_S = 60.0


class Publisher:
    def __init__(self, ctx: SyncContext):
        self._ctx = ctx
        self.published = 0
        self._failing_since: float | None = None  # monotonic time of the first failure in a row
        self._last_warned = 0.0

    async def run(self) -> None:
        ctx = self._ctx
        while not ctx.stopping.is_set():
            try:
                epoch, rows = await asyncio.to_thread(self._pending)
                if not rows or not ctx.link.online:
                    await ctx.wakeup.wait(IDLE_WAKE_S)
                    continue
                acked = await self._publish_batch(epoch, rows)
                if acked:
                    await asyncio.to_thread(self._mark, epoch, acked)
                if len(acked) < len(rows):
                    await ctx.pause(RETRY_AFTER_S)
            except Exception:  # the publisher must outlive any surprise; the rows wait in the outbox
                log.exception("outbox publisher hit an error; retrying")
                await ctx.pause(RETRY_AFTER_S)

    def _pending(self) -> tuple[str, list[outbox.OutboxRow]]:
        # The epoch is read with the rows: a new epoch (a restored database) may start between two batches.
        with self._ctx.db.read() as conn:
            return read_epoch(conn), outbox.unpublished(conn, BATCH)

    async def _publish_batch(self, epoch: str, rows: list[outbox.OutboxRow]) -> list[int]:
        """Publish a batch pipelined (one connection keeps seq order); the seqs whose PubAck came back.

        A row that failed is retried on the next round with the same id; if a later row got through meanwhile,
        central holds it until the gap fills, so nothing is skipped.
        """
        results = await asyncio.gather(*(self._publish(epoch, row) for row in rows))
        return [row.seq for row, ok in zip(rows, results) if ok]

    async def _publish(self, epoch: str, row: outbox.OutboxRow) -> bool:
        ctx = self._ctx
        envelope = row.envelope(ctx.store_id, epoch)
        try:
            ack = await ctx.link.js.publish(
                subjects.events(ctx.store_id), envelope.to_bytes(), timeout=PUBLISH_TIMEOUT_S,
                stream=subjects.EVENTS_STREAM, headers={"Nats-Msg-Id": subjects.msg_id(ctx.store_id, row.id, row.resent)})
        except Exception as e:
            self._warn(row.seq, str(e) or type(e).__name__)
            return False
        if self._failing_since is not None:
            log.info("events flow again after %.0f s", time.monotonic() - self._failing_since)
            self._failing_since = None
        self.published += 1
        log.debug("event seq %d stored as EVENTS #%d%s", row.seq, ack.seq, " (duplicate)" if ack.duplicate else "")
        return True

    def _warn(self, seq: int, reason: str) -> None:
        # One line when sending starts failing and then one a minute: an outage must not flood the log.
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._last_warned >= WARN_EVERY_S:
            self._last_warned = now
            log.warning("event seq %d not acknowledged (%s); retrying with the same Nats-Msg-Id", seq, reason)

    def _mark(self, epoch: str, seqs: list[int]) -> None:
        # One durable transaction per batch, not per event: the fsync is the cost that matters here.
        with self._ctx.db.write() as conn:
            if read_epoch(conn) != epoch:  # superseded meanwhile: these seqs now name other rows
                log.info("a new epoch started while seq %d-%d were in flight; not marking them", seqs[0], seqs[-1])
                return
            at = self._ctx.clock()
            for seq in seqs:
                outbox.mark_published(conn, seq, at)
