"""The store's whole link to central on one NATS connection: publisher, watermark, heartbeat, catalog, commands.

Everything reconnects by itself; NATS being down only grows the backlog, never stops the store.
"""

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

from edge.settings import EdgeSettings
from edge.sync.catalog import CatalogFollower
from edge.sync.commands import CommandFollower
from edge.sync.context import SyncContext
from edge.sync.heartbeat import HeartbeatSender
from edge.sync.publisher import Publisher
from edge.sync.watermark import WatermarkFollower
from shared.contract import subjects
from shared.runtime.clock import utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database
from shared.runtime.tasks import cancel_and_wait
from shared.runtime.tls import client_context
from shared.runtime.wakeup import Wakeup

log = logging.getLogger(__name__)

PUBLISHER_DRAIN_S = 10.0


class SyncAgent:
    def __init__(self, settings: EdgeSettings, db: Database, epoch: str, wakeup: Wakeup,
                 clock: Callable[[], datetime] = utc_now, carry_out_commands: Callable[[], object] = lambda: None,
                 printer_states: Callable[[sqlite3.Connection], list[dict]] = lambda conn: []):
        link = NatsLink(settings.nats_servers, user=settings.nats_user, password=settings.nats_secret(),
                        inbox_prefix=subjects.store_inbox_prefix(settings.store_id), name=f"edge-{settings.store_id}",
                        on_change=lambda online: wakeup.notify() if online else None,
                        tls=client_context(settings.nats_ca_file))
        self.ctx = SyncContext(settings=settings, epoch=epoch, db=db, link=link, wakeup=wakeup, clock=clock,
                               printer_states=printer_states)
        self.publisher = Publisher(self.ctx)
        self.catalog = CatalogFollower(self.ctx)
        self.commands = CommandFollower(self.ctx, carry_out_commands)
        self._loops = {"watermark": WatermarkFollower(self.ctx).run, "heartbeat": HeartbeatSender(self.ctx).run,
                       "catalog": self.catalog.run, "commands": self.commands.run}
        self._publisher_task: asyncio.Task | None = None
        self._tasks: list[asyncio.Task] = []

    @property
    def online(self) -> bool:
        return self.ctx.link.online

    @property
    def link(self) -> NatsLink:
        return self.ctx.link

    def start(self) -> None:
        self.ctx.link.start()
        self._publisher_task = asyncio.create_task(self.publisher.run(), name="edge-publisher")
        self._tasks = [asyncio.create_task(run(), name=f"edge-{name}") for name, run in self._loops.items()]

    async def stop(self) -> None:
        """Let an in-flight publish finish (its PubAck marks the row), then stop the loops and close the link."""
        self.ctx.stopping.set()
        self.ctx.wakeup.notify()
        if self._publisher_task is not None:
            try:
                await asyncio.wait_for(self._publisher_task, PUBLISHER_DRAIN_S)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("publisher did not finish within %.0f s; unsent rows wait for the next start",
                            PUBLISHER_DRAIN_S)
        await cancel_and_wait(self._tasks)
        await self.ctx.link.close()
