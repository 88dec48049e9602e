"""Network ATP at the counter over a real nats-server: central (played here by a responder with central's NATS
user on `omni.req.<store>.atp`) answers; when it cannot be asked, the store answers the last figures it heard."""

import json
import uuid

from shared.contract import subjects
from shared.contract.events import AtpRequest
from tests.integration.edge.conftest import (
    add_products,
    running_edge,
    store_settings,
)
from tests.waiting import eventually

STORE = "S004"


def central_answer(sku: str) -> dict:
    """What central's `GET /v1/atp/{sku}` answers."""
    return {"sku": sku, "network": {"atp": 7, "on_hand": 12, "reserved": 3},
            "nodes": [{"node_id": "S001", "type": "store", "on_hand": 5, "reserved": 1, "pending": 0,
                       "safety_stock": 1, "atp": 3, "fresh": True, "as_of": "2026-03-02T09:00:00.000Z"},
                      {"node_id": "DC1", "type": "warehouse", "on_hand": 7, "reserved": 2, "pending": 0,
                       "safety_stock": 1, "atp": 4, "fresh": True, "as_of": "2026-03-02T08:00:00.000Z"}]}


class TestNetworkAtp:
    async def test_central_answers_and_offline_the_last_known_figures_are_given_with_their_age(
            self, tmp_path, nats_up, central_nats):
        settings = store_settings(tmp_path, nats_up, STORE, atp_timeout_s=5)
        sku, never_asked = f"ATP-{uuid.uuid4().hex[:8]}", f"ATP-{uuid.uuid4().hex[:8]}"
        add_products(settings, sku, never_asked)
        asked: list[str] = []

        async def central(msg):
            request = AtpRequest.model_validate_json(msg.data)
            asked.append(request.sku)
            if request.sku.startswith("GONE-"):
                body = {"status": 404, "code": "unknown_sku", "detail": f"No product {request.sku}."}
            else:
                body = central_answer(request.sku)
            await msg.respond(json.dumps(body).encode())

        responder = await central_nats.nc.subscribe(subjects.atp_request(STORE), queue="central", cb=central)
        try:
            async with running_edge(settings) as (app, http):
                await eventually(lambda: app.state.edge.online, what="store online")
                live = (await http.get(f"/v1/network/atp/{sku}")).json()
                assert (live["sku"], live["source"], live["network"]) == (
                    sku, "central", {"atp": 7, "on_hand": 12, "reserved": 3})
                assert [n["node_id"] for n in live["nodes"]] == ["S001", "DC1"] and live["as_of"]
                gone = await http.get("/v1/network/atp/GONE-1")
                assert gone.status_code == 404 and gone.json()["code"] == "unknown_sku"
                await responder.unsubscribe()  # central is gone: nobody answers the store any more
                responder = None
                remembered = (await http.get(f"/v1/network/atp/{sku}")).json()
                assert (remembered["source"], remembered["as_of"], remembered["network"]) == (
                    "last_known", live["as_of"], live["network"])
                unknown = await http.get(f"/v1/network/atp/{never_asked}")
                assert unknown.status_code == 503 and unknown.json()["code"] == "central_unreachable"
            async with running_edge(settings, with_nats=False) as (app, http):  # and after a restart, offline
                assert (await http.get(f"/v1/network/atp/{sku}")).json()["source"] == "last_known"
        finally:
            if responder is not None:
                await responder.unsubscribe()
        assert asked == [sku, "GONE-1"]
