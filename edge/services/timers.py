"""The store's own clock work, with or without NATS: commands left in the inbox, `accept_by` deadlines and
pickups nobody collected."""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from edge.services.commands import CommandInbox
from edge.services.fulfilment import Fulfilments

log = logging.getLogger(__name__)


async def run_timers(inbox: CommandInbox, fulfilments: Fulfilments, clock: Callable[[], datetime],
                     tick_s: float) -> None:
    while True:
        try:
            await asyncio.to_thread(inbox.apply_pending, clock())
            await asyncio.to_thread(fulfilments.expire_due, clock())
        except Exception:  # the next tick tries again; nothing is lost
            log.exception("store timers failed")
        await asyncio.sleep(tick_s)
