"""What every sync loop of one agent shares: the store, its database, its NATS link, its clock."""

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from edge.settings import EdgeSettings
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database
from shared.runtime.wakeup import Wakeup


@dataclass
class SyncContext:
    settings: EdgeSettings
    epoch: str  # the epoch at start, updated when a new one opens; loops read it with their rows from `meta`
    db: Database
    link: NatsLink
    wakeup: Wakeup
    clock: Callable[[], datetime]
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    # Each printer's spool state ({name, state, …}) for the heartbeat, read inside the heartbeat's transaction.
    printer_states: Callable[[sqlite3.Connection], list[dict]] = lambda conn: []

    @property
    def store_id(self) -> str:
        return self.settings.store_id

    async def pause(self, seconds: float) -> bool:
        """Sleep, cut short when the agent stops; True when stopping."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            pass
        return self.stopping.is_set()
