"""Read-only answers of the head-office API that are more than one row: network ATP and walk-in receipts."""

from collections.abc import Callable
from datetime import datetime

from central.domain.policy import RoutingPolicy
from central.settings import CentralSettings
from central.store import receipts as store_receipts
from central.store.atp import atp_view
from shared.contract.errors import NotFound, UnknownSku
from shared.runtime.sqlite import Database


class Lookups:
    """`policy()` gives the routing policy in force (its default safety stock counts in ATP)."""

    def __init__(self, db: Database, settings: CentralSettings, policy: Callable[[], RoutingPolicy]):
        self._db, self._settings, self._policy = db, settings, policy

    def atp(self, sku: str, now: datetime) -> dict:
        with self._db.read() as conn:
            return atp_view(conn, sku, now, self._settings, self._policy().safety_stock_default)

    def atp_of_many(self, skus: list[str], now: datetime) -> dict:
        """Each SKU once, in the order asked; unknown SKUs are listed, not fatal."""
        items, unknown = [], []
        safety_default = self._policy().safety_stock_default
        with self._db.read() as conn:
            for sku in dict.fromkeys(skus):
                try:
                    items.append(atp_view(conn, sku, now, self._settings, safety_default))
                except UnknownSku:
                    unknown.append(sku)
        return {"items": items, "unknown_skus": unknown}

    def receipt(self, receipt_number: str) -> dict:
        with self._db.read() as conn:
            view = store_receipts.receipt_view(conn, receipt_number)
        if view is None:
            raise NotFound(f"No store has recorded receipt {receipt_number} (or its sale has not reached head office "
                           "yet).", receipt_number=receipt_number)
        return view
