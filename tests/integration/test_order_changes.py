"""Orders that change on the way, with central and two stores as real processes over a real nats-server: short
picks, a damaged rejection, a line cancelled before picking, a held pickup moved to another store. Steps are taken
online and with NATS stopped between them; the order's lines, status, money and the network's stock end true."""

import uuid
from dataclasses import dataclass

import httpx
import pytest

from tests.processes import stores_with_central
from tests.waiting import poll

NEAR, FAR = "S008", "S009"
PLACES = {NEAR: (53.5511, 9.9937), FAR: (53.6304, 10.0845)}  # Hamburg centre, Hamburg north
RUN = uuid.uuid4().hex[:6].upper()
TEE, MUG = f"CHG-{RUN}-TEE", f"CHG-{RUN}-MUG"  # MUG is stocked at FAR only
PRICES = {TEE: 2500, MUG: 900}
AGREED = {"recorded_by": "Head office, Lena", "channel": "phone", "note": "customer prefers the other store"}


@dataclass
class Network:
    head_office: httpx.Client
    stores: dict[str, httpx.Client]
    nats: object


@pytest.fixture(scope="module")
def network(tmp_path_factory, nats_server):
    places = {store_id: (store_id, lat, lon) for store_id, (lat, lon) in PLACES.items()}
    with stores_with_central(tmp_path_factory.mktemp("order-changes"), nats_server, places,
                             {sku: (sku, price) for sku, price in PRICES.items()}) as (head_office, stores):
        for client in stores.values():
            client.post("/v1/stock/receive", json={"sku": TEE, "qty": 20, "reference": "DEL-1"}).raise_for_status()
        stores[FAR].post("/v1/stock/receive", json={"sku": MUG, "qty": 10, "reference": "DEL-1"}).raise_for_status()
        for store_id, client in stores.items():
            poll(lambda s=store_id, c=client: central_level(head_office, TEE, s) == level(c, TEE)[:2], 60,
                 what="central has the store's stock")
        yield Network(head_office, stores, nats_server)


def level(store: httpx.Client, sku: str) -> tuple[int, int, int]:
    body = store.get(f"/v1/stock/{sku}").json()
    return body["on_hand"], body["reserved"], body["damaged"]


def central_level(head_office: httpx.Client, sku: str, node: str) -> tuple[int, int] | None:
    """On-hand and reserved as central's ATP counts them for the node."""
    nodes = head_office.get(f"/v1/atp/{sku}").json().get("nodes", [])
    found = next((n for n in nodes if n["node_id"] == node), None)
    return (found["on_hand"], found["reserved"]) if found else None


def place(net: Network, lines: dict[str, int], delivery: dict) -> dict:
    answer = net.head_office.post("/v1/orders", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "channel": "web", "customer": {"name": "Mia Vogel"}, "lines": [{"sku": s, "qty": q} for s, q in lines.items()],
        "delivery": delivery})
    assert answer.status_code == 201, answer.text
    return answer.json()


def ship_to(store_id: str) -> dict:
    lat, lon = PLACES[store_id]
    return {"type": "ship", "address": {"name": "Mia Vogel", "line1": "Jungfernstieg 1", "city": "Hamburg",
                                        "postal_code": "20354", "country": "DE", "lat": lat, "lon": lon}}


def order(net: Network, order_id: str) -> dict:
    return net.head_office.get(f"/v1/orders/{order_id}").json()


def fulfilment(net: Network, store_id: str, order_id: str, status: str | None = None) -> dict | None:
    """The store's live fulfilment of the order (or the one in `status`)."""
    items = net.stores[store_id].get("/v1/fulfilments", params={"limit": 200}).json()["items"]
    mine = [f for f in items if f["order_id"] == order_id and (status is None or f["status"] == status)]
    live = [f for f in mine if status or f["status"] not in ("cancelled", "rejected")]
    return live[-1] if live else None


def step(net: Network, store_id: str, allocation_id: str, action: str, body: dict | None = None) -> dict:
    answer = net.stores[store_id].post(f"/v1/fulfilments/{allocation_id}/{action}", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def line(view: dict, sku: str) -> dict:
    return next(ln for ln in view["lines"] if ln["sku"] == sku)


class NatsStopped:
    """NATS stopped for a stretch: the stores keep working from SQLite, central from its API."""

    def __init__(self, net: Network):
        self.net = net

    def __enter__(self):
        self.net.nats.stop()
        for client in self.net.stores.values():
            poll(lambda c=client: not c.get("/v1/sync/status").json()["online"], what="the store notices")
        return self

    def __exit__(self, *_):
        self.net.nats.start()


def test_a_short_pickup_is_collected_as_picked_and_the_rest_refunded_with_nats_stopped(network):
    net = network
    before = level(net.stores[NEAR], TEE)
    placed = place(net, {TEE: 2}, {"type": "pickup", "store_id": NEAR})
    accepted = poll(lambda: fulfilment(net, NEAR, placed["id"], "accepted"), what="accepted at the store")
    with NatsStopped(net):
        picked = step(net, NEAR, accepted["allocation_id"], "pick", {"lines": [{"sku": TEE, "qty": 1}]})
        assert picked["shortages"] == {TEE: 1}
        step(net, NEAR, accepted["allocation_id"], "ready")
        step(net, NEAR, accepted["allocation_id"], "collect", {"pickup_code": placed["pickup_code"]})
        # one unit handed over, the missing one no longer sellable here, and someone counts the shelf
        assert level(net.stores[NEAR], TEE) == (before[0] - 2, before[1], before[2])
        tasks = net.stores[NEAR].get("/v1/tasks", params={"kind": "count"}).json()["items"]
        assert any(t["sku"] == TEE for t in tasks)
    view = poll(lambda: (v := order(net, placed["id"]))["status"] == "completed" and v, 60, what="order completed")
    assert line(view, TEE) | {"unit_price": None} == {"sku": TEE, "qty": 2, "unit_price": None, "allocated": 1,
                                                       "cancelled": 1, "unfilled": 0, "returned": 0}
    assert (view["total"], view["refund_due"], view["net_charge"]) == (5000, 2500, 2500)
    assert "not found at S008" in view["refunds_due"][0]["reason"]
    assert any(h["kind"] == "short_picked" for h in view["history"])
    poll(lambda: central_level(net.head_office, TEE, NEAR) == level(net.stores[NEAR], TEE)[:2], 30,
         what="central's levels match the store's")


def test_a_short_shipment_sends_the_missing_unit_to_the_other_store(network):
    net = network
    placed = place(net, {TEE: 2}, ship_to(NEAR))
    accepted = poll(lambda: fulfilment(net, NEAR, placed["id"], "accepted"), what="accepted at the near store")
    step(net, NEAR, accepted["allocation_id"], "pick", {"lines": [{"sku": TEE, "qty": 1}]})
    other = poll(lambda: fulfilment(net, FAR, placed["id"], "accepted"), 60, what="the missing unit at the far store")
    assert other["lines"] == [{"sku": TEE, "qty": 1}]
    for store_id, allocation_id in ((NEAR, accepted["allocation_id"]), (FAR, other["allocation_id"])):
        if store_id == FAR:
            step(net, store_id, allocation_id, "pick")
        step(net, store_id, allocation_id, "pack", {"parcels": [{"weight_g": 400}]})
        step(net, store_id, allocation_id, "ship", {"carrier": "DHL", "tracking_number": f"T-{store_id}"})
    view = poll(lambda: (v := order(net, placed["id"]))["status"] == "completed" and v, 60, what="order completed")
    assert (line(view, TEE)["allocated"], view["refund_due"], view["net_charge"]) == (2, 0, 5000)


def test_a_damaged_rejection_moves_the_units_to_damaged_and_the_order_goes_elsewhere(network):
    net = network
    placed = place(net, {TEE: 1}, ship_to(NEAR))
    accepted = poll(lambda: fulfilment(net, NEAR, placed["id"], "accepted"), what="accepted at the near store")
    before = level(net.stores[NEAR], TEE)
    with NatsStopped(net):
        step(net, NEAR, accepted["allocation_id"], "reject", {"reason": "damaged"})
        assert level(net.stores[NEAR], TEE) == (before[0] - 1, before[1] - 1, before[2] + 1)
    poll(lambda: fulfilment(net, FAR, placed["id"]), 60, what="the order re-routed to the far store")
    poll(lambda: central_level(net.head_office, TEE, NEAR) == level(net.stores[NEAR], TEE)[:2], 30,
         what="central counts the damaged unit as not sellable")
    assert order(net, placed["id"])["refund_due"] == 0


def test_a_line_cancelled_before_picking_releases_its_stock_and_records_the_refund(network):
    net = network
    placed = place(net, {TEE: 2, MUG: 1}, {"type": "pickup", "store_id": FAR})
    accepted = poll(lambda: fulfilment(net, FAR, placed["id"], "accepted"), what="accepted at the store")
    mugs = level(net.stores[FAR], MUG)
    with NatsStopped(net):
        cancelled = net.head_office.post(f"/v1/orders/{placed['id']}/lines/{MUG}/cancel", json={"reason": "out of "
                                                                                                 "stock online"})
        assert cancelled.status_code == 200, cancelled.text
        view = cancelled.json()
        assert (line(view, MUG)["cancelled"], view["refund_due"], view["net_charge"]) == (1, 900, 5000)
        assert level(net.stores[FAR], MUG) == mugs  # the store learns it once NATS is back
    fresh = poll(lambda: (f := fulfilment(net, FAR, placed["id"], "accepted")) and f["allocation_id"] !=
                 accepted["allocation_id"] and f, 60, what="the store holds only what stays on the order")
    assert fresh["lines"] == [{"sku": TEE, "qty": 2}]
    assert fulfilment(net, FAR, placed["id"], "cancelled")["allocation_id"] == accepted["allocation_id"]
    assert level(net.stores[FAR], MUG)[1] == mugs[1] - 1  # its reservation is released
    poll(lambda: central_level(net.head_office, MUG, FAR) == level(net.stores[FAR], MUG)[:2], 30, what="ATP released")
    step(net, FAR, fresh["allocation_id"], "pick")
    poll(lambda: any(a["status"] == "picked" for a in order(net, placed["id"])["allocations"]), 30,
         what="central sees the pick")
    refused = net.head_office.post(f"/v1/orders/{placed['id']}/lines/{TEE}/cancel", json={})
    assert refused.status_code == 409 and "already picked" in refused.json()["detail"]


def test_a_held_pickup_moves_to_a_store_with_stock_and_gets_a_new_code(network):
    net = network
    placed = place(net, {MUG: 1}, {"type": "pickup", "store_id": NEAR})  # NEAR has no mugs
    assert placed["status"] in ("held", "backordered")
    moved = net.head_office.post(f"/v1/orders/{placed['id']}/move",
                                 json={"store_id": FAR, "customer_agreement": AGREED})
    assert moved.status_code == 200, moved.text
    view = moved.json()
    code = view["pickup_code"]
    assert code and code != placed["pickup_code"] and view["delivery"]["store_id"] == FAR
    assert next(h for h in order(net, placed["id"])["history"] if h["kind"] == "moved")["customer_agreement"] \
        == AGREED
    again = net.head_office.post(f"/v1/orders/{placed['id']}/move", json={"store_id": FAR, "customer_agreement": AGREED})
    assert again.status_code == 200 and again.json()["pickup_code"] is None  # already there: the code stays secret
    accepted = poll(lambda: fulfilment(net, FAR, placed["id"], "accepted"), 60, what="the new store accepts")
    step(net, FAR, accepted["allocation_id"], "pick")
    step(net, FAR, accepted["allocation_id"], "ready")
    wrong = net.stores[FAR].post(f"/v1/fulfilments/{accepted['allocation_id']}/collect",
                                 json={"pickup_code": placed["pickup_code"]})
    assert wrong.status_code == 422 and wrong.json()["code"] == "wrong_pickup_code"
    step(net, FAR, accepted["allocation_id"], "collect", {"pickup_code": code})
    poll(lambda: order(net, placed["id"])["status"] == "completed", 60, what="order completed at the new store")
    ship_order = place(net, {TEE: 1}, ship_to(NEAR))
    refused = net.head_office.post(f"/v1/orders/{ship_order['id']}/move",
                                   json={"store_id": FAR, "customer_agreement": AGREED})
    assert refused.status_code == 409 and "only a pickup order" in refused.json()["detail"]


def test_a_pickup_whose_store_is_offline_too_long_moves_and_the_old_store_puts_it_back(network):
    net = network
    policy = net.head_office.get("/v1/routing/policy").json()
    net.head_office.put("/v1/routing/policy", json={**policy, "move_after_offline_s": 8})  # heartbeats: every 5 s.raise_for_status()
    try:
        placed = place(net, {TEE: 1}, {"type": "pickup", "store_id": NEAR})
        accepted = poll(lambda: fulfilment(net, NEAR, placed["id"], "accepted"), what="accepted at the store")
        step(net, NEAR, accepted["allocation_id"], "pick")
        poll(lambda: order(net, placed["id"])["allocations"][0]["status"] == "picked", 30, what="central sees it")

        def move():
            return net.head_office.post(f"/v1/orders/{placed['id']}/move",
                                        json={"store_id": FAR, "customer_agreement": AGREED})
        online = move()
        assert online.status_code == 409 and "online" in online.json()["detail"]
        with NatsStopped(net):
            moved = poll(lambda: (m := move()).status_code == 200 and m.json(), 30,
                         what="the store silent for longer than the policy allows")
        code = moved["pickup_code"]
        # Back online: the old store cancels its picked order and someone puts the unit back on the shelf.
        poll(lambda: fulfilment(net, NEAR, placed["id"], "cancelled"), 60, what="the old store cancels")
        tasks = net.stores[NEAR].get("/v1/tasks", params={"kind": "put_back"}).json()["items"]
        [task] = [t for t in tasks if t["allocation_id"] == accepted["allocation_id"]]
        done = net.stores[NEAR].post(f"/v1/tasks/{task['id']}/done")
        assert done.status_code == 200 and done.json()["status"] == "done"
        assert all(t["id"] != task["id"] for t in
                   net.stores[NEAR].get("/v1/tasks", params={"kind": "put_back"}).json()["items"])
        ready = poll(lambda: fulfilment(net, FAR, placed["id"], "accepted"), 60, what="the new store accepts")
        step(net, FAR, ready["allocation_id"], "pick")
        step(net, FAR, ready["allocation_id"], "ready")
        step(net, FAR, ready["allocation_id"], "collect", {"pickup_code": code})
        view = poll(lambda: (v := order(net, placed["id"]))["status"] == "completed" and v, 60,
                    what="order completed")
        assert (view["refund_due"], view["net_charge"]) == (0, 2500)
        poll(lambda: central_level(net.head_office, TEE, NEAR) == level(net.stores[NEAR], TEE)[:2], 30,
             what="the old store's reservation released at central too")
    finally:
        net.head_office.put("/v1/routing/policy", json=policy).raise_for_status()
