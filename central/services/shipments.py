"""Shipments: a warehouse's feed (what left, with carrier and tracking; what it cannot fill) and a store's
`shipment.shipped`, recorded on the allocation so the order, its status and its webhooks carry the tracking.

A warehouse has no agent: its ERP/WMS posts each shipment, possibly several per allocation (a partial shipment),
and rejects what it cannot fill. The units a warehouse rejects are split off its allocation into a rejected one,
so re-routing leaves that warehouse out exactly as it leaves out a store that rejected, and what shipped stays
shipped.
"""

import logging
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime

from central.domain import shipments as rules
from central.domain.orders import DONE, AllocationStatus, is_live
from central.services.orders import Orders
from central.store import orders as order_store
from central.store import shipments as shipment_store
from shared.contract.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from shared.contract.events import EventEnvelope, ShipmentShipped
from shared.runtime.clock import from_text, to_text
from shared.runtime.ids import uuid7
from shared.runtime.sqlite import Database
from shared.web import idempotency

log = logging.getLogger(__name__)
MISSING = ("not_found", "damaged")  # the units are not there to sell: out of the warehouse's ATP until its next feed


class Shipments:
    def __init__(self, db: Database, orders: Orders, tracking_urls: Mapping[str, str],
                 wake: Callable[[], None]):
        self._db, self._orders, self._wake = db, orders, wake
        self.templates = rules.tracking_templates(tracking_urls)

    # ---- a warehouse's feed ---------------------------------------------------------------------------

    def ship(self, node_id: str, body: dict, key: str | None, now: datetime) -> tuple[int, dict]:
        """Record a warehouse shipment (201); the same tracking number again for the same lines answers the first
        one (200)."""
        try:
            with self._db.write() as conn:
                status, view, made = idempotency.once(conn, f"shipments:{node_id}", key, body, 201,
                                                      lambda: self._ship(conn, node_id, body, now))
        except _AlreadyRecorded as again:
            return 200, again.answer
        if made:
            self._wake()
        return status, view

    def _ship(self, conn: sqlite3.Connection, node_id: str, body: dict, now: datetime) -> dict:
        allocation = self._warehouse_allocation(conn, node_id, body["allocation_id"])
        requested = None if body.get("lines") is None else {line["sku"]: line["qty"] for line in body["lines"]}
        earlier = shipment_store.by_tracking(conn, allocation["id"], body["tracking_number"])
        if earlier is not None:
            same = requested is None or dict(sorted(requested.items())) == {
                line["sku"]: line["qty"] for line in shipment_store.view(earlier)["lines"]}
            if not same:
                raise Conflict(f"Tracking number {body['tracking_number']} is already recorded for allocation "
                               f"{allocation['id']} with other lines; a new parcel needs its own tracking number.")
            raise _AlreadyRecorded(self._answer(conn, allocation["id"], shipment_store.view(earlier)))
        if not is_live(allocation["status"]):
            raise InvalidTransition(f"Allocation {allocation['id']} is {allocation['status']}: nothing of it may ship "
                                    "any more.", status=allocation["status"])
        shipped_at = from_text(body["shipped_at"])
        try:
            rules.check_shipped_at(shipped_at, now)
            lines = rules.shipment_lines(order_store.lines_of_allocation(conn, allocation["id"]),
                                         shipment_store.shipped_units(conn, allocation["id"]), requested)
        except rules.ShipmentRefused as e:
            raise InvalidInput(str(e)) from e
        shipment_id = uuid7()
        url = rules.tracking_url(self.templates, body["carrier"], body["tracking_number"])
        shipment_store.insert(conn, shipment_id, allocation, lines, body["carrier"], body["tracking_number"], url,
                              shipped_at, "api", now)
        left = rules.unshipped(order_store.lines_of_allocation(conn, allocation["id"]),
                               shipment_store.shipped_units(conn, allocation["id"]))
        source = f"warehouse:{node_id}"
        order_store.add_history(conn, allocation["order_id"], "shipment.shipped", source, now,
                                allocation_id=allocation["id"], node_id=node_id, shipment_id=shipment_id,
                                lines=[{"sku": s, "qty": q} for s, q in sorted(lines.items())],
                                carrier=body["carrier"], tracking_number=body["tracking_number"], tracking_url=url,
                                shipped_at=to_text(shipped_at), partial=bool(left))
        if not left:
            order_store.set_allocation(conn, allocation["id"], now, status=AllocationStatus.SHIPPED)
        order_store.refresh_status(conn, allocation["order_id"], source, now)
        row = conn.execute("SELECT * FROM shipments WHERE id=?", (shipment_id,)).fetchone()
        return self._answer(conn, allocation["id"], shipment_store.view(row))

    def reject(self, node_id: str, allocation_id: str, reason: str, note: str | None, key: str | None,
               now: datetime) -> dict:
        """The warehouse cannot fill what is left of an allocation: it is split off as rejected and routed again
        elsewhere (what already shipped stays shipped). Repeating it answers the same."""
        body = {"allocation_id": allocation_id, "reason": reason, "note": note}
        with self._db.write() as conn:
            _, view, made = idempotency.once(conn, f"warehouse-rejects:{node_id}", key, body, 200,
                                             lambda: self._reject(conn, node_id, allocation_id, reason, note, now))
        if made:
            self._wake()
        return view

    def _reject(self, conn: sqlite3.Connection, node_id: str, allocation_id: str, reason: str, note: str | None,
                now: datetime) -> dict:
        allocation = self._warehouse_allocation(conn, node_id, allocation_id)
        source = f"warehouse:{node_id}"
        if allocation["status"] == AllocationStatus.REJECTED:
            return self._rejected_view(conn, allocation["id"], allocation["id"])
        if not is_live(allocation["status"]) or allocation["status"] in DONE:
            raise InvalidTransition(f"Allocation {allocation_id} is {allocation['status']}: there is nothing left "
                                    "of it to reject.", status=allocation["status"])
        allocated = order_store.lines_of_allocation(conn, allocation["id"])
        shipped = shipment_store.shipped_units(conn, allocation["id"])
        left = rules.unshipped(allocated, shipped)
        why = f"{reason}: {note}" if note else reason
        if shipped:  # the shipped part stays shipped; the rest becomes a rejected allocation of its own
            rejected_id = uuid7()
            order_store.insert_allocation(conn, rejected_id, allocation["order_id"], node_id, "warehouse",
                                          allocation["type"], AllocationStatus.REJECTED, tuple(sorted(left.items())),
                                          None, now)
            order_store.set_allocation(conn, rejected_id, now, reason=why)
            conn.execute("DELETE FROM allocation_lines WHERE allocation_id=?", (allocation["id"],))
            conn.executemany("INSERT INTO allocation_lines (allocation_id, sku, node_id, qty) VALUES (?, ?, ?, ?)",
                             [(allocation["id"], sku, node_id, qty) for sku, qty in sorted(shipped.items())])
            order_store.set_allocation(conn, allocation["id"], now, status=AllocationStatus.SHIPPED)
        else:
            rejected_id = allocation["id"]
            order_store.set_allocation(conn, rejected_id, now, status=AllocationStatus.REJECTED, reason=why)
        if reason in MISSING:
            order_store.set_allocation(conn, rejected_id, now, stock_missing=1)
        order_store.add_history(conn, allocation["order_id"], "fulfilment.rejected", source, now,
                                allocation_id=rejected_id, node_id=node_id, reason=reason, note=note,
                                lines=[{"sku": s, "qty": q} for s, q in sorted(left.items())],
                                split_from=allocation["id"] if rejected_id != allocation["id"] else None)
        order = conn.execute("SELECT cancel_requested_at FROM orders WHERE id=?", (allocation["order_id"],)).fetchone()
        if order["cancel_requested_at"] is None:
            self._orders.route_lines(conn, allocation["order_id"], left, f"re-route: {node_id} rejected it ({reason})",
                                     now)
        order_store.refresh_status(conn, allocation["order_id"], source, now)
        return self._rejected_view(conn, allocation["id"], rejected_id)

    # ---- a store's shipment.shipped, inside ingest's transaction -----------------------------------------------

    def record_store_shipment(self, conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope,
                              payload: ShipmentShipped, now: datetime) -> None:
        """Keep the carrier and tracking of a store's shipment on its allocation, before the allocation's status
        moves (so the order's status change and its webhooks already carry them). Never raises."""
        conn.execute("SAVEPOINT store_shipment")
        try:
            allocation = conn.execute("SELECT * FROM allocations WHERE id=?", (payload.allocation_id,)).fetchone()
            if (allocation is not None and allocation["node_id"] == store_id
                    and allocation["order_id"] == payload.order_id
                    and shipment_store.by_tracking(conn, allocation["id"], payload.tracking_number) is None):
                shipment_store.insert(conn, envelope.id, allocation, order_store.lines_of_allocation(conn, allocation["id"]),
                                      payload.carrier, payload.tracking_number,
                                      rules.tracking_url(self.templates, payload.carrier, payload.tracking_number),
                                      envelope.occurred_at, f"store:{store_id}", now)
        except Exception:
            conn.execute("ROLLBACK TO store_shipment")
            log.exception("the shipment of store %s (event %s) could not be recorded", store_id, envelope.id)
        finally:
            conn.execute("RELEASE store_shipment")

    # ---- plumbing -----------------------------------------------------------------------------------------------

    def _warehouse_allocation(self, conn: sqlite3.Connection, node_id: str, allocation_id: str) -> sqlite3.Row:
        allocation = conn.execute("SELECT * FROM allocations WHERE id=?", (allocation_id,)).fetchone()
        if allocation is None or allocation["node_id"] != node_id:
            raise NotFound(f"Node {node_id} has no allocation {allocation_id}; GET /v1/orders?store={node_id} "
                           "lists its orders.")
        if allocation["node_type"] != "warehouse":
            raise Conflict(f"Allocation {allocation_id} is at store {node_id}, which ships and rejects it from its "
                           "own counter.")
        return allocation

    def _answer(self, conn: sqlite3.Connection, allocation_id: str, shipment: dict) -> dict:
        allocation = conn.execute("SELECT status, order_id FROM allocations WHERE id=?", (allocation_id,)).fetchone()
        order = conn.execute("SELECT status FROM orders WHERE id=?", (allocation["order_id"],)).fetchone()
        left = rules.unshipped(order_store.lines_of_allocation(conn, allocation_id),
                               shipment_store.shipped_units(conn, allocation_id))
        return {**shipment, "allocation_status": allocation["status"], "order_status": order["status"],
                "unshipped": [{"sku": s, "qty": q} for s, q in sorted(left.items())]}

    def _rejected_view(self, conn: sqlite3.Connection, allocation_id: str, rejected_id: str) -> dict:
        allocation = conn.execute("SELECT * FROM allocations WHERE id=?", (allocation_id,)).fetchone()
        rejected = conn.execute("SELECT * FROM allocations WHERE id=?", (rejected_id,)).fetchone()
        order = order_store.order_view(conn, allocation["order_id"])
        return {"allocation_id": allocation_id, "allocation_status": allocation["status"],
                "rejected_allocation_id": rejected_id, "reason": rejected["reason"],
                "rejected": [{"sku": s, "qty": q} for s, q in order_store.lines_of_allocation(conn, rejected_id).items()],
                "order_id": order["id"], "order_status": order["status"],
                "allocations": [{"id": a["id"], "node_id": a["node_id"], "status": a["status"], "lines": a["lines"]}
                                for a in order["allocations"]]}


class _AlreadyRecorded(Exception):
    """Carries the answer for a shipment posted again (same allocation, tracking number and lines)."""

    def __init__(self, answer: dict):
        super().__init__("already recorded")
        self.answer = answer

