"""The streams and every registered store's two durable consumers (DESIGN §4), created by central.

Stores cannot create consumers; central makes `edge-<id>` on COMMANDS and `catalog-<id>` on CATALOG
when a store is registered and again for every store at startup. Creating an existing consumer
with the same configuration is a no-op, so this is safe to repeat; while NATS is down it retries.
"""

import asyncio
import logging

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared.contract import subjects
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)


def command_consumer_config(store_id: str) -> ConsumerConfig:
    # One command in flight per store: the edge applies them strictly in cmd_seq order.
    return ConsumerConfig(durable_name=subjects.command_consumer(store_id), filter_subject=subjects.commands(store_id),
                          ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_ack_pending=1)


def catalog_consumer_config(store_id: str) -> ConsumerConfig:
    return ConsumerConfig(durable_name=subjects.catalog_consumer(store_id), filter_subject=subjects.CATALOG_ALL,
                          ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.LAST_PER_SUBJECT)


class StoreConsumers:
    """Keeps the set of stores whose consumers are not yet known to exist, and works it off."""

    def __init__(self, db: Database, link: NatsLink, retry_s: float = 1.0):
        self._db, self._link, self._retry_s = db, link, retry_s
        self._todo: set[str] = set()
        self._wake = asyncio.Event()

    def request(self, store_id: str) -> None:
        self._todo.add(store_id)
        self._wake.set()

    @property
    def outstanding(self) -> set[str]:
        return set(self._todo)

    def request_all_registered(self) -> None:
        with self._db.read() as conn:
            for row in conn.execute("SELECT id FROM nodes WHERE type='store'"):
                self._todo.add(row["id"])
        self._wake.set()

    async def run(self) -> None:
        while True:
            for store_id in sorted(self._todo):
                if not self._link.online:
                    break
                try:
                    await self.ensure(store_id)
                    self._todo.discard(store_id)
                except Exception as e:
                    log.warning("consumers of store %s not created yet: %s", store_id, e or type(e).__name__)
                    break
            try:
                await asyncio.wait_for(self._wake.wait(), self._retry_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def ensure(self, store_id: str) -> None:
        await self._link.js.add_consumer(subjects.COMMANDS_STREAM, config=command_consumer_config(store_id))
        await self._link.js.add_consumer(subjects.CATALOG_STREAM, config=catalog_consumer_config(store_id))
