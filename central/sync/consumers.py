"""The streams and every registered store's two durable consumers (DESIGN §4), created by central.

Stores cannot create consumers; central makes `edge-<id>` on COMMANDS and `catalog-<id>` on CATALOG
when a store is registered and again for every store at startup. Creating an existing consumer
with the same configuration is a no-op, so this is safe to repeat; while NATS is down it retries.
"""

import logging
import threading

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from central.store import nodes
from shared.contract import subjects
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database
from shared.runtime.wakeup import Wakeup

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
        self._todo_lock = threading.Lock()  # a registration (in a request thread) adds while the loop works
        self._wake = Wakeup()

    def request(self, store_id: str) -> None:
        """Safe from any thread."""
        with self._todo_lock:
            self._todo.add(store_id)
        self._wake.notify()

    @property
    def outstanding(self) -> set[str]:
        with self._todo_lock:
            return set(self._todo)

    def request_all_registered(self) -> None:
        with self._db.read() as conn:
            store_ids = nodes.store_ids(conn)
        with self._todo_lock:
            self._todo.update(store_ids)
        self._wake.notify()

    async def run(self) -> None:
        while True:
            for store_id in sorted(self.outstanding):
                if not self._link.online:
                    break
                try:
                    await self.ensure(store_id)
                    with self._todo_lock:
                        self._todo.discard(store_id)
                except Exception as e:
                    log.warning("consumers of store %s not created yet: %s", store_id, e or type(e).__name__)
                    break
            await self._wake.wait(self._retry_s)

    async def ensure(self, store_id: str) -> None:
        await self._link.js.add_consumer(subjects.COMMANDS_STREAM, config=command_consumer_config(store_id))
        await self._link.js.add_consumer(subjects.CATALOG_STREAM, config=catalog_consumer_config(store_id))
