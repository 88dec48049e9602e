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
import sqlite3
from datetime import datetime

from nats.js.errors import NotFoundError

from central import policy_store, signing_keys
from central.domain.policy import RoutingPolicy
from shared import subjects
from shared.clock import now_text, to_text, utc_now
from shared.events import CatalogProduct
from shared.models import Product
from shared.nats_link import NatsLink
from shared.sqlite import Database

log = logging.getLogger(__name__)


def save_product(conn: sqlite3.Connection, product: Product, now: datetime) -> bool:
    """Insert or replace a product, marked unpublished; True when it is new."""
    existed = conn.execute("SELECT 1 FROM products WHERE sku=?", (product.sku,)).fetchone() is not None
    conn.execute(
        "INSERT INTO products (sku, name, gtin, price, currency, tax_rate_bp, active, updated_at, published_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (sku) DO UPDATE SET name=excluded.name, "
        "gtin=excluded.gtin, price=excluded.price, currency=excluded.currency, tax_rate_bp=excluded.tax_rate_bp, "
        "active=excluded.active, updated_at=excluded.updated_at, published_at=NULL",
        (product.sku, product.name, product.gtin, product.price, product.currency, product.tax_rate_bp,
         int(product.active), to_text(now)))
    return not existed


def product_of(row: sqlite3.Row) -> dict:
    return {"sku": row["sku"], "name": row["name"], "gtin": row["gtin"], "price": row["price"],
            "currency": row["currency"], "tax_rate_bp": row["tax_rate_bp"], "active": bool(row["active"]),
            "updated_at": row["updated_at"], "published_at": row["published_at"]}


class CatalogPublisher:
    def __init__(self, db: Database, link: NatsLink, retry_s: float = 1.0,
                 default_policy: RoutingPolicy | None = None):
        self._db, self._link, self._retry_s = db, link, retry_s
        self._default_policy = default_policy or RoutingPolicy()
        self._wake = asyncio.Event()
        self._policy_done = False
        self._keys_sent: bytes | None = None  # the keys message CATALOG took last, since this start

    def wake(self) -> None:
        self._wake.set()

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
            try:
                await asyncio.wait_for(self._wake.wait(), self._retry_s)
            except TimeoutError:
                pass
            self._wake.clear()

    async def publish_policy(self) -> None:
        """A policy set through the API and not yet published; else, once, the defaults unless CATALOG
        already has a policy (never overwrite a set one)."""
        with self._db.read() as conn:
            stored = policy_store.unpublished(conn)
            ever_set = conn.execute("SELECT 1 FROM routing_policy").fetchone() is not None
        if stored is not None:
            policy, version = stored
            await self._link.js.publish(subjects.CATALOG_POLICY, json.dumps(policy).encode(), timeout=5,
                                        stream=subjects.CATALOG_STREAM)
            with self._db.write() as conn:
                policy_store.mark_published(conn, version, utc_now())
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
        with self._db.read() as conn:
            keys = signing_keys.published(conn)
        data = keys.model_dump_json().encode()
        if not keys.keys or data == self._keys_sent:
            return False
        await self._link.js.publish(subjects.CATALOG_KEYS, data, timeout=5, stream=subjects.CATALOG_STREAM)
        self._keys_sent = data
        log.info("published %d receipt key(s) on %s, current %s", len(keys.keys), subjects.CATALOG_KEYS, keys.current)
        return True

    async def publish_pending(self, limit: int = 500) -> int:
        with self._db.read() as conn:
            rows = conn.execute("SELECT * FROM products WHERE published_at IS NULL LIMIT ?", (limit,)).fetchall()
        for row in rows:
            product = CatalogProduct(sku=row["sku"], name=row["name"], gtin=row["gtin"], price=row["price"],
                                     currency=row["currency"], tax_rate_bp=row["tax_rate_bp"],
                                     active=bool(row["active"]))
            ack = await self._link.js.publish(
                subjects.catalog_product(product.sku), product.model_dump_json().encode(), timeout=5,
                stream=subjects.CATALOG_STREAM,
                headers={"Nats-Msg-Id": f"product:{product.sku}:{row['updated_at']}"})
            with self._db.write() as conn:
                # Only if nobody changed it meanwhile; a newer version stays unpublished and goes next round.
                conn.execute("UPDATE products SET published_at=? WHERE sku=? AND updated_at=?",
                             (now_text(), row["sku"], row["updated_at"]))
            log.debug("published %s as CATALOG seq %s", product.sku, ack.seq)
        return len(rows)
