"""Transfers with the stores' events through the real NATS path: the sender's acceptance, shipment (short, and
after a cancel), the receiver's short receipt and its discrepancy, ATP's pending and in-transit figures at each
step, and a backorder served by the units a transfer brings."""


from shared.runtime.clock import from_text
from tests.integration.central.test_orders_api import feed
from tests.integration.central.test_orders_flow import (
    FAR,
    NEAR,
    atp_nodes,
    network,
    order_of,
)
from tests.waiting import eventually


async def next_command(store, transfer_id: str, type_: str) -> dict:
    return await store.next_command(transfer_id, type_, key="transfer_id")


def stock(sku: str, on_hand: int, reserved: int = 0) -> list[dict]:
    return [{"sku": sku, "on_hand": on_hand, "reserved": reserved, "damaged": 0}]


async def transfer_of(central, transfer_id: str) -> dict:
    return (await central.client.get(f"/v1/transfers/{transfer_id}")).json()


async def status_becomes(central, transfer_id: str, status: str) -> dict:
    await eventually(lambda: central.query("SELECT status FROM transfers WHERE id=?", transfer_id)[0][0] == status,
                     what=f"transfer {status}")
    return await transfer_of(central, transfer_id)


async def inbound(central, sku: str) -> dict:
    return (await central.client.get(f"/v1/atp/{sku}")).json()["inbound"]


class TestATransferShippedShortAndReceivedShort:
    async def test_moves_the_units_from_pending_to_reserved_to_in_transit_and_opens_the_discrepancy(
            self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            sender, receiver = stores[NEAR], stores[FAR]
            made = await central.client.post("/v1/transfers", json={
                "from_node": NEAR, "to_node": FAR, "lines": [{"sku": sku, "qty": 4}]})
            transfer_id = made.json()["id"]
            assert (atp_nodes(central, sku)[NEAR]["pending"], atp_nodes(central, sku)[NEAR]["atp"]) == (4, 1)

            # the receiver cannot answer for the sender: its event moves its own levels only
            await receiver.emit("transfer.accepted", {"transfer_id": transfer_id, "lines": [{"sku": sku, "qty": 4}],
                                                      "stock": stock(sku, 5)})
            await eventually(lambda: central.applied_seq(FAR) == receiver.seq, what="the receiver's event applied")
            assert (await transfer_of(central, transfer_id))["status"] == "requested"
            assert atp_nodes(central, sku)[NEAR]["pending"] == 4

            send = await next_command(sender, transfer_id, "transfer.send")
            assert send["lines"] == [{"sku": sku, "qty": 4}] and send["to_node"] == FAR
            await sender.emit("transfer.accepted", {"transfer_id": transfer_id, "lines": send["lines"],
                                                    "stock": stock(sku, 5, 4)})
            await status_becomes(central, transfer_id, "accepted")
            near = atp_nodes(central, sku)[NEAR]
            assert (near["pending"], near["reserved"], near["atp"]) == (0, 4, 1)  # reserved took over: no double

            # 3 of 4 shipped: the fourth was not on the shelf (on_hand down for it too, as a short pick)
            await sender.emit("transfer.shipped", {"transfer_id": transfer_id, "to_node": FAR,
                                                   "lines": [{"sku": sku, "qty": 3}], "carrier": "van",
                                                   "stock": stock(sku, 1, 0)})
            shipped = await status_becomes(central, transfer_id, "shipped")
            assert shipped["lines"] == [{"sku": sku, "qty": 4, "shipped": 3, "received": 0}]
            assert shipped["in_transit"] == 3 and shipped["carrier"] == "van"
            assert [(x["kind"], x["node_id"], x["qty"]) for x in (await inbound(central, sku))["lines"]] == [
                ("transfer", FAR, 3)]
            assert (atp_nodes(central, sku)[NEAR]["atp"], atp_nodes(central, sku)[FAR]["atp"]) == (1, 5)
            inbound_command = await next_command(receiver, transfer_id, "transfer.inbound")
            assert inbound_command["lines"] == [{"sku": sku, "qty": 3}] and inbound_command["from_node"] == NEAR
            assert from_text(inbound_command["expected_at"]) == from_text(shipped["expected_at"])

            late = await central.client.post(f"/v1/transfers/{transfer_id}/cancel")
            assert late.status_code == 409 and "too late" in late.json()["detail"]

            await receiver.emit("transfer.received", {"transfer_id": transfer_id, "from_node": NEAR,
                                                      "lines": [{"sku": sku, "qty": 2}], "stock": stock(sku, 7)})
            received = await status_becomes(central, transfer_id, "received")
            assert received["discrepancy"]["status"] == "open"
            assert received["discrepancy"]["lines"] == [{"sku": sku, "shipped": 3, "received": 2, "missing": 1}]
            assert received["in_transit"] == 0 and (await inbound(central, sku))["qty"] == 0
            assert atp_nodes(central, sku)[FAR]["atp"] == 7
            listed = (await central.client.get("/v1/transfers", params={"discrepancy": "open"})).json()["items"]
            assert [t["id"] for t in listed] == [transfer_id]

            resolved = await central.client.post(f"/v1/transfers/{transfer_id}/discrepancy/resolve",
                                                 json={"note": "one tee found damaged in the van"})
            assert resolved.json()["discrepancy"]["status"] == "resolved"
            assert [h["kind"] for h in resolved.json()["history"]] == [
                "requested", "accepted", "shipped", "received", "discrepancy_resolved"]


class TestCancelling:
    async def test_an_early_cancel_is_confirmed_and_a_late_one_loses_to_the_shipment(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            sender = stores[NEAR]
            early, late = [(await central.client.post("/v1/transfers", json={
                "from_node": NEAR, "to_node": FAR, "lines": [{"sku": sku, "qty": 2}]})).json()["id"]
                for _ in range(2)]
            assert atp_nodes(central, sku)[NEAR]["pending"] == 4
            for transfer_id in (early, late):
                assert (await central.client.post(f"/v1/transfers/{transfer_id}/cancel")).json()["status"] == \
                    "cancel_requested"
            await next_command(sender, early, "transfer.cancel")
            await sender.emit("transfer.accepted", {"transfer_id": early, "lines": [{"sku": sku, "qty": 2}],
                                                    "stock": stock(sku, 5, 2)})
            await sender.emit("transfer.cancelled", {"transfer_id": early, "lines": [{"sku": sku, "qty": 2}],
                                                     "reason": "cancelled by head office", "stock": stock(sku, 5, 0)})
            # the late one: the store had shipped before the cancel reached it
            await sender.emit("transfer.accepted", {"transfer_id": late, "lines": [{"sku": sku, "qty": 2}],
                                                    "stock": stock(sku, 5, 2)})
            await sender.emit("transfer.shipped", {"transfer_id": late, "to_node": FAR,
                                                   "lines": [{"sku": sku, "qty": 2}], "stock": stock(sku, 3, 0)})
            assert (await status_becomes(central, early, "cancelled"))["in_transit"] == 0
            shipped = await status_becomes(central, late, "shipped")
            assert shipped["in_transit"] == 2
            assert [h["kind"] for h in shipped["history"]] == [
                "requested", "cancel_requested", "accepted", "cancel_too_late", "shipped"]
            assert (atp_nodes(central, sku)[NEAR]["pending"], atp_nodes(central, sku)[NEAR]["atp"]) == (0, 3)


class TestABackorderWaitingForATransfer:
    async def test_claims_the_units_in_transit_and_is_allocated_when_they_are_received(self, make_settings, nats_up):
        async with network(make_settings, nats_up, allow_backorders=True) as (central, stores, sku):
            sender, receiver = stores[NEAR], stores[FAR]
            await receiver.stock(sku, 0)
            await eventually(lambda: FAR not in atp_nodes(central, sku), what="the receiver has none")
            transfer_id = (await central.client.post("/v1/transfers", json={
                "from_node": NEAR, "to_node": FAR, "lines": [{"sku": sku, "qty": 5}]})).json()["id"]
            await sender.emit("transfer.accepted", {"transfer_id": transfer_id, "lines": [{"sku": sku, "qty": 5}],
                                                    "stock": stock(sku, 5, 5)})
            await sender.emit("transfer.shipped", {"transfer_id": transfer_id, "to_node": FAR,
                                                   "lines": [{"sku": sku, "qty": 5}], "stock": stock(sku, 0, 0)})
            await status_becomes(central, transfer_id, "shipped")
            placed = (await central.client.post("/v1/orders", json={
                "channel": "web", "customer": {"name": "Ada"}, "lines": [{"sku": sku, "qty": 2}],
                "delivery": {"type": "pickup", "store_id": FAR}})).json()
            assert placed["status"] == "awaiting_stock"
            assert [(c["supply_id"], c["qty"]) for c in placed["awaiting_supply"]] == [(transfer_id, 2)]
            assert (await inbound(central, sku))["unclaimed"] == 3

            await receiver.emit("transfer.received", {"transfer_id": transfer_id, "from_node": NEAR,
                                                      "lines": [{"sku": sku, "qty": 5}], "stock": stock(sku, 5)})
            await status_becomes(central, transfer_id, "received")
            body = await order_of(central, placed["id"])
            assert [(a["node_id"], a["lines"]) for a in body["allocations"]] == [(FAR, [{"sku": sku, "qty": 2}])]
            assert body["awaiting_supply"] == [] and (await transfer_of(central, transfer_id))["discrepancy"] is None


class TestAWarehouseReceiving:
    async def test_head_office_counts_the_units_in_and_more_than_shipped_is_a_negative_missing(self, make_settings,
                                                                                              nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            await feed(central, "DC1", 51.45, -0.3, {})
            transfer_id = (await central.client.post("/v1/transfers", json={
                "from_node": NEAR, "to_node": "DC1", "lines": [{"sku": sku, "qty": 2}]})).json()["id"]
            early = await central.client.post(f"/v1/transfers/{transfer_id}/receive",
                                              json={"lines": [{"sku": sku, "qty": 2}]})
            assert early.status_code == 409 and "only a shipped transfer" in early.json()["detail"]
            await stores[NEAR].emit("transfer.shipped", {"transfer_id": transfer_id, "to_node": "DC1",
                                                         "lines": [{"sku": sku, "qty": 2}], "stock": stock(sku, 3)})
            await status_becomes(central, transfer_id, "shipped")
            assert [(x["kind"], x["node_id"]) for x in (await inbound(central, sku))["lines"]] == [("transfer", "DC1")]
            unknown = await central.client.post(f"/v1/transfers/{transfer_id}/receive",
                                                json={"lines": [{"sku": "NOPE", "qty": 1}]})
            assert unknown.status_code == 422 and (await transfer_of(central, transfer_id))["status"] == "shipped"
            received = await central.client.post(f"/v1/transfers/{transfer_id}/receive",
                                                 json={"lines": [{"sku": sku, "qty": 3}]},
                                                 headers={"Idempotency-Key": "dc-count-1"})
            assert received.status_code == 200 and received.json()["status"] == "received"
            assert received.json()["discrepancy"]["lines"] == [{"sku": sku, "shipped": 2, "received": 3,
                                                                "missing": -1}]
            again = await central.client.post(f"/v1/transfers/{transfer_id}/receive",
                                              json={"lines": [{"sku": sku, "qty": 3}]},
                                              headers={"Idempotency-Key": "dc-count-1"})
            assert again.json() == received.json()
            assert (await inbound(central, sku))["qty"] == 0
