"""Central's command outbox → JetStream `COMMANDS`, in (store, cmd_seq) order, with `Nats-Msg-Id`; a row counts as
published only once its PubAck is back, so a retry after a timeout is absorbed by the stream's duplicate window."""

import asyncio
import logging

from central.store import commands
from shared.contract import subjects
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database
from shared.runtime.wakeup import Wakeup

log = logging.getLogger(__name__)


class CommandPublisher:
    """Publishes unpublished outbox rows in (store, cmd_seq) order; `wake()` after enqueueing."""

    def __init__(self, db: Database, link: NatsLink, retry_s: float = 1.0):
        self._db, self._link, self._retry_s = db, link, retry_s
        self._wake = Wakeup()

    def wake(self) -> None:
        """Safe from any thread."""
        self._wake.notify()

    async def run(self) -> None:
        while True:
            try:
                while await self.publish_pending() > 0:
                    pass
            except Exception as e:  # NATS down or slow: the rows stay, the next round retries them
                log.warning("command publish failed, will retry: %s", e or type(e).__name__)
            await self._wake.wait(self._retry_s)

    async def publish_pending(self, limit: int = 200) -> int:
        if not self._link.online:
            return 0
        envelopes = await asyncio.to_thread(self._unpublished, limit)
        done = 0
        for envelope in envelopes:
            await self._link.js.publish(subjects.commands(envelope.store_id), envelope.to_bytes(), timeout=5,
                                        stream=subjects.COMMANDS_STREAM, headers={"Nats-Msg-Id": f"cmd:{envelope.id}"})
            await asyncio.to_thread(self._mark_published, envelope)
            done += 1
        return done

    # In a worker thread: the database lock may be held by a long ingest batch.
    def _unpublished(self, limit: int):
        with self._db.read() as conn:
            return commands.unpublished(conn, limit)

    def _mark_published(self, envelope) -> None:
        with self._db.write() as conn:
            commands.mark_published(conn, envelope)
