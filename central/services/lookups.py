"""Read-only answers of the head-office API that are more than one row: network ATP and walk-in receipts."""

import json
from collections.abc import Callable
from datetime import datetime

from central.domain.policy import RoutingPolicy
from central.settings import CentralSettings
from central.store import order_search
from central.store import receipts as store_receipts
from central.store.atp import atp_view
from central.store.node_facts import NodeFacts
from shared.contract.errors import NotFound, UnknownSku
from shared.runtime.sqlite import Database


class Lookups:
    """`policy()` gives the routing policy in force (its default safety stock counts in ATP); `facts`, the nodes'
    facts in memory (central keeps one for all its parts)."""

    def __init__(self, db: Database, settings: CentralSettings, policy: Callable[[], RoutingPolicy],
                 facts: NodeFacts | None = None):
        self._db, self._settings, self._policy = db, settings, policy
        self._facts = facts or NodeFacts(db)

    def atp(self, sku: str, now: datetime) -> dict:
        with self._db.read() as conn:
            return atp_view(conn, sku, now, self._settings, self._policy().safety_stock_default, self._facts)

    def atp_of_many(self, skus: list[str], now: datetime) -> dict:
        """Each SKU once, in the order asked; unknown SKUs are listed, not fatal."""
        items, unknown = [], []
        safety_default = self._policy().safety_stock_default
        with self._db.read() as conn:
            for sku in dict.fromkeys(skus):
                try:
                    items.append(atp_view(conn, sku, now, self._settings, safety_default, self._facts))
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

    def receipts_of_store(self, store_id: str, start: datetime | None, end: datetime | None, cursor: str | None,
                          limit: int) -> dict:
        """A store's walk-in receipts sold in [start, end), newest number first."""
        with self._db.read() as conn:
            rows = order_search.receipts_of_store(conn, store_id, start, end, cursor, limit + 1)
        items = [{"receipt_number": r["receipt_number"], "store_id": r["store_id"], "currency": r["currency"],
                  "occurred_at": r["occurred_at"], "total": json.loads(r["body"])["total"],
                  "units": sum(line["qty"] for line in json.loads(r["body"])["lines"])} for r in rows[:limit]]
        return {"items": items, "next_cursor": rows[limit - 1]["receipt_number"] if len(rows) > limit else None}
