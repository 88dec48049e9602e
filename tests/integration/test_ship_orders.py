"""Ship orders end to end, with central and a store as real processes over a real nats-server: the label and the
packing slip print the address central really sent, and a warehouse's shipments and rejection finish an order
exactly as a store's do — with NATS stopped between the steps."""

import json
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from shared.runtime.clock import to_text
from tests.conftest import free_port
from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll

STORE = "S006"
RUN = uuid.uuid4().hex[:6].upper()
SKU = f"SHIP-{RUN}"
ADDRESS = {"name": "Jan Meier", "line1": "Lange Reihe 50", "line2": "3. OG links", "city": "Hamburg",
           "region": "HH", "postal_code": "20099", "country": "DE", "phone": "+49 40 1234567"}


@pytest.fixture(scope="module")
def network(tmp_path_factory, nats_server):
    root = tmp_path_factory.mktemp("ship-orders")
    # The webhook receiver runs on loopback: the setting that lets deliveries go there.
    central = CentralProcess(root, nats_server, env={"OMNISTORE_CENTRAL_WEBHOOK_ALLOW_PRIVATE_URLS": "true"}).start()
    head_office = httpx.Client(base_url=central.url, headers={"Authorization": f"Bearer {central.token}"}, timeout=10)
    head_office.put(f"/v1/stores/{STORE}", json={"name": "Altona", "address": "Ottenser Hauptstraße 10, Hamburg",
                                                 "lat": 53.55, "lon": 9.93}).raise_for_status()
    head_office.put(f"/v1/products/{SKU}", json={"sku": SKU, "name": "Rain jacket", "price": 8990, "currency": "EUR",
                                                 "tax_rate_bp": 1900}).raise_for_status()
    prints = root / "prints"
    edge = EdgeProcess(root, STORE, nats_server, name="Altona",
                       env={"OMNISTORE_EDGE_PRINT_DIR": str(prints)}).start()
    store = httpx.Client(base_url=edge.url, timeout=10)
    token = store.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()["token"]
    store.headers["Authorization"] = f"Bearer {token}"
    poll(lambda: store.get(f"/v1/stock/{SKU}").status_code == 200, what="the catalog at the store")
    store.post("/v1/stock/receive", json={"sku": SKU, "qty": 10, "reference": "DN-1"}).raise_for_status()
    poll(lambda: _atp(head_office, STORE) == 10, what="central counting the store's stock")
    yield head_office, store, prints
    store.close()
    head_office.close()
    edge.stop()
    central.stop()


def _atp(head_office: httpx.Client, node_id: str) -> int:
    nodes = head_office.get(f"/v1/atp/{SKU}").json()["nodes"]
    return next((n["atp"] for n in nodes if n["node_id"] == node_id), 0)


@contextmanager
def nats_stopped(nats_server, store: httpx.Client):
    """NATS down, and the store knowing it, for the length of the block."""
    nats_server.stop()
    try:
        poll(lambda: not store.get("/v1/sync/status").json()["online"], what="the store noticing the outage")
        yield
    finally:
        nats_server.start()


def fulfilment_of(store: httpx.Client, order_id: str) -> dict | None:
    items = store.get("/v1/fulfilments", params={"type": "ship"}).json()["items"]
    return next((f for f in items if f["order_id"] == order_id), None)


def ship_at_the_store(store: httpx.Client, nats_server, order_id: str, tracking: str) -> dict:
    """Every step the store still needs, each with NATS stopped; the shipped fulfilment."""
    fulfilment = poll(lambda: fulfilment_of(store, order_id), what="the assign reaching the store")
    steps = [("accept", None), ("pick", None), ("pack", {"parcels": [{"weight_g": 900}]}),
             ("ship", {"carrier": "DHL", "tracking_number": tracking})]
    done = {"assigned": 0, "accepted": 1, "picked": 2, "packed": 3}[fulfilment["status"]]
    for action, body in steps[done:]:
        with nats_stopped(nats_server, store):
            answer = store.post(f"/v1/fulfilments/{fulfilment['allocation_id']}/{action}", json=body)
            assert answer.status_code == 200, answer.text
    return answer.json()


def printed(prints: Path, kind: str, order_id: str) -> tuple[bytes, str]:
    """The raw bytes and readable text of the job of `kind` printed for an order."""
    def find():
        for text in sorted(prints.glob(f"*-{kind}.txt")):
            if order_id in text.read_text(encoding="utf-8"):
                return text.with_suffix(".bin").read_bytes(), text.read_text(encoding="utf-8")
        return None
    return poll(find, what=f"the {kind} of {order_id} printed")


def test_the_label_and_packing_slip_print_the_address_central_sent(network, nats_server):
    head_office, store, prints = network
    placed = head_office.post("/v1/orders", headers={"Idempotency-Key": f"ship-{RUN}"}, json={
        "channel": "web", "customer": {"name": "Jan Meier", "email": "jan@example.com"},
        "lines": [{"sku": SKU, "qty": 1}], "delivery": {"type": "ship", "address": ADDRESS}})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["delivery"]["located_by"] == "country_centroid"  # no coordinates given
    assert [a["node_id"] for a in order["allocations"]] == [STORE]

    fulfilment = poll(lambda: fulfilment_of(store, order["id"]), what="the assign reaching the store")
    assert fulfilment["ship_to"] == ADDRESS  # exactly what central took, over NATS
    shipped = ship_at_the_store(store, nats_server, order["id"], f"JD{RUN}")
    assert shipped["status"] == "shipped"

    zpl, label = printed(prints, "label", order["id"])
    for line in ("Jan Meier", "Lange Reihe 50", "3. OG links", "20099 Hamburg", "HH", "DE", "Tel +49 40 1234567"):
        assert f"^FD{line}^FS".encode() in zpl, line
    ship_to = label.split("SHIP TO\n", 1)[1]
    assert ship_to.startswith("  Jan Meier\n  Lange Reihe 50\n  3. OG links\n  20099 Hamburg\n  HH\n  DE\n")
    _, slip = printed(prints, "packing-slip", order["id"])
    assert "Jan Meier" in slip and "20099 Hamburg" in slip and "Rain jacket" in slip

    view = poll(lambda: (v := head_office.get(f"/v1/orders/{order['id']}").json())["status"] == "completed" and v,
                timeout=60, what="head office seeing the order shipped")
    [allocation] = view["allocations"]
    assert (allocation["carrier"], allocation["tracking_number"]) == ("DHL", f"JD{RUN}")
    assert allocation["tracking_url"].endswith(f"tracking-id=JD{RUN}")


class Hooks(BaseHTTPRequestHandler):
    got: list[dict] = []

    def do_POST(self):  # noqa: N802 — the http.server name
        Hooks.got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_warehouse_ships_part_rejects_the_rest_and_a_store_finishes_the_order(network, nats_server):
    head_office, store, _ = network
    hooks = HTTPServer(("127.0.0.1", free_port()), Hooks)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    try:
        head_office.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{hooks.server_port}/hook",
                                               "events": ["partially_shipped", "completed"]}).raise_for_status()
        head_office.put("/v1/nodes/DC9", json={"type": "warehouse", "name": "DC9", "address": "Halskestraße 20",
                                               "lat": 53.5352, "lon": 10.0857}).raise_for_status()
        head_office.put("/v1/nodes/DC9/stock", json={"as_of": to_text(datetime.now(timezone.utc)),
                                                     "items": [{"sku": SKU, "available": 50}]}).raise_for_status()
        # Billstedt: the warehouse is nearer than the store.
        order = head_office.post("/v1/orders", json={
            "channel": "web", "customer": {"name": "Eva Stern"}, "lines": [{"sku": SKU, "qty": 3}],
            "delivery": {"type": "ship", "address": {**ADDRESS, "name": "Eva Stern", "lat": 53.54, "lon": 10.1}}}).json()
        [dc] = order["allocations"]
        assert (dc["node_id"], dc["status"]) == ("DC9", "accepted")

        with nats_stopped(nats_server, store):  # the warehouse's feed needs no NATS
            shipment = head_office.post("/v1/nodes/DC9/shipments", headers={"Idempotency-Key": f"wms-{RUN}"}, json={
                "allocation_id": dc["id"], "lines": [{"sku": SKU, "qty": 1}], "carrier": "DPD",
                "tracking_number": f"DPD{RUN}", "shipped_at": to_text(datetime.now(timezone.utc))})
            assert shipment.status_code == 201, shipment.text
            assert shipment.json()["order_status"] == "partially_shipped"
            rejected = head_office.post(f"/v1/nodes/DC9/allocations/{dc['id']}/reject", json={"reason": "not_found"})
            assert rejected.status_code == 200, rejected.text
            assert sorted((a["node_id"], a["status"]) for a in rejected.json()["allocations"]) == [
                ("DC9", "rejected"), ("DC9", "shipped"), (STORE, "pending")]

        ship_at_the_store(store, nats_server, order["id"], f"ST{RUN}")
        view = poll(lambda: (v := head_office.get(f"/v1/orders/{order['id']}").json())["status"] == "completed"
                    and v, timeout=60, what="head office seeing the order completed")
        tracking = {a["node_id"]: a["tracking_number"] for a in view["allocations"] if a["status"] == "shipped"}
        assert tracking == {"DC9": f"DPD{RUN}", STORE: f"ST{RUN}"}
        poll(lambda: any(h["order_id"] == order["id"] and h["status"] == "completed" for h in Hooks.got),
             what="the completed order's webhook")
    finally:
        hooks.shutdown()
    mine = [h for h in Hooks.got if h["order_id"] == order["id"]]
    assert [h["status"] for h in mine] == ["partially_shipped", "completed"]
    allocations = {a["node_id"] + ":" + a["status"]: a for a in mine[-1]["order"]["allocations"]}
    assert allocations["DC9:shipped"]["tracking_url"] == f"https://tracking.dpd.de/status/en_US/parcel/DPD{RUN}"
    assert allocations[f"{STORE}:shipped"]["carrier"] == "DHL"
