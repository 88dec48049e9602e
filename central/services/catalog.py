"""What central publishes on CATALOG (DESIGN §4, §6, §7): products, the routing policy and the receipt token keys.

Each change is one transaction that marks it unpublished; the publisher is woken after the commit and sends
it when NATS takes it. The policy in force is kept in memory too: routing reads it on every order.
"""

from collections.abc import Callable
from datetime import datetime

from central.domain.policy import RoutingPolicy
from central.settings import CentralSettings
from central.store import catalog, signing_keys
from central.store import policy as policy_store
from shared.contract.models import Product
from shared.runtime.sqlite import Database


class Catalog:
    """`published()` wakes the CATALOG publisher; safe to call from any thread."""

    def __init__(self, db: Database, settings: CentralSettings, published: Callable[[], None], now: datetime):
        self._db, self._settings, self._published = db, settings, published
        with db.read() as conn:
            self.policy, _ = policy_store.load(conn, settings.stale_after_s)
        with db.write() as conn:
            signing_keys.ensure_key(conn, now)  # the first start makes central's receipt signing key
        settings.stale_after_s = self.policy.stale_after_s  # a policy set through the API wins

    # ---- products ------------------------------------------------------------------------------

    def save_product(self, product: Product, now: datetime) -> tuple[bool, dict]:
        """Create or replace a product, to be published to every store: (created, its view)."""
        with self._db.write() as conn:
            created = catalog.save_product(conn, product, now)
            view = catalog.product_view(conn, product.sku)
        self._published()
        return created, view

    def products(self, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        with self._db.read() as conn:
            return catalog.list_products(conn, cursor, limit)

    # ---- routing policy ------------------------------------------------------------------------

    def set_policy(self, policy: RoutingPolicy, now: datetime) -> RoutingPolicy:
        """Store a new routing policy, use it from now on, and publish it on omni.catalog.policy."""
        with self._db.write() as conn:
            policy_store.save(conn, policy, now)
        self.policy = policy
        self._settings.stale_after_s = policy.stale_after_s
        self._published()
        return policy

    # ---- receipt token keys --------------------------------------------------------------------

    def keys(self) -> dict:
        with self._db.read() as conn:
            return signing_keys.listing(conn)

    def rotate_keys(self, now: datetime) -> dict:
        """A new receipt signing key from now on; the old public keys stay published. Returns the keys."""
        with self._db.write() as conn:
            signing_keys.rotate(conn, now)
            listing = signing_keys.listing(conn)
        self._published()
        return listing
