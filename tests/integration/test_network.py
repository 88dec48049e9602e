"""Central and a store as real processes over a real nats-server: catalog, stock and outages end to end."""

import json
import uuid

import httpx
import pytest

from shared.contract import subjects
from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll

STORE = "S008"
RUN = uuid.uuid4().hex[:6].upper()
SKUS = [f"NET-{RUN}-{n}" for n in range(3)]


@pytest.fixture(scope="module")
def network(tmp_path_factory, nats_server):
    root = tmp_path_factory.mktemp("network")
    central = CentralProcess(root, nats_server).start()
    head_office = httpx.Client(base_url=central.url, headers={"Authorization": f"Bearer {central.token}"}, timeout=10)
    registered = head_office.put(f"/v1/stores/{STORE}", json={
        "name": "Wandsbek", "address": "Wandsbeker Marktstraße 1, 22041 Hamburg", "lat": 53.5722, "lon": 10.0686})
    assert registered.status_code in (200, 201), registered.text
    for n, sku in enumerate(SKUS):
        published = head_office.put(f"/v1/products/{sku}", json={
            "sku": sku, "name": f"Test product {n}", "gtin": f"2{RUN.encode().hex()[:6]}{n:05d}"[:13].ljust(13, "0"),
            "price": 1000 + n, "currency": "EUR", "tax_rate_bp": 1900})
        assert published.status_code in (200, 201), published.text
    edge = EdgeProcess(root, STORE, nats_server, name="Wandsbek").start()
    store = httpx.Client(base_url=edge.url, timeout=10)
    token = store.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()["token"]
    store.headers["Authorization"] = f"Bearer {token}"
    yield head_office, store
    store.close()
    head_office.close()
    edge.stop()
    central.stop()


def node_levels(head_office: httpx.Client, sku: str) -> dict | None:
    answer = head_office.get(f"/v1/atp/{sku}")
    if answer.status_code != 200:
        return None
    return next((n for n in answer.json()["nodes"] if n["node_id"] == STORE), None)


def receive(store: httpx.Client, sku: str, qty: int, key: str) -> httpx.Response:
    return store.post("/v1/stock/receive", json={"sku": sku, "qty": qty, "reference": "DEL-1"},
                      headers={"Idempotency-Key": key})


def test_a_new_store_receives_the_whole_catalog(network):
    _, store = network

    def catalog():
        items = store.get("/v1/products", params={"q": f"NET-{RUN}"}).json()["items"]
        return {p["sku"] for p in items} == set(SKUS)
    poll(catalog, what="the catalog at the new store")


def test_a_receive_at_the_store_reaches_central_atp(network):
    head_office, store = network
    assert receive(store, SKUS[0], 5, f"{RUN}-r1").status_code in (200, 201)
    level = poll(lambda: (lv := node_levels(head_office, SKUS[0])) and lv["on_hand"] == 5 and lv["fresh"] and lv,
                 what="fresh levels at central")
    assert level["atp"] == 5


def test_the_store_keeps_serving_while_nats_is_down_and_its_backlog_drains_once(network, nats_server, central_nats):
    head_office, store = network
    nats_server.stop()
    try:
        poll(lambda: not store.get("/v1/sync/status").json()["online"], what="the store notices the outage")
        for n in range(6):
            # The client gives up after 10 s: a receive that waited on the network would fail here.
            answer = receive(store, SKUS[1], 2, f"{RUN}-outage-{n}")
            assert answer.status_code in (200, 201), answer.text
        # A retry after a timeout with the same key is the same receive, not a new one.
        assert receive(store, SKUS[1], 2, f"{RUN}-outage-5").status_code in (200, 201)
        status = store.get("/v1/sync/status").json()
        assert status["backlog"] >= 6 and status["oldest_unsent_at"]
    finally:
        nats_server.start()
    poll(lambda: store.get("/v1/sync/status").json()["backlog"] == 0, 60, what="the backlog drains")
    poll(lambda: (lv := node_levels(head_office, SKUS[1])) and lv["on_hand"] == 12, 60, what="central has every receive")
    status = store.get("/v1/sync/status").json()
    poll(lambda: store.get("/v1/sync/status").json()["applied_seq"] == status["last_seq"], 30,
         what="central's watermark reaches the store's last event")
    assert node_levels(head_office, SKUS[1])["on_hand"] == 12  # nothing applied twice


async def test_the_events_stream_holds_each_store_event_exactly_once(network, central_nats):
    _, store = network
    last_seq = store.get("/v1/sync/status").json()["last_seq"]
    info = await central_nats.js.stream_info(subjects.EVENTS_STREAM, subjects_filter=subjects.events(STORE))
    assert info.state.subjects[subjects.events(STORE)] == last_seq
    store_row = next(s for s in network[0].get("/v1/stores").json()["items"] if s["id"] == STORE)
    assert store_row["applied_seq"] == last_seq, json.dumps(store_row)
