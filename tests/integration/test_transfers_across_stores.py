"""A transfer between two real stores, with central and both stores as processes on a real nats-server that is
stopped while each store does its part and started again: head office asks T01 to send 4 units to T02, T01 ships
3 of them, T02 counts 2 in, and central shows the discrepancy; pending, reserved, in-transit and on-hand figures
at central are checked at each step."""

import uuid

import httpx
import pytest

from tests.processes import stores_with_central
from tests.waiting import poll

SENDER, RECEIVER = "T01", "T02"
SKU = f"XFER-{uuid.uuid4().hex[:6].upper()}"


@pytest.fixture(scope="module")
def network(tmp_path_factory, nats_server):
    places = {SENDER: ("Altona", 53.55, 9.98), RECEIVER: ("Eppendorf", 53.59, 9.98)}
    with stores_with_central(tmp_path_factory.mktemp("transfers-across-stores"), nats_server, places,
                             {SKU: ("Wool scarf", 2490)}) as (head_office, clients):
        clients[SENDER].post("/v1/stock/receive", json={"sku": SKU, "qty": 10, "reference": "DEL-1"}).raise_for_status()
        yield head_office, clients, nats_server


def at_central(head_office: httpx.Client, node_id: str) -> dict:
    nodes = {n["node_id"]: n for n in head_office.get(f"/v1/atp/{SKU}").json()["nodes"]}
    return nodes.get(node_id, {"on_hand": 0, "reserved": 0, "pending": 0})


def transfer_at(client: httpx.Client, transfer_id: str, status: str):
    answer = client.get(f"/v1/transfers/{transfer_id}")
    return answer.json() if answer.status_code == 200 and answer.json()["status"] == status else None


def test_a_transfer_shipped_short_and_received_short_opens_a_discrepancy_at_central(network):
    head_office, clients, nats = network
    sender, receiver = clients[SENDER], clients[RECEIVER]
    poll(lambda: at_central(head_office, SENDER)["on_hand"] == 10, what="the sender's stock at central")

    nats.stop()  # head office asks while the stores cannot hear: the units are pending at the sender meanwhile
    made = head_office.post("/v1/transfers", json={"from_node": SENDER, "to_node": RECEIVER, "reference": "HO-7",
                                                   "lines": [{"sku": SKU, "qty": 4}]},
                            headers={"Idempotency-Key": "move-scarves"})
    assert made.status_code == 201, made.text
    transfer_id = made.json()["id"]
    assert made.json()["status"] == "requested"
    assert (at_central(head_office, SENDER)["pending"], at_central(head_office, SENDER)["reserved"]) == (4, 0)
    nats.start()

    reserved = poll(lambda: transfer_at(sender, transfer_id, "reserved"), what="the send at the sender")
    assert reserved["lines"][0]["sku"] == SKU and sender.get(f"/v1/stock/{SKU}").json()["reserved"] == 4
    poll(lambda: head_office.get(f"/v1/transfers/{transfer_id}").json()["status"] == "accepted", what="accepted")
    sender_figures = at_central(head_office, SENDER)
    assert (sender_figures["pending"], sender_figures["reserved"], sender_figures["atp"]) == (0, 4, 6)

    nats.stop()  # the sender ships 3 of 4 offline: one was not on the shelf
    shipped = sender.post(f"/v1/transfers/{transfer_id}/ship", json={
        "lines": [{"sku": SKU, "qty": 3}], "carrier": "van", "confirmed_short": True})
    assert shipped.status_code == 200, shipped.text
    assert head_office.get(f"/v1/transfers/{transfer_id}").json()["status"] == "accepted"  # not heard yet
    nats.start()

    at_head_office = poll(lambda: transfer_at(head_office, transfer_id, "shipped"), what="shipped at central")
    assert at_head_office["lines"] == [{"sku": SKU, "qty": 4, "shipped": 3, "received": 0}]
    assert at_head_office["in_transit"] == 3
    inbound = head_office.get(f"/v1/atp/{SKU}").json()["inbound"]
    assert [(x["kind"], x["node_id"], x["qty"]) for x in inbound["lines"]] == [("transfer", RECEIVER, 3)]
    poll(lambda: at_central(head_office, SENDER)["on_hand"] == 6, what="the sender's levels at central")
    assert (at_central(head_office, SENDER)["reserved"], at_central(head_office, RECEIVER)["on_hand"]) == (0, 0)

    incoming = poll(lambda: transfer_at(receiver, transfer_id, "in_transit"), what="the inbound at the receiver")
    assert [(x["sku"], x["qty"]) for x in incoming["lines"]] == [(SKU, 3)]  # what was really shipped

    nats.stop()  # the receiver counts 2 in, offline
    received = receiver.post(f"/v1/transfers/{transfer_id}/receive", json={
        "lines": [{"sku": SKU, "qty": 2}], "confirmed_difference": True})
    assert received.status_code == 200, received.text
    assert receiver.get(f"/v1/stock/{SKU}").json()["on_hand"] == 2
    nats.start()

    done = poll(lambda: transfer_at(head_office, transfer_id, "received"), what="received at central")
    assert done["discrepancy"]["status"] == "open"
    assert done["discrepancy"]["lines"] == [{"sku": SKU, "shipped": 3, "received": 2, "missing": 1}]
    assert done["in_transit"] == 0 and head_office.get(f"/v1/atp/{SKU}").json()["inbound"]["qty"] == 0
    poll(lambda: at_central(head_office, RECEIVER)["on_hand"] == 2, what="the receiver's levels at central")
    assert at_central(head_office, RECEIVER)["atp"] == 2 and at_central(head_office, SENDER)["atp"] == 6
    assert [h["kind"] for h in done["history"]] == ["requested", "accepted", "shipped", "received"]
    open_ones = head_office.get("/v1/transfers", params={"discrepancy": "open"}).json()["items"]
    assert [t["id"] for t in open_ones] == [transfer_id]
