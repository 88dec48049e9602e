"""Kill the parts mid-work (SIGKILL: no goodbye) and check that nothing committed is lost or applied twice."""

import asyncio
import uuid

import httpx
import pytest
from nats.errors import TimeoutError as NatsTimeout

from shared.contract import subjects
from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll

STORE = "S009"
SKU = f"FAULT-{uuid.uuid4().hex[:8].upper()}"


class Network:
    def __init__(self, root, nats):
        self.central = CentralProcess(root, nats).start()
        self.head_office = httpx.Client(base_url=self.central.url, timeout=10,
                                        headers={"Authorization": f"Bearer {self.central.token}"})
        self.head_office.put(f"/v1/stores/{STORE}", json={"name": "Bergedorf", "address": "Sachsentor 1, Hamburg",
                                                         "lat": 53.4885, "lon": 10.2139}).raise_for_status()
        self.head_office.put(f"/v1/products/{SKU}", json={"name": "Fault test product", "price": 500,
                                                         "currency": "EUR"}).raise_for_status()
        self.edge = EdgeProcess(root, STORE, nats, name="Bergedorf").start()
        self.store = httpx.Client(base_url=self.edge.url, timeout=10)
        self.sign_in()
        poll(lambda: self.store.get(f"/v1/stock/{SKU}").status_code == 200, what="the product reaches the store")

    def sign_in(self) -> None:
        self.store.headers.pop("Authorization", None)
        token = self.store.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()
        self.store.headers["Authorization"] = f"Bearer {token['token']}"

    def receive(self, n: int, qty: int = 1) -> None:
        answer = self.store.post("/v1/stock/receive", json={"sku": SKU, "qty": qty, "reference": f"DEL-{n}"},
                                 headers={"Idempotency-Key": f"{SKU}-{n}"})
        assert answer.status_code in (200, 201), answer.text

    def restart_edge(self) -> None:
        self.edge.child.process.kill()
        self.edge.child.process.wait()
        self.edge.start()
        self.sign_in()

    def restart_central(self) -> None:
        self.central.child.process.kill()
        self.central.child.process.wait()
        self.central.start()

    def status(self) -> dict:
        return self.store.get("/v1/sync/status").json()

    def central_on_hand(self) -> int | None:
        answer = self.head_office.get(f"/v1/atp/{SKU}")
        node = next((n for n in answer.json().get("nodes", []) if n["node_id"] == STORE), None)
        return node["on_hand"] if node else None

    def converged(self) -> bool:
        status = self.status()
        edge_on_hand = self.store.get(f"/v1/stock/{SKU}").json()["on_hand"]
        return status["backlog"] == 0 and status["applied_seq"] == status["last_seq"] \
            and self.central_on_hand() == edge_on_hand

    def close(self) -> None:
        self.store.close()
        self.head_office.close()
        self.edge.stop()
        self.central.stop()


@pytest.fixture(scope="module")
def network(tmp_path_factory, nats_server):
    net = Network(tmp_path_factory.mktemp("faults"), nats_server)
    yield net
    net.close()


async def stored_events(central_nats) -> int:
    """How many events of the store the stream holds (the test's own link may still be reconnecting)."""
    for _ in range(20):
        try:
            info = await central_nats.js.stream_info(subjects.EVENTS_STREAM, subjects_filter=subjects.events(STORE))
        except (TimeoutError, NatsTimeout):
            await asyncio.sleep(0.5)
            continue
        return (info.state.subjects or {}).get(subjects.events(STORE), 0)
    raise AssertionError("the EVENTS stream did not answer")


async def test_an_edge_killed_while_draining_its_backlog_resumes_without_loss_or_repeats(network, nats_server,
                                                                                          central_nats):
    nats_server.stop()
    try:
        for n in range(300):
            network.receive(n)
    finally:
        nats_server.start()
    poll(lambda: network.status()["backlog"] < 300, what="the publisher starts draining")
    network.restart_edge()  # killed with part of the backlog still unsent
    poll(network.converged, 60, what="store and central agree after the edge restarts")
    assert network.central_on_hand() == 300
    assert await stored_events(central_nats) == network.status()["last_seq"]


async def test_central_killed_mid_ingest_applies_each_event_exactly_once(network, central_nats):
    before = network.central_on_hand()
    for n in range(300, 450):
        network.receive(n, qty=2)
        if n == 375:
            network.restart_central()
    poll(network.converged, 60, what="store and central agree after central restarts")
    assert network.central_on_hand() == before + 300
    assert await stored_events(central_nats) == network.status()["last_seq"]
