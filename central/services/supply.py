"""Inbound supply at head office: purchase orders to a node (units expected on a date), their receipt, whole or
in parts, and their cancellation. Received units go first to the backorders that claimed them (the waiting-orders
service allocates them in the same transaction)."""

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime

from central.domain.supply import outstanding
from central.services.orders import Orders
from central.services.waiting_orders import WaitingOrders
from central.store import orders as order_store
from central.store import supply as supply_store
from central.store.nodes import get_node
from shared.contract.errors import InvalidInput, InvalidTransition, NotFound, UnknownSku
from shared.runtime.ids import uuid7
from shared.runtime.sqlite import Database
from shared.web import idempotency

SOURCE = "api"


class Supply:
    def __init__(self, db: Database, orders: Orders, waiting: WaitingOrders, wake: Callable[[], None]):
        self._db, self._orders, self._waiting, self._wake = db, orders, waiting, wake

    def create(self, body: dict, key: str | None, now: datetime) -> tuple[int, dict]:
        with self._db.write() as conn:
            status, view, _ = idempotency.once(conn, "supply", key, body, 201, lambda: self._create(conn, body, now))
        return status, view

    def _create(self, conn: sqlite3.Connection, body: dict, now: datetime) -> dict:
        if get_node(conn, body["node_id"]) is None:
            raise InvalidInput(f"No store or warehouse {body['node_id']} is registered; register it first.",
                               field="node_id")
        for line in body["lines"]:
            if conn.execute("SELECT 1 FROM products WHERE sku=?", (line["sku"],)).fetchone() is None:
                raise UnknownSku(f"No product has the SKU {line['sku']!r}; add it with PUT /v1/products/{{sku}} "
                                 "first.", sku=line["sku"])
        supply_id = "PO-" + uuid7()
        supply_store.insert(conn, supply_id, body["node_id"], body.get("reference"),
                            datetime.fromisoformat(body["expected_at"]),
                            {line["sku"]: line["qty"] for line in body["lines"]}, now)
        return supply_store.view(conn, supply_id)

    def view(self, supply_id: str) -> dict:
        with self._db.read() as conn:
            return self._existing(conn, supply_id)

    def listing(self, node_id: str | None, status: str | None, cursor: str | None,
                limit: int) -> tuple[list[dict], str | None]:
        with self._db.read() as conn:
            return supply_store.listing(conn, node_id, status, cursor, limit)

    def receive(self, supply_id: str, body: dict, key: str | None, now: datetime) -> tuple[int, dict]:
        """Units of the purchase order arrived (all of them or part); backorders that claimed them are
        allocated at once."""
        with self._db.write() as conn:
            status, view, made = idempotency.once(conn, f"supply:{supply_id}:receipts", key, body, 200,
                                                  lambda: self._receive(conn, supply_id, body, now))
        if made:
            self._wake()
        return status, view

    def _receive(self, conn: sqlite3.Connection, supply_id: str, body: dict, now: datetime) -> dict:
        supply = self._existing(conn, supply_id)
        if supply["status"] != "open":
            raise InvalidTransition(f"Purchase order {supply_id} is {supply['status']}: nothing more can be "
                                    "received on it.", status=supply["status"])
        on_order = {line["sku"]: line for line in supply["lines"]}
        unknown = [line["sku"] for line in body["lines"] if line["sku"] not in on_order]
        if unknown:
            raise InvalidInput(f"Purchase order {supply_id} has no line for {', '.join(unknown)}; receive only SKUs "
                               "it orders.", skus=unknown)
        served = []
        for line in body["lines"]:
            due = on_order[line["sku"]]["outstanding"]
            supply_store.receive(conn, supply_id, line["sku"], line["qty"])
            # Units beyond the order are recorded but serve no claim: claims never exceed what was due.
            served += self._waiting.serve_supply(conn, supply_id, supply["node_id"], line["sku"],
                                                 min(line["qty"], due), now, SOURCE)
        if all(outstanding(r["qty"], r["received"]) == 0 for r in supply_store.lines_of(conn, supply_id)):
            supply_store.set_status(conn, supply_id, "received", now)
        return {**supply_store.view(conn, supply_id), "orders_allocated": sorted(set(served))}

    def cancel(self, supply_id: str, now: datetime) -> dict:
        """Nothing more is coming: the orders that claimed its units look for other inbound supply, else go
        back to waiting backordered."""
        with self._db.write() as conn:
            supply = self._existing(conn, supply_id)
            if supply["status"] == "cancelled":
                return supply
            if supply["status"] != "open":
                raise InvalidTransition(f"Purchase order {supply_id} is {supply['status']}: it can no longer be "
                                        "cancelled.", status=supply["status"])
            supply_store.set_status(conn, supply_id, "cancelled", now)
            self.release_claims(conn, supply_id, [line["sku"] for line in supply["lines"]],
                                "purchase order cancelled", SOURCE, now)
            return supply_store.view(conn, supply_id)

    def release_claims(self, conn: sqlite3.Connection, supply_id: str, skus: list[str], reason: str, source: str,
                       now: datetime) -> None:
        """Inside the caller's transaction: units that will not come (a cancelled purchase order, a transfer's
        short receipt) free their claims; the orders that held them claim other inbound supply, else wait."""
        orders = set()
        for sku in skus:
            for claim in supply_store.claims_on(conn, supply_id, sku):
                supply_store.take_from_claim(conn, claim.claim_id, claim.qty)
                order_store.add_history(conn, claim.order_id, "supply_released", source, now,
                                        lines=[{"sku": sku, "qty": claim.qty, "supply_id": supply_id}], reason=reason)
                orders.add(claim.order_id)
        for order_id in sorted(orders):
            if self._orders.policy().allow_backorders:
                order = conn.execute("SELECT delivery FROM orders WHERE id=?", (order_id,)).fetchone()
                claims = supply_store.claim_inbound(conn, order_id, json.loads(order["delivery"]),
                                                    order_store.unfilled_lines(conn, order_id), now)
                if claims:
                    order_store.add_history(conn, order_id, "supply_claimed", source, now, lines=claims)
            order_store.refresh_status(conn, order_id, source, now)

    @staticmethod
    def _existing(conn: sqlite3.Connection, supply_id: str) -> dict:
        view = supply_store.view(conn, supply_id)
        if view is None:
            raise NotFound(f"No purchase order {supply_id}.")
        return view
