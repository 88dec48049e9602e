"""Outbox → JetStream `EVENTS`, in seq order; a row counts as sent only once its PubAck is back (DESIGN §4).

A backlog goes out in batches read ahead of their acks: while one batch's PubAcks come back the next is already on
the wire (one connection keeps seq order), the one after is being read, and the batch before is being marked sent in
one transaction. A timed-out publish may still have been stored, so it is retried with the same `Nats-Msg-Id` (the
stream's duplicate window answers `duplicate=True`) and never skipped: a gap would stall central.
"""

import asyncio
import logging
import time
from collections import deque

from edge.store import outbox
from edge.store.epochs import read_epoch
from edge.sync.context import SyncContext
from shared.contract import subjects

log = logging.getLogger(__name__)

BATCH = 256  # rows read, published and marked together
BATCHES_IN_FLIGHT = 2  # the next batch is sent while the oldest one's PubAcks come back
PUBLISH_TIMEOUT_S = 5.0
IDLE_WAKE_S = 1.0
RETRY_AFTER_S = 1.0
WARN_EVERY_S = 60.0

Sent = tuple[list[outbox.OutgoingEvent], list[asyncio.Future | None]]


class Publisher:
    def __init__(self, ctx: SyncContext, *, publish_timeout: float = PUBLISH_TIMEOUT_S):
        self._ctx = ctx
        self._publish_timeout = publish_timeout
        self.published = 0
        self._failing_since: float | None = None  # monotonic time of the first failure in a row
        self._last_warned = 0.0

    async def run(self) -> None:
        ctx = self._ctx
        while not ctx.stopping.is_set():
            try:
                epoch, rows = await asyncio.to_thread(self._unsent, 0)
                if not rows or not ctx.link.online:
                    await ctx.wakeup.wait(IDLE_WAKE_S)
                    continue
                if not await self._drain(epoch, rows):
                    await ctx.pause(RETRY_AFTER_S)
            except Exception:  # the publisher must outlive any surprise; the rows wait in the outbox
                log.exception("outbox publisher hit an error; retrying")
                await ctx.pause(RETRY_AFTER_S)

    def _unsent(self, after: int) -> tuple[str, list[outbox.OutgoingEvent]]:
        # The epoch is read with the rows: a new epoch (a restored database) may start between two batches.
        with self._ctx.db.read() as conn:
            epoch = read_epoch(conn)
            return epoch, outbox.unsent(conn, self._ctx.store_id, epoch, after=after, limit=BATCH)

    async def _drain(self, epoch: str, rows: list[outbox.OutgoingEvent]) -> bool:
        """Publish from `rows` on until the outbox has no more unsent rows above them; False if any send failed.

        After a failure nothing new is sent; what is in flight is settled and its acked rows marked, and the next
        round starts again from the oldest unsent row, with the same ids. A later row that got through meanwhile is
        held by central until the gap fills, so nothing is skipped."""
        window: deque[Sent] = deque()
        marking: asyncio.Future | None = None
        all_acked = True
        while rows or window:
            reading = None
            if rows and all_acked and not self._ctx.stopping.is_set():
                window.append((rows, [await self._send(event) for event in rows]))
                reading = asyncio.ensure_future(asyncio.to_thread(self._unsent, rows[-1].seq))
            if window and (len(window) >= BATCHES_IN_FLIGHT or reading is None):
                batch, futures = window.popleft()
                acked = await self._settle(batch, futures)
                all_acked = all_acked and len(acked) == len(batch)
                if marking is not None:
                    await marking  # marks go in seq order, one transaction at a time
                marking = asyncio.ensure_future(asyncio.to_thread(self._mark, epoch, acked))
            rows = []
            if reading is not None:
                read_in, rows = await reading
                if read_in != epoch:  # a new epoch: its rows start a round of their own
                    rows = []
        if marking is not None:
            await marking
        return all_acked

    async def _send(self, event: outbox.OutgoingEvent) -> asyncio.Future | None:
        ctx = self._ctx
        try:
            return await ctx.link.js.publish_async(
                subjects.events(ctx.store_id), event.body, stream=subjects.EVENTS_STREAM,
                headers={"Nats-Msg-Id": subjects.msg_id(ctx.store_id, event.id, event.resent)})
        except Exception as e:
            self._warn(event.seq, str(e) or type(e).__name__)
            return None

    async def _settle(self, batch: list[outbox.OutgoingEvent], futures: list[asyncio.Future | None]
                      ) -> list[outbox.OutgoingEvent]:
        """Wait for a batch's PubAcks (one deadline for the batch); the events JetStream acknowledged."""
        waiting = [f for f in futures if f is not None and not f.done()]
        if waiting:
            _, late = await asyncio.wait(waiting, timeout=self._publish_timeout)
            for future in late:
                future.cancel()
        acked = []
        for event, future in zip(batch, futures):
            if future is None:
                continue
            if future.cancelled() or future.exception() is not None:
                self._warn(event.seq, "no PubAck in time" if future.cancelled() else str(future.exception()))
                continue
            acked.append(event)
            ack = future.result()
            log.debug("event seq %d stored as EVENTS #%d%s", event.seq, ack.seq, " (duplicate)" if ack.duplicate else "")
        if acked and self._failing_since is not None and len(acked) == len(batch):
            log.info("events flow again after %.0f s", time.monotonic() - self._failing_since)
            self._failing_since = None
        self.published += len(acked)
        return acked

    def _warn(self, seq: int, reason: str) -> None:
        # One line when sending starts failing and then one a minute: an outage must not flood the log.
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._last_warned >= WARN_EVERY_S:
            self._last_warned = now
            log.warning("event seq %d not acknowledged (%s); retrying with the same Nats-Msg-Id", seq, reason)

    def _mark(self, epoch: str, acked: list[outbox.OutgoingEvent]) -> None:
        # One durable transaction per batch, not per event: the fsync is the cost that matters here.
        if not acked:
            return
        with self._ctx.db.write() as conn:
            if read_epoch(conn) != epoch:  # superseded meanwhile: these seqs now name other rows
                log.info("a new epoch started while seq %d-%d were in flight; not marking them",
                         acked[0].seq, acked[-1].seq)
                return
            outbox.mark_sent(conn, acked, self._ctx.clock())
