"""Following one of the store's two durable pull consumers, which central creates (DESIGN §4).

A store may not create consumers, so it binds to the existing durable, waiting until central has
made it; every message is acknowledged only after its effect has committed.
"""

import logging
from collections.abc import Awaitable, Callable

import nats.errors
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError

from edge.sync.context import SyncContext

log = logging.getLogger(__name__)

BIND_RETRY_S = 3.0
FETCH_TIMEOUT_S = 2.0


class ConsumerFollower:
    """Binds to `stream`/`consumer`, fetches in batches and hands each batch to `handle` (which acks)."""

    def __init__(self, ctx: SyncContext, stream: str, consumer: str, batch: int,
                 handle: Callable[[list[Msg]], Awaitable[None]]):
        self._ctx = ctx
        self.stream, self.consumer = stream, consumer
        self._batch = batch
        self._handle = handle
        self.bound = False

    async def run(self) -> None:
        ctx = self._ctx
        subscription = None
        waiting_logged = False
        while not ctx.stopping.is_set():
            if not ctx.link.online:
                await ctx.pause(1.0)
                continue
            if subscription is None:
                try:
                    await ctx.link.js.consumer_info(self.stream, self.consumer, timeout=FETCH_TIMEOUT_S)
                    subscription = await ctx.link.js.pull_subscribe_bind(self.consumer, stream=self.stream)
                except NotFoundError:
                    if not waiting_logged:
                        log.warning("waiting for central to create consumer %s on %s", self.consumer, self.stream)
                        waiting_logged = True
                    await ctx.pause(BIND_RETRY_S)
                    continue
                except Exception as e:
                    log.debug("cannot bind %s/%s yet: %s", self.stream, self.consumer, e)
                    await ctx.pause(BIND_RETRY_S)
                    continue
                self.bound = True
                log.info("following %s/%s", self.stream, self.consumer)
            try:
                messages = await subscription.fetch(self._batch, timeout=FETCH_TIMEOUT_S)
            except nats.errors.TimeoutError:
                continue  # nothing new (or the link is down: the next turn checks)
            except Exception as e:  # e.g. the consumer was deleted: bind again once it is back
                log.warning("fetching from %s/%s failed (%s); binding again", self.stream, self.consumer, e)
                subscription, self.bound = await self._drop(subscription), False
                await ctx.pause(BIND_RETRY_S)
                continue
            try:
                await self._handle(messages)
            except Exception:  # unacked messages come back after ack_wait; nothing is lost
                log.exception("handling messages from %s/%s failed", self.stream, self.consumer)
                await ctx.pause(BIND_RETRY_S)

    @staticmethod
    async def _drop(subscription) -> None:
        try:
            await subscription.unsubscribe()
        except Exception:
            pass
        return None
