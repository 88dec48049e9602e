"""Placing, routing, re-routing and cancelling orders (DESIGN §6, §7).

An order, its allocations, its routing decision and the `fulfilment.assign` commands commit in ONE
transaction (the command outbox goes to COMMANDS afterwards), so a crash never leaves an order
without its commands or a command without its order.

A new order is routed before that transaction, on a read snapshot (routing reads every node; the one writer must
not wait for it): the transaction then only checks that the plan's chosen nodes can still give what it takes
(`central.domain.placement`) and writes it, or routes again. After `PLACEMENT_TRIES` plans overtaken by other
changes, the order is routed inside the transaction, as every re-route is.
"""

import json
import secrets
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from central.domain import addresses, pricing
from central.domain.errors import AddressNotLocated, NotReleased, UnknownStore
from central.domain.orders import (
    AllocationStatus,
    OrderStatus,
    cancel_refusal,
    is_live,
    order_number,
)
from central.domain.placement import PlanOutdated, Proposal, chosen_nodes, still_holds
from central.domain.policy import RoutingPolicy
from central.domain.routing import RouteRequest, RoutingPlan, Unfilled, route
from central.settings import CentralSettings
from central.store import commands, signing_keys
from central.store import orders as order_store
from central.store import shipments as shipment_store
from central.store import supply as supply_store
from central.store.node_facts import NodeFacts
from central.store.nodes import get_node
from central.store.routing_inputs import node_table
from shared.contract import pickup_codes as pickup
from shared.contract.errors import DomainError, InvalidTransition, NotFound, UnknownSku
from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7
from shared.runtime.sqlite import Database
from shared.web import idempotency

ROUTER = "central:router"
PLACEMENT_TRIES = 3  # plans made on a snapshot before an order is routed inside the write transaction


def check_request(conn: sqlite3.Connection, body: dict, now: datetime | None = None,
                  allow_preorders: bool = True) -> dict[str, tuple[int, str]]:
    """Every SKU in the catalog and active (a catalog product always has a price), and released unless the
    policy takes preorders; a pickup store that is registered and offers pickup. Returns each SKU's (price,
    currency)."""
    catalog = {}
    for line in body["lines"]:
        product = conn.execute("SELECT active, price, currency FROM products WHERE sku=?", (line["sku"],)).fetchone()
        if product is None or not product["active"]:
            raise UnknownSku(f"No active product has the SKU {line['sku']!r}; check the SKU or the catalog.",
                             sku=line["sku"])
        catalog[line["sku"]] = (product["price"], product["currency"])
    if not allow_preorders and now is not None:
        for sku, release_at in supply_store.unreleased(conn, catalog, now).items():
            raise NotReleased(f"{sku} is released on {release_at}; it cannot be ordered before then (the routing "
                              "policy takes no preorders).", sku=sku, release_at=release_at)
    delivery = body["delivery"]
    if delivery["type"] == "pickup":
        node = get_node(conn, delivery["store_id"])
        if node is None or node["type"] != "store":
            raise UnknownStore(f"No store {delivery['store_id']} is registered; choose a registered pickup store.")
        if "pickup" not in json.loads(node["capabilities"]):
            raise UnknownStore(f"Store {delivery['store_id']} does not offer pickup; choose another store.")
    return catalog


def located(body: dict) -> dict:
    """The body with the delivery an order keeps: a ship-to address gets the point routing measures from (the
    caller's coordinates, else its country's centroid); AddressNotLocated when there is neither."""
    if body["delivery"]["type"] != "ship":
        return body
    try:
        return {**body, "delivery": addresses.ship_delivery(body["delivery"])}
    except addresses.NotLocated as e:
        raise AddressNotLocated(f"delivery.address: {e}", missing=[f"delivery.address.{m}" for m in e.missing]) from e


def splits(body: dict) -> bool:
    """Whether the order may go out in several parcels: as asked, else a shipment may and a pickup may not (one
    counter hands it over)."""
    asked = body.get("allow_split")
    return body["delivery"]["type"] != "pickup" if asked is None else asked


def route_request(delivery: dict, lines: dict[str, int], allow_split: bool, excluded=frozenset()) -> RouteRequest:
    if delivery["type"] == "pickup":
        return RouteRequest(lines, "pickup", pickup_store=delivery["store_id"], allow_split=allow_split,
                            excluded=frozenset(excluded))
    return RouteRequest(lines, "ship", delivery["lat"], delivery["lon"], allow_split=allow_split,
                        excluded=frozenset(excluded))


def plan_view(plan: RoutingPlan) -> dict:
    return {"outcome": plan.outcome, "cost": round(plan.cost, 4),
            "shipments": [{"node_id": s.node_id, "lines": [{"sku": k, "qty": q} for k, q in s.lines],
                           "cost": round(s.cost, 4)} for s in plan.shipments],
            "unfilled": [{"sku": u.sku, "qty": u.qty, "reason": u.reason} for u in plan.unfilled],
            "explanation": plan.explanation}


def new_order_id(conn: sqlite3.Connection, now: datetime) -> str:
    """A fresh order number; two orders in the same millisecond draw again on the rare clash."""
    unix_ms = int(now.timestamp() * 1000)
    while True:
        order_id = order_number(unix_ms, secrets.randbelow(256))
        if conn.execute("SELECT 1 FROM orders WHERE id=?", (order_id,)).fetchone() is None:
            return order_id
        unix_ms += 1  # 256 orders in one millisecond: take the next one


class Orders:
    """The order desk; `policy()` gives the current routing policy, `wake()` nudges the command publisher."""

    def __init__(self, db: Database, settings: CentralSettings, policy: Callable[[], RoutingPolicy],
                 wake: Callable[[], None], routed: Callable[[float], None] = lambda seconds: None,
                 facts: NodeFacts | None = None):
        self._db, self._settings, self.policy, self._wake = db, settings, policy, wake
        self._facts = facts or NodeFacts(db)  # the nodes' facts in memory, for routing's inputs
        self._routed = routed  # how long each routing decision took (metrics)

    # ---- API actions -------------------------------------------------------------------------

    def place(self, body: dict, key: str | None, now: datetime) -> tuple[int, dict]:
        for tries_left in range(PLACEMENT_TRIES, -1, -1):
            try:
                status, view, made = self.commit(body, key, now, self.propose(body, key, now) if tries_left else None)
                break
            except PlanOutdated:
                continue
        if made:
            self._wake()
        return status, view

    def propose(self, body: dict, key: str | None, now: datetime) -> Proposal | None:
        """Where a new order's lines would go, decided on a read snapshot without the writer; None when the
        request is a replay or is refused (the write transaction then replays or refuses it, as it always has)."""
        try:
            with self._db.read() as conn:
                if idempotency.replay(conn, "orders", key, body) is not None:
                    return None
                policy = self.policy()
                check_request(conn, body, now, policy.allow_preorders)
                body = located(body)
                lines = {line["sku"]: line["qty"] for line in body["lines"]}
                started = time.perf_counter()
                proposal = self._propose(conn, body["delivery"], splits(body), frozenset(), lines, now, policy)
                self._routed(time.perf_counter() - started)
                return proposal
        except DomainError:
            return None

    def commit(self, body: dict, key: str | None, now: datetime,
               proposal: Proposal | None) -> tuple[int, dict, bool]:
        """The order written with the proposed plan (routed here when there is none); `PlanOutdated` (and nothing
        written) when the plan no longer holds. The flag says whether an order was made (not a replay)."""
        with self._db.write() as conn:
            return idempotency.once(conn, "orders", key, body, 201, lambda: self._place(conn, body, now, proposal))

    def _place(self, conn: sqlite3.Connection, body: dict, now: datetime, proposal: Proposal | None = None) -> dict:
        """The order, its routing, allocations and assigns, written in the caller's transaction; its view."""
        sale = pricing.price(body["lines"], check_request(conn, body, now, self.policy().allow_preorders),
                             body.get("payment"))
        body = located(body)
        order_id = new_order_id(conn, now)
        is_pickup = body["delivery"]["type"] == "pickup"
        code = pickup.draw_code() if is_pickup else None
        allow_split = splits(body)
        token = signing_keys.sign_receipt(conn, order_id, sale, now)
        order_store.insert_order(conn, order_id, body, allow_split, pickup.code_hash(code) if code else None,
                                 sale, token, now)
        order_store.add_history(conn, order_id, "created", "api", now, status=OrderStatus.CREATED,
                                channel=body["channel"])
        self.route_lines(conn, order_id, {line["sku"]: line["qty"] for line in body["lines"]}, "order placed",
                         now, proposal=proposal)
        response = order_store.order_view(conn, order_id)
        if code:
            response["pickup_code"] = code  # shown here only; stores get its hash
        return response

    def view(self, order_id: str) -> dict:
        """One order with its whole history and routing decisions."""
        with self._db.read() as conn:
            view = order_store.order_view(conn, order_id, with_history=True)
        if view is None:
            raise NotFound(f"No order {order_id}.")
        return view

    def listing(self, filters: dict, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        """Newest first; `filters` may name status, store, channel, email, phone, name (its start), created_from
        and created_to."""
        with self._db.read() as conn:
            return order_store.list_orders(conn, filters, cursor, limit)

    def simulate(self, body: dict, now: datetime) -> dict:
        with self._db.read() as conn:
            check_request(conn, body)  # a simulation shows where lines would go today, released or not
            body = located(body)
            request = route_request(body["delivery"], {line["sku"]: line["qty"] for line in body["lines"]},
                                    splits(body), body.get("exclude", ()))
            policy = self.policy()
            table = node_table(conn, list(request.lines), now, self._settings, policy, facts=self._facts)
            plan = route(request, table, policy)
        return plan_view(plan)

    def cancel(self, order_id: str, reason: str, now: datetime) -> dict:
        with self._db.write() as conn:
            order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
            if order is None:
                raise NotFound(f"No order {order_id}.")
            if order["cancel_requested_at"] is None:
                self._request_cancel(conn, order, reason, now)
            view = order_store.order_view(conn, order_id, with_history=True)
        self._wake()
        return view

    def _request_cancel(self, conn: sqlite3.Connection, order: sqlite3.Row, reason: str, now: datetime) -> None:
        allocations = order_store.allocations_of(conn, order["id"])
        refusal = cancel_refusal(a["status"] for a in allocations if is_live(a["status"]))
        if refusal is None and shipment_store.by_allocation(conn, order["id"]):
            refusal = "part of it has already shipped"  # a warehouse's partial shipment
        if refusal or order["status"] == OrderStatus.COMPLETED:
            raise InvalidTransition(f"Order {order['id']} can no longer be cancelled: {refusal or 'it is completed'}.",
                                    status=order["status"])
        conn.execute("UPDATE orders SET cancel_requested_at=? WHERE id=?", (to_text(now), order["id"]))
        order_store.add_history(conn, order["id"], "cancel_requested", "api", now, reason=reason)
        for allocation in allocations:
            if is_live(allocation["status"]):
                self.withdraw(conn, allocation, f"order cancelled: {reason}", now, "api")
        order_store.refresh_status(conn, order["id"], "api", now)

    # ---- inside a transaction ------------------------------------------------------------------

    def withdraw(self, conn: sqlite3.Connection, allocation: sqlite3.Row, reason: str, now: datetime,
                 source: str) -> None:
        """Stop counting an allocation: a DC's at once; a store's by `fulfilment.cancel`, at once if it never
        accepted (the edge keeps a cancel that overtakes its assign), else when the store confirms."""
        fields: dict = {"reason": reason}
        if allocation["node_type"] == "warehouse":
            fields["status"] = AllocationStatus.CANCELLED
        else:
            commands.enqueue(conn, allocation["node_id"], "fulfilment.cancel",
                             {"allocation_id": allocation["id"], "order_id": allocation["order_id"],
                              "reason": reason}, now)
            fields["cancel_sent_at"] = to_text(now)
            if allocation["status"] == AllocationStatus.PENDING:
                fields["status"] = AllocationStatus.CANCELLED
        order_store.set_allocation(conn, allocation["id"], now, **fields)
        order_store.add_history(conn, allocation["order_id"], "cancel_sent", source, now,
                                allocation_id=allocation["id"], node_id=allocation["node_id"], reason=reason)

    def route_lines(self, conn: sqlite3.Connection, order_id: str, lines: dict[str, int], trigger: str,
                    now: datetime, exclude: frozenset[str] = frozenset(),
                    proposal: Proposal | None = None) -> RoutingPlan:
        """Route these lines of an order (all of them, or a re-route), excluding every node that already
        rejected or ignored it (and `exclude`); allocations, assigns, the decision and the history in this
        transaction. With a `proposal` (a new order routed on a snapshot), its plan is taken if it still holds,
        else `PlanOutdated`."""
        order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        policy = self.policy()
        if proposal is not None:
            plan = self._confirmed(conn, proposal, lines, now, policy)
        else:
            started = time.perf_counter()
            plan = self.plan_lines(conn, order_id, lines, now, policy, exclude)
            self._routed(time.perf_counter() - started)
        decision = order_store.add_decision(conn, order_id, trigger, plan.outcome, plan.explanation, now)
        created = [self.allocate(conn, order, shipment.node_id, shipment.lines, policy, now)
                   for shipment in plan.shipments]
        order_store.add_history(conn, order_id, "routed", ROUTER, now, trigger=trigger, outcome=plan.outcome,
                                decision=decision, allocations=created, why=plan.explanation.get("why"))
        dropped = supply_store.drop_unusable_claims(conn, order_id, json.loads(order["delivery"]))
        if dropped:
            order_store.add_history(conn, order_id, "supply_released", ROUTER, now, lines=dropped,
                                    reason="its node can no longer fill the order")
        preorder = supply_store.unreleased(conn, lines, now)
        if plan.unfilled and (policy.allow_backorders or preorder) and order["cancel_requested_at"] is None:
            missing = order_store.unfilled_lines(conn, order_id)
            if not policy.allow_backorders:  # preorders claim inbound supply whatever the backorder rule
                missing = {sku: qty for sku, qty in missing.items() if sku in preorder}
            claims = supply_store.claim_inbound(conn, order_id, json.loads(order["delivery"]), missing, now)
            if claims:
                order_store.add_history(conn, order_id, "supply_claimed", ROUTER, now, lines=claims)
        order_store.refresh_status(conn, order_id, ROUTER, now,
                                   reason=plan.explanation.get("why") if plan.unfilled else None,
                                   held=plan.outcome == "held")
        return plan

    def _confirmed(self, conn: sqlite3.Connection, proposal: Proposal, lines: dict[str, int], now: datetime,
                   policy: RoutingPolicy) -> RoutingPlan:
        """The proposal's plan if it still holds at its chosen nodes as they are in this transaction."""
        nodes = chosen_nodes(proposal.plan)
        table = node_table(conn, list(lines), now, self._settings, policy, nodes, self._facts) if nodes else None
        preorders = frozenset(supply_store.unreleased(conn, lines, now))
        if not still_holds(proposal, table, policy, preorders):
            raise PlanOutdated(f"the stock at {', '.join(nodes) or 'no node'} changed since the order was routed")
        return proposal.plan

    def plan_lines(self, conn: sqlite3.Connection, order_id: str, lines: dict[str, int], now: datetime,
                   policy: RoutingPolicy | None = None, exclude: frozenset[str] = frozenset()) -> RoutingPlan:
        """Where these lines of an order would go now, excluding every node that already rejected or ignored
        it; nothing is written."""
        return self.propose_lines(conn, order_id, lines, now, policy, exclude).plan

    def propose_lines(self, conn: sqlite3.Connection, order_id: str, lines: dict[str, int], now: datetime,
                      policy: RoutingPolicy | None = None, exclude: frozenset[str] = frozenset()) -> Proposal:
        """`plan_lines` with what the plan was decided from, for `route_lines` to write it as it is."""
        order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
        excluded = {a["node_id"] for a in order_store.allocations_of(conn, order_id)
                    if a["status"] in (AllocationStatus.REJECTED, AllocationStatus.TIMED_OUT)
                    or (a["status"] == AllocationStatus.CANCELLED and a["cancel_sent_at"] is None)} | set(exclude)
        return self._propose(conn, json.loads(order["delivery"]), bool(order["allow_split"]), frozenset(excluded),
                             lines, now, policy or self.policy())

    def most_any_node_promises(self, conn: sqlite3.Connection, skus: list[str], now: datetime) -> dict[str, int]:
        """Per SKU, the most units one node may promise now: a line of more goes nowhere (a cheap screen before
        routing an order)."""
        atp = node_table(conn, skus, now, self._settings, self.policy(), facts=self._facts).atp
        return {sku: int(atp[sku].max()) if sku in atp and len(atp[sku]) else 0 for sku in skus}

    def _propose(self, conn: sqlite3.Connection, delivery: dict, allow_split: bool, excluded: frozenset[str],
                 lines: dict[str, int], now: datetime, policy: RoutingPolicy) -> Proposal:
        """Where these lines would go now from what `conn` sees, with what the decision was made from."""
        preorder = supply_store.unreleased(conn, lines, now)
        routable = {sku: qty for sku, qty in lines.items() if sku not in preorder}
        waiting = tuple(Unfilled(sku, qty, f"preorder: {sku} is released on {preorder[sku]}")
                        for sku, qty in lines.items() if sku in preorder)
        preorders = frozenset(preorder)
        if not routable:
            why = "; ".join(u.reason for u in waiting)
            return Proposal(RoutingPlan("backordered", (), waiting, 0.0, {"why": why, "unfilled": [
                {"sku": u.sku, "qty": u.qty, "reason": u.reason} for u in waiting]}), None, policy, preorders)
        request = route_request(delivery, routable, allow_split, excluded)
        plan = route(request, node_table(conn, list(routable), now, self._settings, policy, facts=self._facts), policy)
        if not waiting:
            return Proposal(plan, request, policy, preorders)
        unfilled = plan.unfilled + waiting
        outcome = plan.outcome if plan.outcome == "held" else (
            "partially_allocated" if plan.shipments else "backordered")
        return Proposal(RoutingPlan(outcome, plan.shipments, unfilled, plan.cost, {
            **plan.explanation, "why": f"{plan.explanation.get('why')}; {'; '.join(u.reason for u in waiting)}",
            "unfilled": [{"sku": u.sku, "qty": u.qty, "reason": u.reason} for u in unfilled]}), request, policy,
            preorders)

    def allocate(self, conn: sqlite3.Connection, order: sqlite3.Row, node_id: str, lines, policy: RoutingPolicy,
                 now: datetime) -> str:
        """An allocation of these lines at this node, with its assign (stores) or accepted at once (DCs)."""
        node = get_node(conn, node_id)
        allocation_id = uuid7()
        delivery = json.loads(order["delivery"])
        if node["type"] == "warehouse":  # central owns DC allocations: accepted at once, no command
            order_store.insert_allocation(conn, allocation_id, order["id"], node_id, "warehouse", delivery["type"],
                                          AllocationStatus.ACCEPTED, lines, None, now)
            accept_by = None
        else:
            accept_by = now + timedelta(seconds=policy.accept_timeout_s)
            order_store.insert_allocation(conn, allocation_id, order["id"], node_id, "store", delivery["type"],
                                          AllocationStatus.PENDING, lines, accept_by, now)
            ship_to = delivery["address"] if delivery["type"] == "ship" else None
            commands.enqueue(conn, node_id, "fulfilment.assign", {
                "allocation_id": allocation_id, "order_id": order["id"], "type": delivery["type"],
                "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
                "customer": json.loads(order["customer"]), "ship_to": ship_to,
                "pickup_code_hash": order["pickup_code_hash"], "receipt_token": order["receipt_token"],
                "accept_by": accept_by}, now)
        order_store.add_history(conn, order["id"], "allocated", ROUTER, now, allocation_id=allocation_id,
                                node_id=node_id, lines=[{"sku": s, "qty": q} for s, q in lines],
                                accept_by=to_text(accept_by) if accept_by else None)
        return allocation_id
