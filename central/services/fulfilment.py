"""The stores' fulfilment events applied to orders, and allocations no store answered (DESIGN §6).

Events are applied by ingest inside the batch transaction that also writes the levels they carry
(so `fulfilment.accepted` raising `reserved` and clearing `pending` is one apply). A rejection, or a
cancel the store made itself, re-routes the allocation's lines excluding that node; an allocation
still pending past `accept_by` plus the margin is timed out and re-routed the same way; a store
accepting an allocation central no longer counts gets a compensating `fulfilment.cancel`.
"""

import asyncio
import logging
import sqlite3
from datetime import datetime, timedelta

from pydantic import BaseModel

from central.domain.orders import EVENT_STATUS, AllocationStatus, on_event
from central.services.order_changes import OrderChanges
from central.services.orders import Orders
from central.store import commands
from central.store import orders as order_store
from central.store.statuses import status_in
from shared.contract.events import EventEnvelope
from shared.runtime.clock import to_text, utc_now
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)
TIMER = "central:timer"


class FulfilmentTracker:
    def __init__(self, db: Database, orders: Orders, wake, changes: OrderChanges | None = None):
        self._db, self._orders, self._wake = db, orders, wake
        self._changes = changes or OrderChanges(db, orders, wake)

    def apply(self, conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload: BaseModel,
              now: datetime) -> None:
        """Ingest's hook for every applied event; a failure here undoes only this event's order changes."""
        if envelope.type not in EVENT_STATUS:
            return
        conn.execute("SAVEPOINT fulfilment_event")
        try:
            self._apply(conn, store_id, envelope, payload, now)
        except Exception:
            conn.execute("ROLLBACK TO fulfilment_event")
            log.exception("store %s event %s (seq %s) could not be applied to its order", store_id, envelope.type,
                          envelope.seq)
        finally:
            conn.execute("RELEASE fulfilment_event")

    def _apply(self, conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload, now: datetime):
        allocation = conn.execute("SELECT * FROM allocations WHERE id=?", (payload.allocation_id,)).fetchone()
        if allocation is None or allocation["node_id"] != store_id or allocation["order_id"] != payload.order_id:
            log.warning("store %s sent %s for allocation %s of order %s, which central did not give it",
                        store_id, envelope.type, payload.allocation_id, payload.order_id)
            return
        source = f"store:{store_id}"
        transition = on_event(allocation["status"], envelope.type, allocation["cancel_sent_at"] is not None)
        order_id = allocation["order_id"]
        detail = {"allocation_id": allocation["id"], "node_id": store_id, "event_id": envelope.id,
                  "occurred_at": to_text(envelope.occurred_at)}
        for name in ("reason", "shortages", "carrier", "tracking_number", "collected_by"):
            value = getattr(payload, name, None)
            if value:
                detail[name] = [line.model_dump() for line in value] if name == "shortages" else value
        if transition.note:
            detail["note"] = transition.note
        order_store.add_history(conn, order_id, envelope.type, source, now, **detail)
        if transition.status != allocation["status"]:
            fields = {"status": transition.status}
            if getattr(payload, "reason", None):
                fields["reason"] = payload.reason
            order_store.set_allocation(conn, allocation["id"], now, **fields)
            if transition.status == AllocationStatus.PICKED and getattr(payload, "shortages", None):
                self._changes.short_picked(conn, allocation, {line.sku: line.qty for line in payload.shortages},
                                           source, now)
        if transition.compensate:
            reason = f"allocation no longer live at central ({allocation['status']})"
            commands.enqueue(conn, store_id, "fulfilment.cancel",
                             {"allocation_id": allocation["id"], "order_id": order_id, "reason": reason}, now)
            order_store.set_allocation(conn, allocation["id"], now, cancel_sent_at=to_text(now))
            order_store.add_history(conn, order_id, "compensating_cancel", "central", now,
                                    allocation_id=allocation["id"], node_id=store_id, reason=reason)
            self._wake()
        order = conn.execute("SELECT cancel_requested_at FROM orders WHERE id=?", (order_id,)).fetchone()
        if transition.reroute and order["cancel_requested_at"] is None:
            why = f"{store_id} {transition.status} it" + (f" ({payload.reason})" if payload.reason else "")
            self._orders.route_lines(conn, order_id, order_store.lines_of_allocation(conn, allocation["id"]),
                                     f"re-route: {why}", now)
            self._wake()
        order_store.refresh_status(conn, order_id, source, now)
        self._wake()  # a status change may have queued webhook deliveries

    def expire_overdue(self, now: datetime, chunk: int = 20) -> int:
        """Time out every store allocation still pending past accept_by + margin, and re-route its lines; `chunk`
        allocations a write transaction, oldest deadline first (each is a routing over every node: after a stall,
        hundreds at once held the writer for seconds)."""
        expired = 0
        while True:
            done = self._expire_some(now, chunk)
            expired += done
            if done < chunk:
                break
        if expired:
            self._wake()
        return expired

    def _expire_some(self, now: datetime, limit: int) -> int:
        margin = timedelta(seconds=self._orders.policy().accept_margin_s)
        with self._db.write() as conn:
            pending, statuses = status_in("status", {AllocationStatus.PENDING})  # the allocations_waiting index
            overdue = conn.execute(f"SELECT * FROM allocations WHERE {pending} AND accept_by < ? "
                                   "ORDER BY accept_by LIMIT ?", (*statuses, to_text(now - margin), limit)).fetchall()
            for allocation in overdue:
                order_store.set_allocation(conn, allocation["id"], now, status=AllocationStatus.TIMED_OUT,
                                           reason=f"no answer by {allocation['accept_by']}")
                order_store.add_history(conn, allocation["order_id"], "timed_out", TIMER, now,
                                        allocation_id=allocation["id"], node_id=allocation["node_id"],
                                        accept_by=allocation["accept_by"])
                order = conn.execute("SELECT cancel_requested_at FROM orders WHERE id=?",
                                     (allocation["order_id"],)).fetchone()
                if order["cancel_requested_at"] is None:
                    self._orders.route_lines(
                        conn, allocation["order_id"], order_store.lines_of_allocation(conn, allocation["id"]),
                        f"re-route: {allocation['node_id']} did not answer by {allocation['accept_by']}", now)
                order_store.refresh_status(conn, allocation["order_id"], TIMER, now)
        return len(overdue)

    async def run(self, tick_s: float, listening) -> None:
        while True:
            await asyncio.sleep(tick_s)
            if not listening():
                continue
            try:
                await asyncio.to_thread(self.expire_overdue, utc_now())
            except Exception:
                log.exception("accept_by sweep failed")
