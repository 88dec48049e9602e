"""Orders waiting for stock get it when it appears (a warehouse feed, a store's event), oldest first; a
store's return of an online order is recorded on it, and a second refund of the same line is a
refund_conflict (DESIGN §6, §7)."""

import pytest

from shared.runtime.clock import utc_now
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    central_with_a_dc,
)
from tests.integration.central.test_orders_api import feed, order
from tests.integration.central.test_orders_flow import (
    FAR,
    NEAR,
    network,
    order_of,
    place,
)
from tests.waiting import eventually


@pytest.fixture
async def central(tmp_path):
    async with central_with_a_dc(tmp_path) as running:
        yield running


async def status_of(central, order_id) -> str:
    return (await order_of(central, order_id))["status"]


def decisions(central, order_id) -> int:
    return central.query("SELECT COUNT(*) FROM routing_decisions WHERE order_id=?", order_id)[0][0]


class TestABackorderedOrder:
    async def test_is_routed_when_a_warehouse_feed_brings_its_stock(self, central):
        placed = (await central.client.post("/v1/orders", json=order({"HAT": 2}))).json()
        assert placed["status"] == "backordered"
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 10, "HAT": 5})
        await eventually(lambda: central.query("SELECT status FROM orders")[0][0] == "in_fulfilment",
                         what="the backordered order allocated")
        body = await order_of(central, placed["id"])
        assert [(a["node_id"], a["lines"]) for a in body["allocations"]] == [("DC1", [{"sku": "HAT", "qty": 2}])]
        assert body["decisions"][-1]["trigger"] == "re-route: stock appeared" and body["status_reason"] is None
        assert [h["kind"] for h in body["history"]][-2:] == ["routed", "status"]

    async def test_the_oldest_waiting_order_gets_scarce_stock_first(self, central):
        first = (await central.client.post("/v1/orders", json=order({"HAT": 1}))).json()
        second = (await central.client.post("/v1/orders", json=order({"HAT": 1}))).json()
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 10, "HAT": 1})
        await eventually(lambda: central.query("SELECT status FROM orders WHERE id=?", first["id"])[0][0]
                         == "in_fulfilment", what="the first order allocated")
        central.service.waiting.retry(utc_now())
        assert await status_of(central, second["id"]) == "backordered"

    async def test_a_pass_that_can_allocate_nothing_writes_nothing(self, central):
        placed = (await central.client.post("/v1/orders", json=order({"HAT": 1}))).json()
        before = decisions(central, placed["id"])
        history = central.query("SELECT COUNT(*) FROM order_history")[0][0]
        assert central.service.waiting.retry(utc_now()) == 0
        assert decisions(central, placed["id"]) == before
        assert central.query("SELECT COUNT(*) FROM order_history")[0][0] == history

    async def test_a_cancelled_order_is_not_routed_again(self, central):
        placed = (await central.client.post("/v1/orders", json=order({"HAT": 1}))).json()
        assert (await central.client.post(f"/v1/orders/{placed['id']}/cancel", json={})).json()["status"] == \
            "cancelled"
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 10, "HAT": 5})
        central.service.waiting.retry(utc_now())
        assert (await order_of(central, placed["id"]))["allocations"] == []

    async def test_the_unfilled_line_of_a_partly_allocated_order_gets_its_stock_later(self, central):
        placed = (await central.client.post("/v1/orders", json=order({"TEE": 1, "HAT": 1}))).json()
        assert {line["sku"]: line["unfilled"] for line in placed["lines"]} == {"HAT": 1, "TEE": 0}
        await feed(central, "DC2", 53.48, -2.24, {"HAT": 3})
        await eventually(lambda: central.query("SELECT COUNT(*) FROM allocations")[0][0] == 2,
                         what="the HAT line allocated")
        body = await order_of(central, placed["id"])
        assert {line["sku"]: line["unfilled"] for line in body["lines"]} == {"HAT": 0, "TEE": 0}
        assert {a["node_id"] for a in body["allocations"]} == {"DC1", "DC2"} and body["status_reason"] is None


class TestWithStoresOverNats:
    async def test_a_store_receiving_stock_gets_the_assign_of_a_backordered_order(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            other = f"{sku}-B"
            assert (await central.client.put(f"/v1/products/{other}", json=PRODUCT_BODY)).status_code == 201
            placed = await place(central, other, 2)
            assert placed["status"] == "backordered"
            await stores[FAR].stock(other, 4)
            assign = await stores[FAR].next_command(placed["id"], "fulfilment.assign")
            assert assign["lines"] == [{"sku": other, "qty": 2}]
            assert (await order_of(central, placed["id"]))["status"] == "allocated"

    async def test_a_second_refund_of_the_same_line_at_another_store_is_a_refund_conflict(self, make_settings,
                                                                                          nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            placed = await place(central, sku, 1)
            assign = await stores[NEAR].next_command(placed["id"], "fulfilment.assign")
            await stores[NEAR].fulfilment("fulfilment.accepted", assign, levels=(5, 1))
            await stores[NEAR].fulfilment("shipment.shipped", assign, levels=(4, 0), carrier="DHL",
                                          tracking_number="JD1")
            await eventually(lambda: central.query("SELECT status FROM orders WHERE id=?", placed["id"])[0][0]
                             == "completed", what="shipped")

            def returned(store, number, stock):
                return store.emit("return.recorded", {
                    "return_number": number, "original": {"order_id": placed["id"]}, "currency": "EUR",
                    "lines": [{"sku": sku, "qty": 1, "reason": "too small", "disposition": "restock", "refund": 1999}],
                    "refunds": [{"tender": "card", "amount": 1999}],
                    "stock": [{"sku": sku, "on_hand": stock, "reserved": 0, "damaged": 0}]})

            await returned(stores[NEAR], "R-NEAR-1", 5)
            await eventually(lambda: central.query("SELECT COUNT(*) FROM order_returns")[0][0] == 1,
                             what="first return recorded")
            body = await order_of(central, placed["id"])
            assert (body["refund_conflict"], body["return_flag"], body["lines"][0]["returned"]) == \
                (False, "returned", 1)

            # The customer returns the same unit again at another store that could not ask central.
            await returned(stores[FAR], "R-FAR-1", 6)
            await eventually(lambda: central.query("SELECT COUNT(*) FROM order_returns")[0][0] == 2,
                             what="second return recorded")
            body = await order_of(central, placed["id"])
            assert body["refund_conflict"] is True and body["lines"][0]["returned"] == 2
            [conflict] = [h for h in body["history"] if h["kind"] == "refund_conflict"]
            assert conflict["source"] == f"store:{FAR}" and conflict["return_number"] == "R-FAR-1"
            assert conflict["conflicts"] == [{"line_no": 0, "sku": sku, "qty": 1, "sold": 1, "returned_before": 1,
                                              "excess": 1}]
            assert [h["return_number"] for h in body["history"] if h["kind"] == "returned"] == ["R-NEAR-1", "R-FAR-1"]
            assert central.level(FAR, sku)[0] == 6  # the refund and the restock are applied all the same
