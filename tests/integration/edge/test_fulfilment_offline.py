"""BOPIS over a real nats-server: central's commands arrive on the store's durable consumer, the
associate's steps go on while NATS is down, and what reaches EVENTS ends at the store's own levels."""

import hashlib
import uuid
from datetime import datetime, timedelta, timezone

from shared.contract import subjects
from shared.contract.events import CommandEnvelope
from shared.runtime.ids import uuid7
from tests.integration.edge.conftest import (
    add_products,
    create_store_consumers,
    running_edge,
    store_settings,
    stored_events,
)
from tests.waiting import eventually

STORE = "S003"
CODE = "Q4ZP7M"


def assign(allocation_id: str, sku: str, qty: int, accept_by: datetime) -> dict:
    return {"allocation_id": allocation_id, "order_id": f"O-{allocation_id}", "type": "pickup",
            "lines": [{"sku": sku, "qty": qty}], "customer": {"name": "Kim"},
            "pickup_code_hash": hashlib.sha256(CODE.encode()).hexdigest(), "accept_by": accept_by.isoformat()}


class CentralSide:
    """Central's half for these tests: numbered commands onto the store's subject."""

    def __init__(self, js):
        self.js, self.cmd_seq = js, 0

    async def send(self, type_: str, payload: dict) -> None:
        self.cmd_seq += 1
        envelope = CommandEnvelope(id=uuid7(), type=type_, store_id=STORE, cmd_seq=self.cmd_seq,
                                   issued_at=datetime.now(timezone.utc), payload=payload)
        await self.js.publish(subjects.commands(STORE), envelope.to_bytes(), stream=subjects.COMMANDS_STREAM)


async def fulfilment(http, aid: str) -> dict:
    response = await http.get(f"/v1/fulfilments/{aid}")
    return response.json() if response.status_code == 200 else {}


async def status(http) -> dict:
    return (await http.get("/v1/sync/status")).json()


async def all_sent(http) -> dict | None:
    current = await status(http)
    return current if current["online"] and current["backlog"] == 0 else None


async def offline(http) -> bool:
    return not (await status(http))["online"]


def last_levels(events, sku: str) -> dict:
    levels = [s for e, _ in events for s in e.payload.get("stock", []) if s["sku"] == sku]
    return levels[-1]


class TestPickupWhileOffline:
    async def test_accept_pick_ready_collect_with_nats_down_between_steps_converges(self, tmp_path, nats_up,
                                                                                     central_nats):
        await create_store_consumers(central_nats.js, STORE)
        central = CentralSide(central_nats.js)
        settings = store_settings(tmp_path, nats_up, STORE, timer_interval_s=0.2)
        sku, aid = f"BOPIS-{uuid.uuid4().hex[:8]}", uuid7()
        add_products(settings, sku)
        async with running_edge(settings) as (app, http):
            await http.post("/v1/stock/receive", json={"sku": sku, "qty": 4, "reference": "DN-1"})
            await central.send("fulfilment.assign", assign(aid, sku, 3, datetime.now(timezone.utc) + timedelta(hours=1)))
            await eventually(lambda: _status_is(http, aid, "accepted"), what="auto-accepted from the command")
            for action, body in (("pick", None), ("ready", None), ("collect", {"pickup_code": CODE})):
                nats_up.stop()
                try:
                    await eventually(lambda: offline(http), what="edge notices the outage")
                    answer = await http.post(f"/v1/fulfilments/{aid}/{action}", json=body)
                    assert answer.status_code == 200, answer.text
                finally:
                    nats_up.start()
            assert (await fulfilment(http, aid))["status"] == "collected"
            done = await eventually(lambda: all_sent(http), timeout=60, what="backlog drained")
            edge_levels = (await http.get(f"/v1/stock/{sku}")).json()
        events = await stored_events(central_nats.js, STORE, done["epoch"])
        assert sorted(e.seq for e, _ in events) == list(range(1, done["last_seq"] + 1))
        assert [e.type for e, _ in events if e.type.startswith(("fulfilment", "pickup"))] == [
            "fulfilment.accepted", "fulfilment.picked", "pickup.ready", "pickup.collected"]
        assert last_levels(events, sku) == {"sku": sku, "on_hand": edge_levels["on_hand"],
                                            "reserved": edge_levels["reserved"], "damaged": 0}
        assert (edge_levels["on_hand"], edge_levels["reserved"]) == (1, 0)

    async def test_an_accept_by_that_passes_offline_rejects_and_tells_central_later(self, tmp_path, nats_up,
                                                                                   central_nats):
        await create_store_consumers(central_nats.js, STORE)
        central = CentralSide(central_nats.js)
        settings = store_settings(tmp_path, nats_up, STORE, timer_interval_s=0.2)
        sku, aid = f"LATE-{uuid.uuid4().hex[:8]}", uuid7()
        add_products(settings, sku)  # no stock: the assign waits for an associate
        async with running_edge(settings) as (app, http):
            await central.send("fulfilment.assign", assign(aid, sku, 1, datetime.now(timezone.utc) + timedelta(seconds=3)))
            await eventually(lambda: _status_is(http, aid, "assigned"), what="assign recorded")
            nats_up.stop()
            try:
                await eventually(lambda: _status_is(http, aid, "rejected"), what="rejected once accept_by passed")
                assert (await fulfilment(http, aid))["reason"] == "accept_expired"
            finally:
                nats_up.start()
            done = await eventually(lambda: all_sent(http), timeout=60, what="backlog drained")
        events = await stored_events(central_nats.js, STORE, done["epoch"])
        rejected = [e for e, _ in events if e.type == "fulfilment.rejected"]
        assert len(rejected) == 1 and rejected[0].payload["reason"] == "accept_expired"
        assert rejected[0].actor == "system"


async def _status_is(http, aid: str, wanted: str) -> bool:
    return (await fulfilment(http, aid)).get("status") == wanted
