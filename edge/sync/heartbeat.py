"""`omni.hb.<store>` every few seconds over core NATS: what the store has written and how far its sending lags."""

import asyncio
import logging

from edge.settings import version
from edge.store import outbox
from edge.store.epochs import read_epoch
from edge.sync.context import SyncContext
from shared.contract import subjects
from shared.contract.events import Heartbeat, PrinterState
from shared.runtime.clock import from_text

log = logging.getLogger(__name__)

OFFLINE_CHECK_S = 0.25


class HeartbeatSender:
    def __init__(self, ctx: SyncContext):
        self._ctx = ctx
        self._version = version()

    async def run(self) -> None:
        ctx = self._ctx
        while not ctx.stopping.is_set():
            if not ctx.link.online:
                # Look again soon: the first beat after (re)connecting tells central at once that we are back.
                if await ctx.pause(min(OFFLINE_CHECK_S, ctx.settings.heartbeat_interval_s)):
                    return
                continue
            try:
                beat = await asyncio.to_thread(self.build)
                await ctx.link.nc.publish(subjects.heartbeat(ctx.store_id), beat.model_dump_json().encode())
            except Exception as e:  # offline between the check and the publish; the next beat will do
                log.debug("heartbeat skipped: %s", e)
            if await ctx.pause(ctx.settings.heartbeat_interval_s):
                return

    def build(self) -> Heartbeat:
        ctx = self._ctx
        with ctx.db.read() as conn:
            counts = outbox.counters(conn)
            epoch = read_epoch(conn)  # with the counts: a new epoch restarts seq
            printers = [PrinterState(name=p["name"], state=p["state"]) for p in ctx.printer_states(conn)]
        oldest = from_text(counts.oldest_unsent_at) if counts.oldest_unsent_at else None
        return Heartbeat(store_id=ctx.store_id, epoch=epoch, last_seq=counts.last_seq, backlog=counts.backlog,
                         oldest_unsent_at=oldest, clock=ctx.clock(), printers=printers, version=self._version)
