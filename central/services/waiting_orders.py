"""Orders waiting for stock (backordered, held, or with lines still unfilled) get it when it appears.

A pass looks at every open order with unfilled units, oldest first (the first to wait is the first
served), and routes those units again only when routing would now allocate something, so a pass that
finds nothing new writes nothing. Passes run when a store's event or a warehouse feed changed stock,
and every `every_s` anyway (a stale store that becomes fresh again changes no level).

Orders `awaiting_stock` hold claims on units of a purchase order: when those units are received they are
allocated at once, at the node they arrive at (`serve_supply`), oldest claim first, before any other order
can see them. Until then a pass may still route such an order from stock that appears elsewhere (its claims
are then released).
"""

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from central.domain.orders import LIVE_ALLOCATIONS, LIVE_ORDERS
from central.domain.supply import serve_claims
from central.services.orders import Orders
from central.store import orders as order_store
from central.store import supply as supply_store
from central.store.statuses import status_in
from shared.runtime.clock import utc_now
from shared.runtime.sqlite import Database
from shared.runtime.wakeup import Wakeup

log = logging.getLogger(__name__)
TRIGGER = "re-route: stock appeared"
SUPPLY_TRIGGER = "supply received"


class WaitingOrders:
    def __init__(self, db: Database, orders: Orders, wake: Callable[[], None], batch: int = 500, chunk: int = 5):
        self._db, self._orders, self._wake_outboxes, self._batch, self._chunk = db, orders, wake, batch, chunk
        self._stock_changed = Wakeup()
        self.passes = 0

    def stock_changed(self) -> None:
        """Safe from any thread (ingest calls it from inside its batch, a warehouse feed from a request)."""
        self._stock_changed.notify()

    def waiting(self, conn) -> list[str]:
        """Open orders with units no live allocation covers, oldest first."""
        # An order being cancelled takes no more units, whatever its status says.
        open_order, order_statuses = status_in("r.status", LIVE_ORDERS)
        live, allocation_statuses = status_in("a.status", LIVE_ALLOCATIONS)
        return [r["id"] for r in conn.execute(
            f"SELECT r.id FROM orders r WHERE {open_order} AND r.cancel_requested_at IS NULL "
            "AND EXISTS (SELECT 1 FROM order_lines o WHERE o.order_id = r.id AND o.qty - o.cancelled > COALESCE((SELECT "
            "SUM(l.qty) FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id WHERE a.order_id = "
            f"r.id AND l.sku = o.sku AND {live}), 0)) "
            "ORDER BY r.id LIMIT ?", (*order_statuses, *allocation_statuses, self._batch))]

    def retry(self, now: datetime) -> int:
        """One pass; returns how many orders got an allocation.

        Which waiting orders routing would now give something is found on a read snapshot, without the writer
        (each is a routing over every node; hundreds of them held the writer for seconds), after a cheap screen:
        an order none of whose lines any one node could fill is not routed at all. Those left are then routed
        oldest first, `chunk` orders a write transaction, each screened and checked again inside it (an older one
        may have taken the units; once they are gone, the screen skips the rest at once): the end state is the one
        a single transaction reaches."""
        with self._db.read() as conn:
            hopeful = self._hopeful(conn, self.waiting(conn), now)
        routed = 0
        for start in range(0, len(hopeful), self._chunk):
            with self._db.write() as conn:
                for order_id in self._hopeful(conn, hopeful[start:start + self._chunk], now, screen_only=True):
                    lines = order_store.unfilled_lines(conn, order_id)
                    proposal = self._orders.propose_lines(conn, order_id, lines, now)
                    if proposal.plan.shipments:  # routed once here, written as it is
                        self._orders.route_lines(conn, order_id, lines, TRIGGER, now, proposal=proposal)
                        routed += 1
        self.passes += 1
        if routed:
            log.info("%d waiting order(s) routed again as stock appeared", routed)
            self._wake_outboxes()
        return routed

    def _hopeful(self, conn, order_ids: list[str], now: datetime, screen_only: bool = False) -> list[str]:
        """Those of these orders that a node could give one of their unfilled lines whole to (one read of every
        node's ATP for their SKUs), and unless `screen_only`, that routing would now give something."""
        waiting = {order_id: order_store.unfilled_lines(conn, order_id) for order_id in order_ids}
        if not waiting:
            return []
        most = self._orders.most_any_node_promises(conn, sorted({sku for lines in waiting.values() for sku in lines}),
                                                   now)
        return [order_id for order_id, lines in waiting.items()
                if any(most.get(sku, 0) >= qty for sku, qty in lines.items())
                and (screen_only or self._would_allocate(conn, order_id, now))]

    def _would_allocate(self, conn, order_id: str, now: datetime) -> bool:
        """Whether routing the order's unfilled units now, as `conn` sees the stock, allocates any."""
        lines = order_store.unfilled_lines(conn, order_id)
        return bool(lines) and bool(self._orders.plan_lines(conn, order_id, lines, now).shipments)

    def serve_supply(self, conn, supply_id: str, node_id: str, sku: str, arrived: int, now: datetime,
                     source: str) -> list[str]:
        """Inside the caller's transaction: `arrived` units of a purchase order line go to the orders whose
        claims wait for them, oldest claim first, as allocations at the node; returns those orders.

        Units of a product not released yet serve no claim: the preorders holding them let them go and are routed
        by the passes from the release on, oldest first (nothing else can take the product before then)."""
        policy = self._orders.policy()
        release = supply_store.unreleased(conn, [sku], now).get(sku)
        served: dict[str, int] = {}
        for claim, qty in serve_claims(supply_store.claims_on(conn, supply_id, sku), arrived):
            supply_store.take_from_claim(conn, claim.claim_id, qty)
            if release:
                order_store.add_history(conn, claim.order_id, "supply_released", source, now,
                                        lines=[{"sku": sku, "qty": qty, "supply_id": supply_id}],
                                        reason=f"arrived at {node_id}; routed once {sku} is released on {release}")
                order_store.refresh_status(conn, claim.order_id, source, now)
            else:
                served[claim.order_id] = served.get(claim.order_id, 0) + qty
        for order_id, qty in served.items():
            order = conn.execute("SELECT * FROM orders WHERE id=?", (order_id,)).fetchone()
            allocation = self._orders.allocate(conn, order, node_id, [(sku, qty)], policy, now)
            order_store.add_history(conn, order_id, "routed", source, now, trigger=SUPPLY_TRIGGER,
                                    supply_id=supply_id, allocations=[allocation],
                                    why=f"{qty} × {sku} received at {node_id}")
            order_store.refresh_status(conn, order_id, source, now)
        return list(served)

    async def run(self, every_s: float, min_gap_s: float = 0.5) -> None:
        while True:
            await self._stock_changed.wait(every_s)
            try:
                await asyncio.to_thread(self.retry, utc_now())
            except Exception:
                log.exception("pass over waiting orders failed")
            await asyncio.sleep(min_gap_s)  # a burst of stock events makes one pass, not one each
