"""The passes that route orders again (waiting orders, accept timeouts) write in small transactions (the writer is
never held for a whole pass), and end where one transaction over the whole pass ends: the same orders get the same
units at the same nodes, oldest first."""

import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.services.fulfilment import FulfilmentTracker
from central.services.waiting_orders import WaitingOrders
from central.store import orders as order_store
from shared.runtime.clock import to_text
from tests.unit.central.test_placement_concurrency import (
    NOW,
    PRICES,
    STORES,
    Central,
    body,
)

orders_strategy = st.lists(st.dictionaries(st.sampled_from(sorted(PRICES)), st.integers(1, 3), min_size=1),
                           min_size=1, max_size=8)
stock_strategy = st.dictionaries(st.tuples(st.sampled_from(sorted(STORES)), st.sampled_from(sorted(PRICES))),
                                 st.integers(1, 4), min_size=1)


def orders_state(central: Central, placed: list[str]) -> list:
    """Per order, in the order placed: its status and its allocations (node, status, lines)."""
    with central.db.read() as conn:
        return [(order_store.order_view(conn, order_id)["status"],
                 sorted((a["node_id"], a["status"], tuple(order_store.lines_of_allocation(conn, a["id"]).items()))
                        for a in order_store.allocations_of(conn, order_id))) for order_id in placed]


def end_state(orders: list[dict[str, int]], stock: dict[tuple[str, str], int], chunk: int) -> list:
    """Every order waits for stock; stock appears; one pass with `chunk` orders a transaction. Per order, in the
    order placed: its status and what is allocated where."""
    with tempfile.TemporaryDirectory() as tmp:
        central = Central(Path(tmp))
        # A second apart: order numbers, and so the order in which waiting orders are served, follow placement.
        placed = [central.orders.place(body(lines), None, NOW + timedelta(seconds=i))[1]["id"]
                  for i, lines in enumerate(orders)]
        for (store_id, sku), qty in sorted(stock.items()):
            central.set_stock(store_id, sku, qty)
        passes = WaitingOrders(central.db, central.orders, lambda: None, chunk=chunk)
        routed = passes.retry(NOW + timedelta(seconds=len(orders)))
        state = orders_state(central, placed)
        central.db.close()
        return [routed, state]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders_strategy, stock_strategy)
def test_a_pass_in_chunks_of_one_order_ends_as_one_transaction_over_the_whole_pass(orders, stock):
    whole = end_state(orders, stock, chunk=1000)
    assert end_state(orders, stock, chunk=1) == whole


def test_orders_waiting_for_stock_get_it_oldest_first_whatever_the_chunk():
    for chunk in (1, 2, 1000):
        routed, state = end_state([{"TEE": 2}, {"TEE": 2}, {"TEE": 2}], {("S001", "TEE"): 4}, chunk)
        assert routed == 2
        assert [status for status, _ in state] == ["allocated", "allocated", "backordered"]


def expired_state(orders: list[dict[str, int]], chunk: int) -> list:
    """Orders placed at stores that never answer; past their acceptance window one sweep, `chunk` allocations a
    transaction. Per order: its status and its allocations (node, status, lines)."""
    with tempfile.TemporaryDirectory() as tmp:
        central = Central(Path(tmp))
        for store_id in STORES:
            for sku in PRICES:
                central.set_stock(store_id, sku, 3)
        placed = [central.orders.place(body(lines), None, NOW + timedelta(seconds=i))[1]["id"]
                  for i, lines in enumerate(orders)]
        later = NOW + timedelta(seconds=central.policy.accept_timeout_s + central.policy.accept_margin_s + 60)
        with central.db.write() as conn:  # the stores are still heard from: fresh
            conn.execute("UPDATE store_sync SET last_heartbeat_at=?", (to_text(later),))
        expired = FulfilmentTracker(central.db, central.orders, lambda: None).expire_overdue(later, chunk=chunk)
        state = orders_state(central, placed)
        central.db.close()
        return [expired, state]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders_strategy)
def test_the_accept_timeout_sweep_in_chunks_of_one_ends_as_one_transaction_over_every_overdue_allocation(orders):
    whole = expired_state(orders, chunk=1000)
    assert whole[0] >= 1  # at least the first order had a store allocation to time out
    assert expired_state(orders, chunk=1) == whole
