"""Orders end to end on a real nats-server, each store played with its own NATS identity: the assign
reaches the right store, its events move the order, a rejection or silence re-routes (DESIGN §6, §7)."""

from contextlib import asynccontextmanager

from nats.errors import TimeoutError as NatsTimeout

from shared.contract import pickup_codes as pickup
from shared.contract import subjects
from shared.contract.events import CommandEnvelope
from shared.runtime.ids import uuid7
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    STORE_BODY,
    StoreEmitter,
    running_central,
    store_link,
)
from tests.waiting import eventually

NEAR, FAR = "S001", "S004"   # S001 in central London, S004 in Oxford
PLACES = {NEAR: (51.51, -0.13), FAR: (51.75, -1.26)}
LONDON = {"type": "ship", "address": {"name": "Ada Lovelace", "line1": "10 Downing St", "city": "London",
                                     "postal_code": "SW1A 2AA", "country": "GB", "lat": 51.5034, "lon": -0.1276}}


class Store:
    """A store as the edge would act over NATS: its events on its own subject, commands from its consumer."""

    def __init__(self, link, store_id: str):
        self.id, self.link = store_id, link
        self.emitter = StoreEmitter(link, store_id)
        self.seq = 0
        self.sub = None

    async def emit(self, type_: str, payload: dict) -> None:
        self.seq += 1
        await self.emitter.emit(self.seq, type_, payload)
        await self.emitter.heartbeat(last_seq=self.seq)

    async def stock(self, sku: str, on_hand: int, reserved: int = 0) -> None:
        await self.emit("stock.received", {"sku": sku, "qty": on_hand, "reference": "PO-1",
                                           "stock": [{"sku": sku, "on_hand": on_hand, "reserved": reserved,
                                                      "damaged": 0}]})

    async def fulfilment(self, type_: str, assign: dict, levels: tuple[int, int] | None = None, **extra) -> None:
        sku = assign["lines"][0]["sku"]
        stock = [{"sku": sku, "on_hand": levels[0], "reserved": levels[1], "damaged": 0}] if levels else []
        await self.emit(type_, {"allocation_id": assign["allocation_id"], "order_id": assign["order_id"],
                                "lines": assign["lines"], "stock": stock, **extra})

    async def next_command(self, order_id: str, type_: str, timeout_rounds: int = 60, key: str = "order_id") -> dict:
        """The next command of this type for this order — or the thing `key` names, e.g. a transfer — (others, left by
        earlier tests, are acked and skipped)."""
        if self.sub is None:
            self.sub = await self.link.js.pull_subscribe_bind(subjects.command_consumer(self.id),
                                                              stream=subjects.COMMANDS_STREAM)
        for _ in range(timeout_rounds):
            try:
                msgs = await self.sub.fetch(1, timeout=0.5)
            except NatsTimeout:
                continue
            for msg in msgs:
                await msg.ack()
                command = CommandEnvelope.model_validate_json(msg.data)
                if command.type == type_ and command.payload.get(key) == order_id:
                    assert command.store_id == self.id
                    return command.payload
        raise AssertionError(f"{self.id} got no {type_} for {key} {order_id}")


@asynccontextmanager
async def network(make_settings, nats, **policy):
    """Central with two fresh stores holding 5 of a new SKU each; `policy` overrides routing policy fields."""
    sku = f"TEE-{uuid7()[-8:]}"
    async with running_central(make_settings()) as central, store_link(nats, NEAR) as near_link, \
            store_link(nats, FAR) as far_link:
        if policy:
            current = (await central.client.get("/v1/routing/policy")).json()
            assert (await central.client.put("/v1/routing/policy", json={**current, **policy})).status_code == 200
        assert (await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code == 201
        stores = {}
        for store_id, link in ((NEAR, near_link), (FAR, far_link)):
            lat, lon = PLACES[store_id]
            body = {**STORE_BODY, "lat": lat, "lon": lon}
            assert (await central.client.put(f"/v1/stores/{store_id}", json=body)).status_code in (200, 201)
            stores[store_id] = Store(link, store_id)
        await eventually(lambda: not central.service.consumers.outstanding, what="store consumers")
        for store in stores.values():
            await store.stock(sku, 5)
        await eventually(lambda: all(n["atp"] == 5 and n["fresh"] for n in atp_nodes(central, sku).values())
                         and len(atp_nodes(central, sku)) == 2, what="both stores fresh with stock")
        yield central, stores, sku


def atp_nodes(central, sku) -> dict:
    from central.store.atp import atp_view
    from shared.runtime.clock import utc_now

    with central.service.db.read() as conn:
        view = atp_view(conn, sku, utc_now(), central.service.settings)
    return {n["node_id"]: n for n in view["nodes"]}


async def place(central, sku, qty=2, key=None, delivery=None) -> dict:
    headers = {"Idempotency-Key": key} if key else {}
    response = await central.client.post("/v1/orders", headers=headers, json={
        "channel": "web", "customer": {"name": "Ada"}, "lines": [{"sku": sku, "qty": qty}],
        "delivery": delivery or LONDON})
    assert response.status_code == 201, response.text
    return response.json()


async def order_of(central, order_id) -> dict:
    return (await central.client.get(f"/v1/orders/{order_id}")).json()


def allocation_status(central, allocation_id):
    rows = central.query("SELECT status FROM allocations WHERE id=?", allocation_id)
    return rows[0][0] if rows else None


class TestAnOrderAcceptedByItsStore:
    async def test_the_nearest_store_gets_the_assign_and_its_acceptance_clears_pending(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            order = await place(central, sku, 2, key=f"checkout-{sku}")
            [allocation] = order["allocations"]
            assert (order["status"], allocation["node_id"], allocation["status"]) == ("allocated", NEAR, "pending")
            assert (atp_nodes(central, sku)[NEAR]["pending"], atp_nodes(central, sku)[NEAR]["atp"]) == (2, 3)

            assign = await stores[NEAR].next_command(order["id"], "fulfilment.assign")
            assert assign["allocation_id"] == allocation["id"] and assign["lines"] == [{"sku": sku, "qty": 2}]
            # the whole structured address, its optional fields present (null when not given)
            given = {k: v for k, v in assign["ship_to"].items() if v is not None}
            assert assign["type"] == "ship" and given == LONDON["address"]
            assert assign["accept_by"] and assign["customer"]["name"] == "Ada"

            replay = await central.client.post("/v1/orders", headers={"Idempotency-Key": f"checkout-{sku}"}, json={
                "channel": "web", "customer": {"name": "Ada"}, "lines": [{"sku": sku, "qty": 2}],
                "delivery": LONDON})
            assert replay.status_code == 201 and replay.json()["id"] == order["id"]
            assert central.query("SELECT COUNT(*) FROM allocations")[0][0] == 1

            await stores[NEAR].fulfilment("fulfilment.accepted", assign, levels=(5, 2))
            await eventually(lambda: allocation_status(central, allocation["id"]) == "accepted", what="accepted")
            near = atp_nodes(central, sku)[NEAR]
            assert (near["reserved"], near["pending"], near["atp"]) == (2, 0, 3)
            body = await order_of(central, order["id"])
            assert body["status"] == "in_fulfilment"
            accepted = next(h for h in body["history"] if h["kind"] == "fulfilment.accepted")
            assert accepted["source"] == f"store:{NEAR}" and accepted["at"]

            await stores[NEAR].fulfilment("fulfilment.picked", assign)
            await stores[NEAR].fulfilment("shipment.packed", assign, parcels=[{"weight_g": 300}])
            await stores[NEAR].fulfilment("shipment.shipped", assign, levels=(3, 0), carrier="DHL",
                                          tracking_number="JD0001")
            await eventually(lambda: central.query("SELECT status FROM orders")[0][0] == "completed",
                             what="order completed")
            kinds = [h["kind"] for h in (await order_of(central, order["id"]))["history"]]
            assert kinds.index("fulfilment.picked") < kinds.index("shipment.packed") < kinds.index("shipment.shipped")

    async def test_a_pickup_order_carries_only_the_code_hash_and_follows_ready_and_collected(self, make_settings,
                                                                                            nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            order = await place(central, sku, 1, delivery={"type": "pickup", "store_id": FAR})
            assign = await stores[FAR].next_command(order["id"], "fulfilment.assign")
            assert assign["type"] == "pickup" and assign["pickup_code_hash"] == pickup.code_hash(order["pickup_code"])
            assert order["pickup_code"] not in str(central.query("SELECT * FROM command_outbox"))
            await stores[FAR].fulfilment("fulfilment.accepted", assign, levels=(5, 1))
            await stores[FAR].fulfilment("pickup.ready", assign)
            await eventually(lambda: central.query("SELECT status FROM orders")[0][0] == "ready_for_pickup",
                             what="ready for pickup")
            await stores[FAR].fulfilment("pickup.collected", assign, levels=(4, 0), collected_by="Ada")
            await eventually(lambda: central.query("SELECT status FROM orders")[0][0] == "completed",
                             what="collected")


class TestDailyShipCapacity:
    async def test_a_store_that_shipped_its_days_capacity_is_passed_over_with_the_reason(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            lat, lon = PLACES[NEAR]
            body = {**STORE_BODY, "lat": lat, "lon": lon, "ship_capacity_per_day": 1}
            assert (await central.client.put(f"/v1/stores/{NEAR}", json=body)).status_code == 200
            first = await place(central, sku, 1)
            assert [a["node_id"] for a in first["allocations"]] == [NEAR]
            second = await place(central, sku, 1)
            assert [a["node_id"] for a in second["allocations"]] == [FAR]
            [decision] = (await order_of(central, second["id"]))["decisions"]
            assert {"node_id": NEAR, "reason": "daily ship-from-store capacity reached"} in \
                decision["explanation"]["excluded"]


class TestReRouting:
    async def test_a_rejection_sends_the_lines_to_the_next_node(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            order = await place(central, sku, 2)
            assign = await stores[NEAR].next_command(order["id"], "fulfilment.assign")
            await stores[NEAR].fulfilment("fulfilment.rejected", assign, levels=(0, 0), reason="not_found")
            second = await stores[FAR].next_command(order["id"], "fulfilment.assign")
            assert second["lines"] == [{"sku": sku, "qty": 2}] and second["allocation_id"] != assign["allocation_id"]
            body = await order_of(central, order["id"])
            assert [(a["node_id"], a["status"]) for a in body["allocations"]] == [(NEAR, "rejected"), (FAR, "pending")]
            assert body["status"] == "allocated"
            reroute = body["decisions"][-1]
            assert reroute["trigger"] == f"re-route: {NEAR} rejected it (not_found)"
            assert {"node_id": NEAR, "reason": "excluded: rejected or did not answer this order before"} in \
                reroute["explanation"]["excluded"]

    async def test_silence_past_accept_by_re_routes_and_a_late_acceptance_is_cancelled(self, make_settings, nats_up):
        async with network(make_settings, nats_up, accept_timeout_s=1, accept_margin_s=0.5) as (central, stores, sku):
            order = await place(central, sku, 1)
            assign = await stores[NEAR].next_command(order["id"], "fulfilment.assign")
            second = await stores[FAR].next_command(order["id"], "fulfilment.assign")  # after the timeout
            assert allocation_status(central, assign["allocation_id"]) == "timed_out"
            assert atp_nodes(central, sku)[NEAR]["pending"] == 0

            await stores[NEAR].fulfilment("fulfilment.accepted", assign, levels=(5, 1))  # too late
            cancel = await stores[NEAR].next_command(order["id"], "fulfilment.cancel")
            assert cancel["allocation_id"] == assign["allocation_id"]
            body = await order_of(central, order["id"])
            kinds = [h["kind"] for h in body["history"]]
            assert "timed_out" in kinds and "compensating_cancel" in kinds
            assert [a["status"] for a in body["allocations"]] == ["timed_out", "pending"]
            assert second["allocation_id"] == body["allocations"][1]["id"]


class TestCancelling:
    async def test_an_accepted_order_is_cancel_requested_until_the_store_confirms(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            order = await place(central, sku, 1)
            assign = await stores[NEAR].next_command(order["id"], "fulfilment.assign")
            await stores[NEAR].fulfilment("fulfilment.accepted", assign, levels=(5, 1))
            await eventually(lambda: allocation_status(central, assign["allocation_id"]) == "accepted",
                             what="accepted")
            response = await central.client.post(f"/v1/orders/{order['id']}/cancel", json={"reason": "duplicate"})
            assert response.status_code == 200 and response.json()["status"] == "cancel_requested"
            cancel = await stores[NEAR].next_command(order["id"], "fulfilment.cancel")
            assert cancel["reason"] == "order cancelled: duplicate"
            await stores[NEAR].fulfilment("fulfilment.cancelled", assign, levels=(5, 0))
            await eventually(lambda: central.query("SELECT status FROM orders")[0][0] == "cancelled",
                             what="cancelled")
            assert central.query("SELECT COUNT(*) FROM allocations")[0][0] == 1  # nothing re-routed

    async def test_a_cancel_racing_an_accept_wins_without_a_second_cancel(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            order = await place(central, sku, 1)
            assign = await stores[NEAR].next_command(order["id"], "fulfilment.assign")
            response = await central.client.post(f"/v1/orders/{order['id']}/cancel")
            assert response.json()["status"] == "cancelled"  # never accepted: nothing to wait for
            await stores[NEAR].fulfilment("fulfilment.accepted", assign, levels=(5, 1))  # crossed the cancel
            await stores[NEAR].next_command(order["id"], "fulfilment.cancel")
            await stores[NEAR].fulfilment("fulfilment.cancelled", assign, levels=(5, 0))
            await eventually(lambda: central.query("SELECT COUNT(*) FROM order_history WHERE kind="
                                                   "'fulfilment.cancelled'")[0][0] == 1, what="store's cancel")
            body = await order_of(central, order["id"])
            assert body["status"] == "cancelled"
            assert "compensating_cancel" not in [h["kind"] for h in body["history"]]
            assert central.query("SELECT COUNT(*) FROM command_outbox WHERE type='fulfilment.cancel'")[0][0] == 1

    async def test_a_shipped_order_can_no_longer_be_cancelled(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            order = await place(central, sku, 1)
            assign = await stores[NEAR].next_command(order["id"], "fulfilment.assign")
            await stores[NEAR].fulfilment("fulfilment.accepted", assign, levels=(5, 1))
            await stores[NEAR].fulfilment("shipment.shipped", assign, levels=(4, 0), carrier="DHL",
                                          tracking_number="T1")
            await eventually(lambda: central.query("SELECT status FROM orders")[0][0] == "completed",
                             what="shipped")
            response = await central.client.post(f"/v1/orders/{order['id']}/cancel")
            assert response.status_code == 409 and response.json()["code"] == "invalid_transition"


class TestOrderRequests:
    async def test_a_store_can_ask_for_an_online_order_over_nats(self, make_settings, nats_up):
        async with network(make_settings, nats_up) as (central, stores, sku):
            order = await place(central, sku, 1)
            reply = await stores[FAR].link.nc.request(subjects.order_request(FAR),
                                                      f'{{"order_id": "{order["id"]}"}}'.encode(), timeout=15)
            assert '"lines"' in reply.data.decode() and order["id"] in reply.data.decode()
            missing = await stores[FAR].link.nc.request(subjects.order_request(FAR), b'{"order_id": "nope"}',
                                                        timeout=15)
            assert b'"not_found"' in missing.data
