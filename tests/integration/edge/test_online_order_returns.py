"""Returns of online orders over a real nats-server: the order's lines come from central (played here by a
responder with central's NATS user on `omni.req.<store>.order`), and never more comes back than it sold; with
NATS down, from the order's receipt token, checked with the keys central published on `omni.catalog.keys`."""

import json
import uuid

from shared.contract import subjects
from shared.contract.events import CatalogKeys, OrderRequest
from shared.contract.receipt_tokens import new_keypair
from shared.runtime.receipt_tokens import sign
from tests.integration.edge.conftest import (
    add_products,
    create_store_consumers,
    running_edge,
    store_settings,
    stored_events,
)
from tests.waiting import eventually

STORE = "S004"


def order_view(order_id: str, sku: str) -> dict:
    """Central's order view (without history), as it answers `omni.req.<store>.order`."""
    return {"id": order_id, "channel": "web", "status": "completed", "customer": {"name": "Kim"},
            "currency": "EUR", "total": 240,
            "lines": [{"sku": sku, "qty": 3, "unit_price": 80, "allocated": 3, "unfilled": 0, "returned": 1}],
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
                assert first.json()["refunds"] == [{"tender": "online", "amount": 80}]  # the price paid, not 100
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

    async def test_offline_the_order_comes_from_its_token_checked_with_the_keys_central_published(
            self, tmp_path, nats_up, central_nats):
        await create_store_consumers(central_nats.js, STORE)
        settings = store_settings(tmp_path, nats_up, STORE, atp_timeout_s=1)
        sku, order_id, kid = f"RET-{uuid.uuid4().hex[:8]}", f"ORD-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex[:12]
        add_products(settings, sku)  # priced 100 in the catalog
        private, public = new_keypair()
        token = sign({"order_id": order_id, "currency": "EUR", "lines": [{"sku": sku, "qty": 2, "unit_price": 75}],
                      "total": 150, "paid": [{"tender": "online", "amount": 150}],
                      "issued_at": "2026-03-01T10:00:00Z"}, private, kid)
        line = {"sku": sku, "qty": 1, "reason": "too small", "disposition": "restock"}
        async with running_edge(settings) as (app, http):
            await central_nats.js.publish(subjects.CATALOG_KEYS,
                                          CatalogKeys(keys={kid: public}, current=kid).model_dump_json().encode(),
                                          stream=subjects.CATALOG_STREAM)
            await eventually(lambda: _stored_keys(app).get(kid) == public, what="keys reach the store")
            nats_up.stop()
            await eventually(lambda: not app.state.edge.online, what="store offline")
            returned = await http.post("/v1/returns", json={"order_id": order_id, "receipt_token": token,
                                                            "lines": [line]})
            assert returned.status_code == 201, returned.text
            assert returned.json()["refunds"] == [{"tender": "online", "amount": 75}]
            again = await http.post("/v1/returns", json={"order_id": order_id, "receipt_token": token,
                                                         "lines": [{**line, "qty": 2}]})
            assert again.status_code == 422 and again.json()["code"] == "return_exceeds_sold"
            no_token = await http.post("/v1/returns", json={"order_id": order_id, "lines": [line]})
            assert no_token.status_code == 503 and no_token.json()["code"] == "central_unreachable"
            nats_up.start()  # back online: the return's event reaches EVENTS like any other
            await eventually(lambda: (app.state.edge.online
                                      and _backlog(app) == 0), what="return published after reconnecting")
            events = await stored_events(central_nats.js, STORE, app.state.edge.epoch)
            assert [e.payload["original"] for e, _ in events if e.type == "return.recorded"] == [{"order_id": order_id}]


def _stored_keys(app) -> dict:
    with app.state.edge.db.read() as conn:
        row = conn.execute("SELECT value FROM catalog_settings WHERE key = 'keys'").fetchone()
    return json.loads(row["value"])["keys"] if row else {}


def _backlog(app) -> int:
    with app.state.edge.db.read() as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
