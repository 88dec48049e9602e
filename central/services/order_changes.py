"""Changes to placed orders, each in one transaction with the commands they send (DESIGN §6, decisions of
issue 12): units a store could not pick, a line cancelled or reduced before picking, a held pickup moved to
another store. Units the customer will not get are given up with their refund due (`order.refund_due`).
"""

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta

from central.domain import order_changes as rules
from central.domain.orders import CLOSED_ORDERS, AllocationStatus, is_live
from central.services.orders import Orders, check_request
from central.store import order_changes as change_store
from central.store import orders as order_store
from shared.contract import pickup_codes as pickup
from shared.contract.errors import InvalidTransition, NotFound
from shared.runtime.clock import from_text
from shared.runtime.sqlite import Database
from shared.web import idempotency

API = "api"


class OrderChanges:
    def __init__(self, db: Database, orders: Orders, wake: Callable[[], None]):
        self._db, self._orders, self._wake = db, orders, wake

    # ---- a store's short pick (inside ingest's transaction) ---------------------------------------

    def short_picked(self, conn: sqlite3.Connection, allocation: sqlite3.Row, shortages: dict[str, int],
                     source: str, now: datetime) -> None:
        """The store picked fewer units than allocated (and wrote the missing ones off its shelf): the allocation
        shrinks to what was picked; the rest goes to another node or is given up, as the policy says."""
        shortages = {sku: qty for sku, qty in shortages.items() if qty > 0}
        if not shortages:
            return
        order_id, node_id = allocation["order_id"], allocation["node_id"]
        change_store.shrink_allocation(conn, allocation["id"], shortages)
        order = conn.execute("SELECT delivery_type, cancel_requested_at FROM orders WHERE id=?", (order_id,)).fetchone()
        reroute = rules.reroutes_shortage(order["delivery_type"], self._orders.policy().reroute_shortages.model_dump())
        order_store.add_history(conn, order_id, "short_picked", source, now, allocation_id=allocation["id"],
                                node_id=node_id, shortages=[{"sku": s, "qty": q} for s, q in shortages.items()],
                                rerouted=reroute and order["cancel_requested_at"] is None)
        if reroute and order["cancel_requested_at"] is None:
            self._orders.route_lines(conn, order_id, shortages, f"re-route: {node_id} picked short", now,
                                     exclude=frozenset({node_id}))
        else:
            change_store.give_up(conn, order_id, shortages, f"not found at {node_id} when picking", source, now)

    # ---- head office -------------------------------------------------------------------------------

    def cancel_line(self, order_id: str, sku: str, qty: int | None, reason: str, key: str | None,
                    now: datetime) -> dict:
        """Give up `qty` units of a line (None: all still open) while none of it is picked; the stores holding
        them get a cancel (and an assign for what stays), the refund due is recorded, ATP is released."""
        request = {"order_id": order_id, "sku": sku, "qty": qty, "reason": reason}
        with self._db.write() as conn:
            _, view, _ = idempotency.once(conn, "order.line_cancel", key, request, 200,
                                          lambda: self._cancel_line(conn, order_id, sku, qty, reason, now))
        self._wake()
        return view

    def _cancel_line(self, conn: sqlite3.Connection, order_id: str, sku: str, qty: int | None, reason: str,
                     now: datetime) -> dict:
        order = self._open_order(conn, order_id)
        lines = change_store.line_units(conn, order_id)
        if sku not in lines:
            raise NotFound(f"Order {order_id} has no line {sku}.")
        ordered, given_up, _ = lines[sku]
        done = change_store.done_units(conn, order_id).get(sku, 0)
        shares = []
        for allocation in order_store.allocations_of(conn, order_id):
            units = order_store.lines_of_allocation(conn, allocation["id"])
            if is_live(allocation["status"]) and sku in units:
                shares.append(rules.AllocationShare(allocation["id"], allocation["status"], units[sku]))
        unfilled = order_store.unfilled_lines(conn, order_id).get(sku, 0)
        try:
            plan = rules.plan_line_cancel(sku, ordered - given_up - done, unfilled, shares, qty)
        except rules.LineCancelRefused as e:
            raise InvalidTransition(f"Order {order_id}: {e}", status=order["status"]) from e
        total = plan.from_unfilled + sum(n for _, n in plan.from_allocations)
        if total == 0:
            return order_store.order_view(conn, order_id, with_history=True)  # nothing open: already so
        policy = self._orders.policy()
        for allocation_id, n in plan.from_allocations:
            allocation = conn.execute("SELECT * FROM allocations WHERE id=?", (allocation_id,)).fetchone()
            keep = rules.remaining_after(order_store.lines_of_allocation(conn, allocation_id), sku, n)
            self._withdraw_now(conn, allocation, f"line {sku} reduced by {n}: {reason}", now)
            if keep:  # the rest of that allocation stays where it was
                self._orders.allocate(conn, order, allocation["node_id"], keep, policy, now)
        order_store.add_history(conn, order_id, "line_cancelled", API, now, sku=sku, qty=total, reason=reason)
        change_store.give_up(conn, order_id, {sku: total}, f"line cancelled: {reason}", API, now)
        order_store.refresh_status(conn, order_id, API, now)
        return order_store.order_view(conn, order_id, with_history=True)

    def move(self, order_id: str, store_id: str, agreement: dict, key: str | None, now: datetime) -> dict:
        """Move a pickup order that waits for stock, or whose store is offline too long, to another pickup
        store with the customer's agreement: the old store gets a cancel, a new pickup code is drawn (in this
        answer only) and the order's open units are routed to the new store."""
        request = {"order_id": order_id, "store_id": store_id, "agreement": agreement}
        with self._db.write() as conn:
            _, view, _ = idempotency.once(conn, "order.move", key, request, 200,
                                          lambda: self._move(conn, order_id, store_id, agreement, now))
        self._wake()
        return view

    def _move(self, conn: sqlite3.Connection, order_id: str, store_id: str, agreement: dict, now: datetime) -> dict:
        order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        if order is None:
            raise NotFound(f"No order {order_id}.")
        delivery = json.loads(order["delivery"])
        current = delivery.get("store_id")
        if order["delivery_type"] == "pickup" and current == store_id:
            return order_store.order_view(conn, order_id, with_history=True)  # already there: the code stays
        check_request(conn, {"lines": [], "delivery": {"type": "pickup", "store_id": store_id}})
        allocations = order_store.allocations_of(conn, order_id)
        sync = conn.execute("SELECT last_heartbeat_at FROM store_sync WHERE store_id=?", (current,)).fetchone()
        last_heard = from_text(sync["last_heartbeat_at"]) if sync and sync["last_heartbeat_at"] else None
        refusal = rules.move_refusal(
            delivery_type=order["delivery_type"], cancel_requested=order["cancel_requested_at"] is not None,
            closed=order["status"] in CLOSED_ORDERS, current_store=current, new_store=store_id,
            statuses=[a["status"] for a in allocations], now=now, last_heard=last_heard,
            waiting_units=sum(order_store.unfilled_lines(conn, order_id).values()),
            offline_limit=timedelta(seconds=self._orders.policy().move_after_offline_s))
        if refusal:
            raise InvalidTransition(f"Order {order_id} cannot move to {store_id}: {refusal}.", status=order["status"])
        for allocation in allocations:
            if is_live(allocation["status"]):
                self._withdraw_now(conn, allocation, f"pickup moved to {store_id}", now)
        code = pickup.draw_code()
        change_store.move_pickup(conn, order_id, store_id, pickup.code_hash(code), now)
        order_store.add_history(conn, order_id, "moved", API, now, from_store=current, to_store=store_id,
                                customer_agreement=agreement)
        self._orders.route_lines(conn, order_id, order_store.unfilled_lines(conn, order_id),
                                 f"pickup moved from {current} to {store_id}", now)
        return {**order_store.order_view(conn, order_id, with_history=True), "pickup_code": code}

    # ---- inside a transaction ------------------------------------------------------------------------

    def _open_order(self, conn: sqlite3.Connection, order_id: str) -> sqlite3.Row:
        order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        if order is None:
            raise NotFound(f"No order {order_id}.")
        if order["status"] in CLOSED_ORDERS or order["cancel_requested_at"] is not None:
            raise InvalidTransition(f"Order {order_id} is {order['status']}; it can no longer change.",
                                    status=order["status"])
        return order

    def _withdraw_now(self, conn: sqlite3.Connection, allocation: sqlite3.Row, reason: str, now: datetime) -> None:
        """Central stops counting the allocation at once (its units are no longer the customer's); the store
        gets a cancel, which it applies before anything sent after it."""
        self._orders.withdraw(conn, allocation, reason, now, API)
        if allocation["status"] != AllocationStatus.CANCELLED:
            order_store.set_allocation(conn, allocation["id"], now, status=AllocationStatus.CANCELLED)

