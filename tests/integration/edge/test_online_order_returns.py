"""Returns of online orders over a real nats-server: the order's lines come from central (played here by a
responder with central's NATS user on `omni.req.<store>.order`), and never more comes back than it sold."""

import json
import uuid

from shared import subjects
from shared.events import OrderRequest
from tests.integration.edge.conftest import add_products, eventually, running_edge, store_settings

STORE = "S004"


def order_view(order_id: str, sku: str) -> dict:
    """Central's order view (without history), as it answers `omni.req.<store>.order`."""
    return {"id": order_id, "channel": "web", "status": "completed", "customer": {"name": "Kim"},
            "lines": [{"sku": sku, "qty": 3, "allocated": 3, "unfilled": 0, "returned": 1}],
            "allocations": [{"id": "AL-1", "node_id": "S001", "type": "pickup", "status": "collected"}],
            "return_flag": "partially_returned", "refund_conflict": False}


class TestReturnsOfOnlineOrders:
    async def test_the_order_comes_from_central_and_at_most_what_is_left_comes_back(self, tmp_path, nats_up,
                                                                                   central_nats):
        settings = store_settings(tmp_path, nats_up, STORE, atp_timeout_s=5)
        sku, order_id = f"RET-{uuid.uuid4().hex[:8]}", f"ORD-{uuid.uuid4().hex[:8]}"
        add_products(settings, sku)  # priced 100

        async def central(msg):
            asked = OrderRequest.model_validate_json(msg.data).order_id
            body = (order_view(order_id, sku) if asked == order_id else
                    {"status": 404, "code": "not_found", "detail": f"No order {asked}."})
            await msg.respond(json.dumps(body).encode())

        line = {"sku": sku, "qty": 1, "reason": "too small", "disposition": "restock"}
        responder = await central_nats.nc.subscribe(subjects.order_request(STORE), queue="central", cb=central)
        try:
            async with running_edge(settings) as (app, http):
                await eventually(lambda: app.state.edge.online, what="store online")
                first = await http.post("/v1/returns", json={"order_id": order_id, "lines": [line]},
                                        headers={"Idempotency-Key": "r1"})
                assert first.status_code == 201, first.text
                assert first.json()["original"] == {"order_id": order_id}
                assert first.json()["refunds"] == [{"tender": "online", "amount": 100}]
                # 3 sold, 1 returned before (central), 1 just now (not yet applied by central): 1 is left
                too_many = await http.post("/v1/returns", json={"order_id": order_id, "lines": [{**line, "qty": 2}]})
                assert too_many.status_code == 422 and too_many.json()["code"] == "return_exceeds_sold"
                unknown = await http.post("/v1/returns", json={"order_id": "ORD-NOPE", "lines": [line]})
                assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
                await responder.unsubscribe()
                responder = None
                retry = await http.post("/v1/returns", json={"order_id": order_id, "lines": [line]},
                                        headers={"Idempotency-Key": "r1"})
                assert retry.json() == first.json()  # answered from the record, central not needed
                away = await http.post("/v1/returns", json={"order_id": order_id, "lines": [line]})
                assert away.status_code == 503 and away.json()["code"] == "central_unreachable"
                stock = (await http.get(f"/v1/stock/{sku}")).json()
                assert stock["on_hand"] == 1
                with app.state.edge.db.read() as conn:
                    events = [json.loads(r["payload"]) for r in conn.execute(
                        "SELECT payload FROM outbox WHERE type = 'return.recorded'")]
                assert [(e["original"], e["lines"][0]["qty"]) for e in events] == [({"order_id": order_id}, 1)]
        finally:
            if responder is not None:
                await responder.unsubscribe()
