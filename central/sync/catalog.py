"""The catalog (DESIGN §4): products kept here and published to CATALOG, one subject per SKU.

A PUT stores the product with `published_at` NULL; a background loop publishes every unpublished
product when NATS is up, so a product saved during an outage reaches the stores later. The routing
policy goes the same way: a policy set through the API is published once NATS takes it; until one
is set, the defaults are published unless CATALOG already holds a policy. The public keys of the
receipt tokens go on `omni.catalog.keys` once after every start and again whenever they change (a
rotation through the API or the command line), retried the same way.
"""

import asyncio
import json
import logging

from nats.js.errors import NotFoundError

from central.domain.policy import RoutingPolicy
from central.store import catalog, signing_keys
from central.store import policy as policy_store
from shared.contract import subjects
from shared.contract.events import CatalogProduct
from shared.runtime.clock import utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database
from shared.runtime.wakeup import Wakeup

log = logging.getLogger(__name__)


class CatalogPublisher:
    def __init__(self, db: Database, link: NatsLink, retry_s: float = 1.0,
                 default_policy: RoutingPolicy | None = None):
        self._db, self._link, self._retry_s = db, link, retry_s
        self._default_policy = default_policy or RoutingPolicy()
        self._wake = Wakeup()
        self._policy_done = False
        self._keys_sent: bytes | None = None  # the keys message CATALOG took last, since this start

    def wake(self) -> None:
        """Safe from any thread."""
        self._wake.notify()

    async def run(self) -> None:
        while True:
            try:
                if self._link.online:
                    await self.publish_policy()
                    await self.publish_keys()
                    while await self.publish_pending() > 0:
                        pass
            except Exception as e:
                log.warning("catalog publish failed, will retry: %s", e or type(e).__name__)
            await self._wake.wait(self._retry_s)

    async def publish_policy(self) -> None:
        """A policy set through the API and not yet published; else, once, the defaults unless CATALOG
        already has a policy (never overwrite a set one)."""
        stored, ever_set = await asyncio.to_thread(self._unpublished_policy)
        if stored is not None:
            policy, version = stored
            await self._link.js.publish(subjects.CATALOG_POLICY, json.dumps(policy).encode(), timeout=5,
                                        stream=subjects.CATALOG_STREAM)
            await asyncio.to_thread(self._mark_policy_published, version)
            self._policy_done = True
            return
        if self._policy_done or ever_set:
            return
        try:
            await self._link.js.get_last_msg(subjects.CATALOG_STREAM, subjects.CATALOG_POLICY)
        except NotFoundError:
            await self._link.js.publish(subjects.CATALOG_POLICY, self._default_policy.model_dump_json().encode(),
                                        timeout=5, stream=subjects.CATALOG_STREAM)
        self._policy_done = True

    async def publish_keys(self) -> bool:
        """Publish the public keys when CATALOG has not had this set from us since this start."""
        keys = await asyncio.to_thread(self._published_keys)
        data = keys.model_dump_json().encode()
        if not keys.keys or data == self._keys_sent:
            return False
        await self._link.js.publish(subjects.CATALOG_KEYS, data, timeout=5, stream=subjects.CATALOG_STREAM)
        self._keys_sent = data
        log.info("published %d receipt key(s) on %s, current %s", len(keys.keys), subjects.CATALOG_KEYS, keys.current)
        return True

    async def publish_pending(self, limit: int = 500) -> int:
        """A page of unpublished products, then one transaction marking the page published (a bulk import of
        100,000 products would otherwise make 100,000 durable commits). A crash before the mark publishes the page
        again under the same Nats-Msg-Ids, which JetStream's duplicate window absorbs."""
        rows = await asyncio.to_thread(self._unpublished_products, limit)
        published = []
        for row in rows:
            product = CatalogProduct(sku=row["sku"], name=row["name"], gtin=row["gtin"], price=row["price"],
                                     currency=row["currency"], tax_rate_bp=row["tax_rate_bp"],
                                     active=bool(row["active"]))
            ack = await self._link.js.publish(
                subjects.catalog_product(product.sku), product.model_dump_json().encode(), timeout=5,
                stream=subjects.CATALOG_STREAM,
                headers={"Nats-Msg-Id": f"product:{product.sku}:{row['updated_at']}"})
            published.append((row["sku"], row["updated_at"]))
            log.debug("published %s as CATALOG seq %s", product.sku, ack.seq)
        if published:
            await asyncio.to_thread(self._mark_products_published, published)
        return len(rows)

    # The database work, in a worker thread: the database lock may be held by a long ingest batch.
    def _unpublished_policy(self) -> tuple[tuple[dict, str] | None, bool]:
        with self._db.read() as conn:
            return policy_store.unpublished(conn), policy_store.ever_set(conn)

    def _mark_policy_published(self, version: str) -> None:
        with self._db.write() as conn:
            policy_store.mark_published(conn, version, utc_now())

    def _published_keys(self):
        with self._db.read() as conn:
            return signing_keys.published(conn)

    def _unpublished_products(self, limit: int):
        with self._db.read() as conn:
            return catalog.unpublished(conn, limit)

    def _mark_products_published(self, versions: list[tuple[str, str]]) -> None:
        with self._db.write() as conn:
            now = utc_now()
            for sku, version in versions:
                catalog.mark_published(conn, sku, version, now)
