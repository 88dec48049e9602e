"""Changing placed orders through central's API (no NATS needed: a warehouse serves ship orders, and pickup stores
that never sent a heartbeat hold pickups): lines cancelled or reduced with their refund due, pickups moved."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from central.settings import CentralSettings
from shared.runtime.clock import to_text
from tests.integration.central.conftest import (
    ADMIN_TOKEN,
    PRODUCT_BODY,
    STORE_BODY,
    running_central,
)

LONDON = {"type": "ship", "address": {"name": "Ada Lovelace", "line1": "10 Downing St", "city": "London",
                                     "postal_code": "SW1A 2AA", "country": "GB", "lat": 51.5034, "lon": -0.1276}}
AGREED = {"recorded_by": "Sam at head office", "channel": "phone"}


@pytest.fixture
async def central(tmp_path):
    settings = CentralSettings(db_path=tmp_path / "central.db", admin_token=ADMIN_TOKEN,
                               webhook_allow_private_urls=True)  # a subscription to a loopback URL
    async with running_central(settings, with_nats=False) as running:
        for sku, price in (("TEE", 1999), ("MUG", 800)):
            assert (await running.client.put(f"/v1/products/{sku}", json={**PRODUCT_BODY, "price": price})
                    ).status_code == 201
        body = {"type": "warehouse", "name": "DC1", "address": "Unit 1", "lat": 51.45, "lon": -0.3}
        assert (await running.client.put("/v1/nodes/DC1", json=body)).status_code == 201
        feed = {"as_of": to_text(datetime.now(timezone.utc) - timedelta(seconds=1)),
                "items": [{"sku": "TEE", "available": 10}, {"sku": "MUG", "available": 10}]}
        assert (await running.client.put("/v1/nodes/DC1/stock", json=feed)).status_code == 200
        for store_id in ("S001", "S002"):
            assert (await running.client.put(f"/v1/stores/{store_id}", json=STORE_BODY)).status_code == 201
        yield running


async def place(central, lines: dict[str, int], delivery: dict = LONDON) -> dict:
    answer = await central.client.post("/v1/orders", json={
        "channel": "web", "customer": {"name": "Ada"}, "lines": [{"sku": s, "qty": q} for s, q in lines.items()],
        "delivery": delivery})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def dc_atp(central, sku: str) -> int:
    nodes = (await central.client.get(f"/v1/atp/{sku}")).json()["nodes"]
    return next(n["atp"] for n in nodes if n["node_id"] == "DC1")


class TestCancellingALine:
    async def test_reducing_a_line_refunds_its_units_releases_atp_and_keeps_the_rest_allocated(self, central):
        hook = (await central.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/a"})).json()
        order = await place(central, {"TEE": 3, "MUG": 1})
        assert await dc_atp(central, "TEE") == 7
        answer = await central.client.post(f"/v1/orders/{order['id']}/lines/TEE/cancel",
                                           json={"qty": 2, "reason": "customer asked"})
        assert answer.status_code == 200, answer.text
        view = answer.json()
        tee = next(line for line in view["lines"] if line["sku"] == "TEE")
        assert (tee["qty"], tee["allocated"], tee["cancelled"], tee["unfilled"]) == (3, 1, 2, 0)
        assert (view["total"], view["refund_due"], view["net_charge"]) == (3 * 1999 + 800, 2 * 1999, 1999 + 800)
        assert view["refunds_due"][0] | {"at": None} == {"sku": "TEE", "qty": 2, "amount": 3998, "source": "api",
                                                         "reason": "line cancelled: customer asked", "at": None}
        live = [a for a in view["allocations"] if a["status"] != "cancelled"]
        assert [sorted((ln["sku"], ln["qty"]) for ln in a["lines"]) for a in live] == [[("MUG", 1), ("TEE", 1)]]
        assert await dc_atp(central, "TEE") == 9
        bodies = [json.loads(r[0]) for r in central.query("SELECT body FROM webhook_deliveries WHERE webhook_id=? "
                                                          "ORDER BY n", hook["id"])]
        refund = next(b for b in bodies if b["type"] == "order.refund_due")
        assert (refund["amount"], refund["refund_due_total"], refund["lines"]) == (3998, 3998,
                                                                                   [{"sku": "TEE", "qty": 2}])

    async def test_cancelling_every_line_cancels_the_order_with_its_whole_total_due(self, central):
        order = await place(central, {"TEE": 1, "MUG": 2})
        await central.client.post(f"/v1/orders/{order['id']}/lines/TEE/cancel")
        view = (await central.client.post(f"/v1/orders/{order['id']}/lines/MUG/cancel", json={})).json()
        assert (view["status"], view["refund_due"], view["net_charge"]) == ("cancelled", view["total"], 0)
        again = await central.client.post(f"/v1/orders/{order['id']}/lines/MUG/cancel", json={})
        assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    @pytest.mark.parametrize("body, status, code", [
        ({"qty": 0}, 422, "validation_error"), ({"qty": 5}, 409, "invalid_transition"),
        ({"reason": "bad\x07"}, 422, "validation_error"), ({"qty": "2"}, 422, "validation_error")])
    async def test_a_bad_request_changes_nothing(self, central, body, status, code):
        order = await place(central, {"TEE": 2})
        answer = await central.client.post(f"/v1/orders/{order['id']}/lines/TEE/cancel", json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        view = (await central.client.get(f"/v1/orders/{order['id']}")).json()
        assert view["refund_due"] == 0 and view["lines"][0]["cancelled"] == 0

    async def test_an_unknown_order_or_line_is_404(self, central):
        order = await place(central, {"TEE": 1})
        assert (await central.client.post("/v1/orders/ORD-NOPE/lines/TEE/cancel")).status_code == 404
        assert (await central.client.post(f"/v1/orders/{order['id']}/lines/MUG/cancel")).status_code == 404


class TestMovingAPickup:
    async def test_a_held_pickup_moves_with_a_new_code_shown_once(self, central):
        order = await place(central, {"TEE": 1}, {"type": "pickup", "store_id": "S001"})
        assert order["status"] in ("held", "backordered")  # S001 never reported stock
        key = {"Idempotency-Key": "move-1"}
        moved = await central.client.post(f"/v1/orders/{order['id']}/move", headers=key,
                                          json={"store_id": "S002", "customer_agreement": AGREED})
        assert moved.status_code == 200, moved.text
        code = moved.json()["pickup_code"]
        assert code and code != order["pickup_code"] and moved.json()["delivery"]["store_id"] == "S002"
        replay = await central.client.post(f"/v1/orders/{order['id']}/move", headers=key,
                                           json={"store_id": "S002", "customer_agreement": AGREED})
        assert replay.json()["pickup_code"] == code  # a retry of the same request is the same answer
        view = (await central.client.get(f"/v1/orders/{order['id']}")).json()
        assert "pickup_code" not in view
        moved_entry = next(h for h in view["history"] if h["kind"] == "moved")
        assert (moved_entry["from_store"], moved_entry["to_store"]) == ("S001", "S002")
        assert moved_entry["customer_agreement"] == {**AGREED, "note": None}

    @pytest.mark.parametrize("body, status, code", [
        ({"store_id": "S002"}, 422, "validation_error"),
        ({"store_id": "S777", "customer_agreement": AGREED}, 422, "unknown_store"),
        ({"store_id": "S002", "customer_agreement": {**AGREED, "channel": "pigeon"}}, 422, "validation_error")])
    async def test_a_bad_move_changes_nothing(self, central, body, status, code):
        order = await place(central, {"TEE": 1}, {"type": "pickup", "store_id": "S001"})
        answer = await central.client.post(f"/v1/orders/{order['id']}/move", json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
        view = (await central.client.get(f"/v1/orders/{order['id']}")).json()
        assert view["delivery"]["store_id"] == "S001"

    async def test_a_ship_order_does_not_move(self, central):
        order = await place(central, {"TEE": 1})
        answer = await central.client.post(f"/v1/orders/{order['id']}/move",
                                           json={"store_id": "S002", "customer_agreement": AGREED})
        assert answer.status_code == 409 and "only a pickup order" in answer.json()["detail"]


async def test_a_line_a_warehouse_already_shipped_part_of_is_not_taken_back(central):
    order = await place(central, {"TEE": 3})
    [allocation] = order["allocations"]
    shipped = await central.client.post("/v1/nodes/DC1/shipments", json={
        "allocation_id": allocation["id"], "lines": [{"sku": "TEE", "qty": 1}], "carrier": "DHL",
        "tracking_number": "JD0001", "shipped_at": to_text(datetime.now(timezone.utc) - timedelta(seconds=5))})
    assert shipped.status_code in (200, 201), shipped.text
    answer = await central.client.post(f"/v1/orders/{order['id']}/lines/TEE/cancel", json={"qty": 1})
    assert answer.status_code == 409 and "already shipped" in answer.json()["detail"]
    assert (await central.client.get(f"/v1/orders/{order['id']}")).json()["refund_due"] == 0
