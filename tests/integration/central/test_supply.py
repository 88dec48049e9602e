"""Inbound supply through head office's API: purchase orders as future availability beside ATP, backorders that
claim their units and wait in awaiting_stock, and receipts that allocate those units to them first."""

from datetime import datetime, timedelta, timezone

import pytest

from shared.runtime.clock import to_text
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    central_with_a_dc,
)
from tests.integration.central.test_orders_api import feed, order
from tests.integration.central.test_orders_flow import NEAR, network, order_of
from tests.waiting import eventually

PICKUP = {"type": "pickup", "store_id": "S001"}
SOON = to_text(datetime.now(timezone.utc) + timedelta(days=3))
LATER = to_text(datetime.now(timezone.utc) + timedelta(days=9))


@pytest.fixture
async def central(tmp_path):
    async with central_with_a_dc(tmp_path) as running:
        yield running


async def allow_backorders(central, allowed=True) -> None:
    policy = (await central.client.get("/v1/routing/policy")).json()
    assert (await central.client.put("/v1/routing/policy", json={**policy, "allow_backorders": allowed})
            ).status_code == 200


async def purchase_order(central, lines, node_id="DC1", expected_at=SOON, **extra) -> dict:
    response = await central.client.post("/v1/supply/purchase-orders", json={
        "node_id": node_id, "expected_at": expected_at,
        "lines": [{"sku": s, "qty": q} for s, q in lines.items()], **extra})
    assert response.status_code == 201, response.text
    return response.json()


async def receive(central, supply_id, lines, key=None):
    return await central.client.post(f"/v1/supply/purchase-orders/{supply_id}/receipts",
                                     headers={"Idempotency-Key": key} if key else {},
                                     json={"lines": [{"sku": s, "qty": q} for s, q in lines.items()]})


class TestInboundSupply:
    async def test_shows_beside_atp_and_never_in_it(self, central):
        po = await purchase_order(central, {"HAT": 5, "TEE": 3}, reference="ERP-77")
        assert po["status"] == "open" and po["reference"] == "ERP-77"
        atp = (await central.client.get("/v1/atp/HAT")).json()
        assert atp["network"]["atp"] == 0
        assert atp["inbound"] == {"qty": 5, "unclaimed": 5, "lines": [
            {"supply_id": po["id"], "kind": "purchase_order", "node_id": "DC1", "expected_at": po["expected_at"],
             "qty": 5, "claimed": 0}]}
        tee = (await central.client.get("/v1/atp/TEE")).json()
        assert tee["network"]["atp"] == 10 and tee["inbound"]["qty"] == 3

    async def test_a_partial_receipt_leaves_the_rest_inbound_and_a_full_one_closes_it(self, central):
        po = await purchase_order(central, {"HAT": 5})
        first = await receive(central, po["id"], {"HAT": 2})
        assert first.status_code == 200
        assert first.json()["lines"][0] | {} == {"sku": "HAT", "qty": 5, "received": 2, "outstanding": 3,
                                                 "claimed": 0}
        assert (await central.client.get("/v1/atp/HAT")).json()["inbound"]["qty"] == 3
        assert (await receive(central, po["id"], {"HAT": 3})).json()["status"] == "received"
        assert (await central.client.get("/v1/atp/HAT")).json()["inbound"]["qty"] == 0
        again = await receive(central, po["id"], {"HAT": 1})
        assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    async def test_bad_requests_are_refused_and_change_nothing(self, central):
        unknown_node = await central.client.post("/v1/supply/purchase-orders", json={
            "node_id": "NOPE", "expected_at": SOON, "lines": [{"sku": "HAT", "qty": 1}]})
        unknown_sku = await central.client.post("/v1/supply/purchase-orders", json={
            "node_id": "DC1", "expected_at": SOON, "lines": [{"sku": "NOPE", "qty": 1}]})
        naive_date = await central.client.post("/v1/supply/purchase-orders", json={
            "node_id": "DC1", "expected_at": "2026-12-01T10:00:00", "lines": [{"sku": "HAT", "qty": 1}]})
        assert [r.status_code for r in (unknown_node, unknown_sku, naive_date)] == [422, 404, 422]
        assert (await central.client.get("/v1/supply/purchase-orders")).json() == {"items": [], "next_cursor": None}
        po = await purchase_order(central, {"HAT": 5})
        wrong_sku = await receive(central, po["id"], {"TEE": 1})
        assert wrong_sku.status_code == 422 and "no line for TEE" in wrong_sku.json()["detail"]
        assert (await central.client.get(f"/v1/supply/purchase-orders/{po['id']}")).json()["lines"][0][
            "received"] == 0
        assert (await central.client.get("/v1/supply/purchase-orders/PO-none")).status_code == 404


class TestBackorders:
    async def test_without_the_policy_an_order_waits_backordered_and_claims_nothing(self, central):
        po = await purchase_order(central, {"HAT": 5})
        placed = (await central.client.post("/v1/orders", json=order({"HAT": 2}))).json()
        assert placed["status"] == "backordered" and placed["awaiting_supply"] == []
        assert (await central.client.get(f"/v1/supply/purchase-orders/{po['id']}")).json()["lines"][0][
            "claimed"] == 0

    async def test_claims_the_earliest_inbound_units_and_is_allocated_when_they_are_received(self, central):
        await allow_backorders(central)
        late = await purchase_order(central, {"HAT": 5}, expected_at=LATER)
        early = await purchase_order(central, {"HAT": 2}, expected_at=SOON)
        placed = (await central.client.post("/v1/orders", json=order({"HAT": 3}))).json()
        assert placed["status"] == "awaiting_stock"
        assert [(c["supply_id"], c["qty"]) for c in placed["awaiting_supply"]] == [(early["id"], 2), (late["id"], 1)]
        inbound = (await central.client.get("/v1/atp/HAT")).json()["inbound"]
        assert inbound["qty"] == 7 and inbound["unclaimed"] == 4

        received = (await receive(central, early["id"], {"HAT": 2})).json()
        assert received["orders_allocated"] == [placed["id"]]
        body = await order_of(central, placed["id"])
        assert body["status"] == "in_fulfilment"  # a warehouse accepts at once; one unit still awaited
        assert [(a["node_id"], a["lines"]) for a in body["allocations"]] == [("DC1", [{"sku": "HAT", "qty": 2}])]
        assert body["awaiting_supply"] == [{"supply_id": late["id"], "node_id": "DC1", "sku": "HAT", "qty": 1,
                                            "expected_at": late["expected_at"]}]
        assert (await receive(central, late["id"], {"HAT": 1})).json()["orders_allocated"] == [placed["id"]]
        body = await order_of(central, placed["id"])
        assert body["status"] == "in_fulfilment" and body["awaiting_supply"] == []
        assert [h["kind"] for h in body["history"]].count("supply_claimed") == 1

    async def test_the_oldest_claim_is_served_first_and_no_unit_is_promised_twice(self, central):
        await allow_backorders(central)
        po = await purchase_order(central, {"HAT": 3})
        first = (await central.client.post("/v1/orders", json=order({"HAT": 2}))).json()
        second = (await central.client.post("/v1/orders", json=order({"HAT": 2}))).json()
        assert first["status"] == "awaiting_stock" and second["status"] == "awaiting_stock"
        assert [c["qty"] for c in second["awaiting_supply"]] == [1]  # only one unit was left to claim
        third = (await central.client.post("/v1/orders", json=order({"HAT": 1}))).json()
        assert third["status"] == "backordered" and third["awaiting_supply"] == []
        received = (await receive(central, po["id"], {"HAT": 2}, key="rcv-1")).json()
        assert received["orders_allocated"] == [first["id"]]
        replay = await receive(central, po["id"], {"HAT": 2}, key="rcv-1")
        assert replay.json() == received  # the same receipt again is not received twice
        assert (await order_of(central, first["id"]))["status"] == "in_fulfilment"
        assert (await order_of(central, second["id"]))["status"] == "awaiting_stock"

    async def test_cancelling_the_order_or_the_purchase_order_releases_the_claims(self, central):
        await allow_backorders(central)
        po = await purchase_order(central, {"HAT": 4})
        kept = (await central.client.post("/v1/orders", json=order({"HAT": 1}))).json()
        dropped = (await central.client.post("/v1/orders", json=order({"HAT": 2}))).json()
        assert (await central.client.post(f"/v1/orders/{dropped['id']}/cancel", json={"reason": "customer"})
                ).status_code == 200
        assert (await central.client.get("/v1/atp/HAT")).json()["inbound"]["unclaimed"] == 3
        other = await purchase_order(central, {"HAT": 1}, expected_at=LATER)
        cancelled = (await central.client.post(f"/v1/supply/purchase-orders/{po['id']}/cancel")).json()
        assert cancelled["status"] == "cancelled" and cancelled["lines"][0]["outstanding"] == 0
        body = await order_of(central, kept["id"])  # it moves to the other purchase order
        assert body["status"] == "awaiting_stock" and body["awaiting_supply"][0]["supply_id"] == other["id"]
        assert "supply_released" in [h["kind"] for h in body["history"]]


class TestPickupBackorders:
    async def stores(self, central):
        for store_id in ("S001", "S002"):
            body = {"name": store_id, "address": "1 High Street", "lat": 51.5, "lon": -0.12}
            assert (await central.client.put(f"/v1/stores/{store_id}", json=body)).status_code == 201

    async def test_claim_only_at_their_pickup_store_and_are_held_again_when_its_supply_is_cancelled(self, central):
        await self.stores(central)
        await allow_backorders(central)
        elsewhere = await purchase_order(central, {"HAT": 5})  # at DC1: no use to a pickup at S001
        at_store = await purchase_order(central, {"HAT": 5}, node_id="S001", expected_at=LATER)
        placed = (await central.client.post("/v1/orders", json=order({"HAT": 2}, PICKUP))).json()
        assert placed["status"] == "awaiting_stock"
        assert [c["supply_id"] for c in placed["awaiting_supply"]] == [at_store["id"]]
        assert (await central.client.get(f"/v1/supply/purchase-orders/{elsewhere['id']}")).json()["lines"][0][
            "claimed"] == 0
        await central.client.post(f"/v1/supply/purchase-orders/{at_store['id']}/cancel")
        assert (await order_of(central, placed["id"]))["status"] == "held"

    async def test_moved_to_another_store_give_up_the_old_stores_supply(self, central):
        await self.stores(central)
        await allow_backorders(central)
        old = await purchase_order(central, {"HAT": 5}, node_id="S001")
        new = await purchase_order(central, {"HAT": 5}, node_id="S002")
        placed = (await central.client.post("/v1/orders", json=order({"HAT": 2}, PICKUP))).json()
        moved = await central.client.post(f"/v1/orders/{placed['id']}/move", json={
            "store_id": "S002", "customer_agreement": {"recorded_by": "HQ-1", "channel": "phone"}})
        assert moved.status_code == 200, moved.text
        assert [c["supply_id"] for c in moved.json()["awaiting_supply"]] == [new["id"]]
        assert (await central.client.get(f"/v1/supply/purchase-orders/{old['id']}")).json()["lines"][0][
            "claimed"] == 0


class TestPreorders:
    async def release_later(self, central):
        body = {**PRODUCT_BODY, "release_at": LATER}
        assert (await central.client.put("/v1/products/CAP", json=body)).status_code == 201

    async def test_are_refused_unless_the_policy_takes_them(self, central):
        await self.release_later(central)
        refused = await central.client.post("/v1/orders", json=order({"CAP": 1}))
        assert refused.status_code == 422 and refused.json()["code"] == "not_released"
        assert refused.json()["release_at"] == LATER and "released on" in refused.json()["detail"]
        assert (await central.client.get("/v1/orders")).json()["items"] == []

    async def test_claim_inbound_supply_and_are_never_routed_before_the_release(self, central):
        await self.release_later(central)
        policy = (await central.client.get("/v1/routing/policy")).json()
        assert (await central.client.put("/v1/routing/policy", json={**policy, "allow_preorders": True})
                ).status_code == 200
        await feed(central, "DC1", 51.45, -0.3, {"TEE": 10, "CAP": 5})  # on the shelf, but not released
        po = await purchase_order(central, {"CAP": 4})
        placed = (await central.client.post("/v1/orders", json=order({"CAP": 2, "TEE": 1}))).json()
        assert placed["status"] == "in_fulfilment"  # the tee goes now; the cap waits for its release
        assert [line["unfilled"] for line in placed["lines"]] == [2, 0]
        assert [(c["supply_id"], c["sku"], c["qty"]) for c in placed["awaiting_supply"]] == [(po["id"], "CAP", 2)]
        assert "preorder: CAP is released on" in placed["status_reason"]
        # The units arrive before the release: they serve no claim, and nothing routes them yet.
        received = (await receive(central, po["id"], {"CAP": 4})).json()
        assert received["orders_allocated"] == []
        assert central.service.waiting.retry(datetime.now(timezone.utc)) == 0
        body = await order_of(central, placed["id"])
        assert body["awaiting_supply"] == [] and [line["unfilled"] for line in body["lines"]] == [2, 0]
        # Head office brings the release forward to now: the waiting-orders pass routes it like any waiting order.
        released = {**PRODUCT_BODY, "release_at": to_text(datetime.now(timezone.utc) - timedelta(seconds=1))}
        assert (await central.client.put("/v1/products/CAP", json=released)).status_code == 200
        central.service.waiting.retry(datetime.now(timezone.utc))  # (or the periodic pass did it already)
        body = await order_of(central, placed["id"])
        assert [line["unfilled"] for line in body["lines"]] == [0, 0]


class TestWithAStoreOverNats:
    async def test_a_pickup_backorder_gets_its_assign_when_the_store_purchase_order_is_received(
            self, make_settings, nats_up):
        async with network(make_settings, nats_up, allow_backorders=True) as (central, stores, sku):
            near = stores[NEAR]
            pickup = {"type": "pickup", "store_id": NEAR}
            first = (await central.client.post("/v1/orders", json=order({sku: 5}, pickup))).json()
            assert first["status"] == "allocated"  # every unit the store has
            po = await purchase_order(central, {sku: 4}, node_id=NEAR)
            waiting = (await central.client.post("/v1/orders", json=order({sku: 2}, pickup))).json()
            assert waiting["status"] == "awaiting_stock"
            assert waiting["awaiting_supply"][0] | {} == {"supply_id": po["id"], "node_id": NEAR, "sku": sku,
                                                          "qty": 2, "expected_at": po["expected_at"]}
            received = (await receive(central, po["id"], {sku: 4})).json()
            assert received["orders_allocated"] == [waiting["id"]] and received["status"] == "received"
            assign = await near.next_command(waiting["id"], "fulfilment.assign")
            assert assign["lines"] == [{"sku": sku, "qty": 2}] and assign["type"] == "pickup"
            # The store receives the goods itself and accepts: the order goes on like any other.
            await near.stock(sku, 9)
            await near.fulfilment("fulfilment.accepted", assign, levels=(9, 2))
            await eventually(lambda: central.query("SELECT status FROM orders WHERE id=?", waiting["id"])[0][0]
                             == "in_fulfilment", what="the backorder accepted at the store")
            atp = (await central.client.get(f"/v1/atp/{sku}")).json()
            assert atp["inbound"]["qty"] == 0
            assert {n["node_id"]: n["atp"] for n in atp["nodes"]}[NEAR] == 2  # 9 on hand, 5 + 2 promised
