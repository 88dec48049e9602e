"""A warehouse's shipment feed over the real app and SQLite (no NATS: central owns warehouse allocations): full,
partial and repeated shipments, a shipment from the future, a rejection that re-routes, the tracking on the
allocation and in the webhook, and who may call it."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from central.settings import CentralSettings
from shared.runtime.clock import to_text
from tests.conftest import free_port
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    running_central,
)
from tests.integration.central.test_orders_api import feed
from tests.integration.central.test_webhooks import SECRET, Receiver
from tests.waiting import eventually

LONDON = {"type": "ship", "address": {"name": "Ada Lovelace", "line1": "10 Downing St", "city": "London",
                                     "postal_code": "SW1A 2AA", "country": "GB", "lat": 51.5034, "lon": -0.1276}}


def now_text(**delta) -> str:
    return to_text(datetime.now(timezone.utc) + timedelta(**delta))


@pytest.fixture
async def central(tmp_path):
    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN, webhook_retry_base_s=0.1,
                               webhook_retry_cap_s=0.4, webhook_allow_private_urls=True,  # a loopback receiver
                               tracking_urls={"acme": "https://track.acme.example/p/{tracking_number}"})
    async with running_central(settings, with_nats=False) as running:
        for sku in ("TEE", "MUG"):
            assert (await running.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code == 201
        await feed(running, "DC1", 51.45, -0.3, {"TEE": 10, "MUG": 10})    # near London
        await feed(running, "DC2", 53.48, -2.24, {"TEE": 10, "MUG": 10})   # Manchester
        yield running


async def place(central, lines: dict[str, int]) -> dict:
    response = await central.client.post("/v1/orders", json={
        "channel": "web", "customer": {"name": "Ada Lovelace"}, "delivery": LONDON,
        "lines": [{"sku": s, "qty": q} for s, q in lines.items()]})
    assert response.status_code == 201, response.text
    return response.json()


async def ship(central, node: str, body: dict, key: str | None = None):
    return await central.client.post(f"/v1/nodes/{node}/shipments", json=body,
                                      headers={"Idempotency-Key": key} if key else {})


async def order(central, order_id: str) -> dict:
    return (await central.client.get(f"/v1/orders/{order_id}")).json()


class TestShipping:
    async def test_a_whole_shipment_completes_the_order_with_carrier_tracking_and_its_page(self, central):
        placed = await place(central, {"TEE": 2})
        [allocation] = placed["allocations"]
        response = await ship(central, "DC1", {"allocation_id": allocation["id"], "carrier": "DHL",
                                               "tracking_number": "JD0146 0000 1", "shipped_at": now_text(hours=-1)})
        assert response.status_code == 201, response.text
        shipment = response.json()
        assert (shipment["allocation_status"], shipment["order_status"], shipment["unshipped"]) == (
            "shipped", "completed", [])
        assert shipment["tracking_url"].endswith("tracking-id=JD0146%200000%201")
        view = await order(central, placed["id"])
        assert view["status"] == "completed"
        [shipped] = view["allocations"]
        assert (shipped["status"], shipped["carrier"], shipped["tracking_number"]) == ("shipped", "DHL",
                                                                                        "JD0146 0000 1")
        assert shipped["tracking_url"] == shipment["tracking_url"]
        assert shipped["shipments"][0]["lines"] == [{"sku": "TEE", "qty": 2}]
        assert [h["kind"] for h in view["history"]].count("shipment.shipped") == 1

    async def test_a_partial_shipment_leaves_the_order_partially_shipped_until_the_rest_ships(self, central):
        placed = await place(central, {"TEE": 3, "MUG": 1})
        [allocation] = placed["allocations"]
        first = await ship(central, "DC1", {"allocation_id": allocation["id"], "lines": [{"sku": "TEE", "qty": 2}],
                                            "carrier": "acme", "tracking_number": "A-1", "shipped_at": now_text()})
        assert first.status_code == 201, first.text
        assert (first.json()["allocation_status"], first.json()["order_status"]) == ("accepted", "partially_shipped")
        assert first.json()["unshipped"] == [{"sku": "MUG", "qty": 1}, {"sku": "TEE", "qty": 1}]
        assert first.json()["tracking_url"] == "https://track.acme.example/p/A-1"
        refused = await central.client.post(f"/v1/orders/{placed['id']}/cancel", json={"reason": "too late"})
        assert refused.status_code == 409 and "shipped" in refused.json()["detail"]
        for sku in ("MUG", "TEE"):  # the allocation has begun to leave: none of its lines changes any more
            line = await central.client.post(f"/v1/orders/{placed['id']}/lines/{sku}/cancel", json={"qty": 1})
            assert line.status_code == 409 and "shipped" in line.json()["detail"], line.text
        second = await ship(central, "DC1", {"allocation_id": allocation["id"], "carrier": "Hermes",
                                             "tracking_number": "H-2", "shipped_at": now_text()})
        assert second.status_code == 201
        assert second.json()["lines"] == [{"sku": "MUG", "qty": 1}, {"sku": "TEE", "qty": 1}]
        view = await order(central, placed["id"])
        assert view["status"] == "completed"
        [done] = view["allocations"]
        assert [s["tracking_number"] for s in done["shipments"]] == ["A-1", "H-2"]
        assert done["tracking_number"] == "H-2"  # the latest parcel
        statuses = [h["status"] for h in view["history"] if h["kind"] == "status"]
        assert statuses[-2:] == ["partially_shipped", "completed"]

    async def test_a_repeat_answers_the_first_shipment_and_records_nothing_twice(self, central):
        placed = await place(central, {"TEE": 2})
        body = {"allocation_id": placed["allocations"][0]["id"], "lines": [{"sku": "TEE", "qty": 1}],
                "carrier": "UPS", "tracking_number": "1Z999", "shipped_at": now_text()}
        first = await ship(central, "DC1", body, key="wms-77")
        again = await ship(central, "DC1", body, key="wms-77")
        assert (first.status_code, again.status_code) == (201, 201) and again.json() == first.json()
        without_key = await ship(central, "DC1", body)
        assert without_key.status_code == 200 and without_key.json()["id"] == first.json()["id"]
        other_lines = await ship(central, "DC1", {**body, "lines": [{"sku": "TEE", "qty": 2}]})
        assert other_lines.status_code == 409
        mismatch = await ship(central, "DC1", {**body, "tracking_number": "1Z998"}, key="wms-77")
        assert mismatch.status_code == 422 and mismatch.json()["code"] == "idempotency_mismatch"
        assert central.query("SELECT COUNT(*) FROM shipments")[0][0] == 1

    async def test_a_shipment_from_the_future_or_beyond_the_allocation_is_refused_and_changes_nothing(self, central):
        placed = await place(central, {"TEE": 1})
        allocation_id = placed["allocations"][0]["id"]
        future = await ship(central, "DC1", {"allocation_id": allocation_id, "carrier": "DHL", "tracking_number": "F1",
                                             "shipped_at": now_text(days=2)})
        assert future.status_code == 422 and "future" in future.json()["detail"]
        too_many = await ship(central, "DC1", {"allocation_id": allocation_id, "lines": [{"sku": "TEE", "qty": 2}],
                                               "carrier": "DHL", "tracking_number": "F2", "shipped_at": now_text()})
        assert too_many.status_code == 422 and "Only 1 of TEE" in too_many.json()["detail"]
        other_sku = await ship(central, "DC1", {"allocation_id": allocation_id, "lines": [{"sku": "MUG", "qty": 1}],
                                                "carrier": "DHL", "tracking_number": "F3", "shipped_at": now_text()})
        assert other_sku.status_code == 422
        naive = await ship(central, "DC1", {"allocation_id": allocation_id, "carrier": "DHL", "tracking_number": "F4",
                                            "shipped_at": "2026-01-01T10:00:00"})
        assert naive.status_code == 422
        elsewhere = await ship(central, "DC2", {"allocation_id": allocation_id, "carrier": "DHL",
                                                "tracking_number": "F5", "shipped_at": now_text()})
        assert elsewhere.status_code == 404
        assert central.query("SELECT COUNT(*) FROM shipments")[0][0] == 0
        assert (await order(central, placed["id"]))["status"] == "in_fulfilment"

    async def test_only_an_admin_token_may_post_the_feed(self, central):
        placed = await place(central, {"TEE": 1})
        body = {"allocation_id": placed["allocations"][0]["id"], "carrier": "DHL", "tracking_number": "T1",
                "shipped_at": now_text()}
        for scopes in (["orders"], ["read"]):
            token = (await central.client.post("/v1/tokens", json={"name": scopes[0], "scopes": scopes})).json()
            refused = await central.client.post("/v1/nodes/DC1/shipments", json=body,
                                                headers={"Authorization": f"Bearer {token['token']}"})
            assert refused.status_code == 403
        assert (await central.client.post("/v1/nodes/DC1/shipments", json=body, headers={"Authorization": ""}
                                          )).status_code == 401


class TestRejecting:
    async def test_a_rejected_allocation_is_routed_to_the_next_warehouse(self, central):
        placed = await place(central, {"TEE": 2})
        dc1 = placed["allocations"][0]["id"]
        response = await central.client.post(f"/v1/nodes/DC1/allocations/{dc1}/reject",
                                              json={"reason": "damaged", "note": "water in the aisle"})
        assert response.status_code == 200, response.text
        answer = response.json()
        assert (answer["allocation_status"], answer["rejected_allocation_id"]) == ("rejected", dc1)
        assert sorted((a["node_id"], a["status"]) for a in answer["allocations"]) == [("DC1", "rejected"),
                                                                                      ("DC2", "accepted")]
        again = await central.client.post(f"/v1/nodes/DC1/allocations/{dc1}/reject", json={"reason": "damaged"})
        assert again.status_code == 200 and len(again.json()["allocations"]) == 2  # no second re-route
        refused = await ship(central, "DC1", {"allocation_id": dc1, "carrier": "DHL", "tracking_number": "R1",
                                              "shipped_at": now_text()})
        assert refused.status_code == 409

    async def test_units_rejected_as_missing_stay_out_of_the_warehouses_atp_until_its_next_feed(self, central):
        async def dc1_atp() -> int:
            nodes = (await central.client.get("/v1/atp/TEE")).json()["nodes"]
            return next(n["atp"] for n in nodes if n["node_id"] == "DC1")
        damaged = (await place(central, {"TEE": 2}))["allocations"][0]["id"]
        full = (await place(central, {"TEE": 3}))["allocations"][0]["id"]
        assert await dc1_atp() == 5
        await central.client.post(f"/v1/nodes/DC1/allocations/{damaged}/reject", json={"reason": "damaged"})
        assert await dc1_atp() == 5  # the 2 damaged units are not there to promise again
        await central.client.post(f"/v1/nodes/DC1/allocations/{full}/reject", json={"reason": "no_capacity"})
        assert await dc1_atp() == 8  # the 3 units are there; the warehouse only could not ship them
        counted = await central.client.put("/v1/nodes/DC1/stock", json={  # the WMS's own count, after the fact
            "as_of": now_text(), "items": [{"sku": "TEE", "available": 7}, {"sku": "MUG", "available": 10}]})
        assert counted.status_code == 200 and await dc1_atp() == 7

    async def test_after_a_partial_shipment_only_the_rest_is_rejected_and_routed_elsewhere(self, central):
        placed = await place(central, {"TEE": 3})
        dc1 = placed["allocations"][0]["id"]
        await ship(central, "DC1", {"allocation_id": dc1, "lines": [{"sku": "TEE", "qty": 1}], "carrier": "DHL",
                                    "tracking_number": "P1", "shipped_at": now_text()})
        answer = (await central.client.post(f"/v1/nodes/DC1/allocations/{dc1}/reject",
                                            json={"reason": "not_found"})).json()
        assert answer["allocation_status"] == "shipped" and answer["rejected"] == [{"sku": "TEE", "qty": 2}]
        view = await order(central, placed["id"])
        # The split-off rejected part and the new allocation are made in the same millisecond: compare as sets.
        assert sorted((a["node_id"], a["status"], a["lines"][0]["qty"]) for a in view["allocations"]) == [
            ("DC1", "rejected", 2), ("DC1", "shipped", 1), ("DC2", "accepted", 2)]
        assert view["status"] == "partially_shipped" and view["lines"][0]["unfilled"] == 0
        dc2 = next(a for a in view["allocations"] if a["node_id"] == "DC2")
        await ship(central, "DC2", {"allocation_id": dc2["id"], "carrier": "DPD",
                                    "tracking_number": "P2", "shipped_at": now_text()})
        assert (await order(central, placed["id"]))["status"] == "completed"


async def test_the_webhook_of_a_shipped_order_carries_the_tracking_of_each_allocation(central):
    receiver = Receiver(free_port())
    await receiver.start()
    try:
        made = await central.client.post("/v1/webhooks", json={"url": receiver.url, "events": ["completed"],
                                                               "secret": SECRET})
        assert made.status_code == 201, made.text
        placed = await place(central, {"TEE": 1})
        await ship(central, "DC1", {"allocation_id": placed["allocations"][0]["id"], "carrier": "GLS",
                                    "tracking_number": "GLS-42", "shipped_at": now_text()})
        await eventually(lambda: receiver.got, what="the completed order delivered")
    finally:
        await receiver.stop()
    body = json.loads(receiver.got[0][1])
    [allocation] = body["order"]["allocations"]
    assert (body["status"], allocation["carrier"], allocation["tracking_number"]) == ("completed", "GLS", "GLS-42")
    assert allocation["tracking_url"] == "https://gls-group.com/track/GLS-42"
