"""Transfers at the store through the real API and database, offline (no NATS): central's commands as the inbox
holds them, then the associate's ship, reject and receive with their stock, ledger, tasks, paper and events."""

import json

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.services.access import AssociateIn, save_associates
from edge.settings import EdgeSettings
from edge.store.schema import open_database
from tests.edge_commands import deliver_to
from tests.unit.edge.conftest import T0, add_products, assert_problem

TEE, BLUE, MUG = "TEE-RED-M", "TEE-BLU-M", "MUG-01"
TEE_GTIN = "4006381333931"


def deliver(client, type_: str, payload: dict) -> None:
    deliver_to(client.app.state.edge, type_, payload)


def send(client, tid="TR-1", lines=((TEE, 3), (MUG, 1)), **extra) -> None:
    deliver(client, "transfer.send", {"transfer_id": tid, "to_node": "S002", "to_name": "Harbour",
                                      "lines": [{"sku": s, "qty": q} for s, q in lines], **extra})


def inbound(client, tid="TR-9", lines=((TEE, 4),)) -> None:
    deliver(client, "transfer.inbound", {"transfer_id": tid, "from_node": "S003", "from_name": "Old Town",
                                         "lines": [{"sku": s, "qty": q} for s, q in lines], "carrier": "DHL",
                                         "tracking_number": "JJD1"})


def receive_stock(client, sku, qty):
    client.post("/v1/stock/receive", json={"sku": sku, "qty": qty, "reference": "DN"}).raise_for_status()


def levels(client, sku):
    body = client.get(f"/v1/stock/{sku}").json()
    return body["on_hand"], body["reserved"]


def outbox(client, type_=None):
    with client.app.state.edge.db.read() as conn:
        return [(r["type"], json.loads(r["payload"])) for r in conn.execute("SELECT type, payload FROM outbox "
                                                                            "ORDER BY seq")
                if type_ is None or r["type"] == type_]


def count_tasks(client):
    with client.app.state.edge.db.read() as conn:
        return [(r["sku"], r["reference"]) for r in
                conn.execute("SELECT sku, reference FROM tasks WHERE kind = 'count' AND status = 'open' ORDER BY id")]


def ship(client, tid="TR-1", lines=((TEE, 3), (MUG, 1)), key=None, **extra):
    return client.post(f"/v1/transfers/{tid}/ship", json={"lines": [{"sku": s, "qty": q} for s, q in lines], **extra},
                       headers={"Idempotency-Key": key} if key else {})


def take_in(client, tid="TR-9", lines=((TEE, 4),), key=None, **extra):
    return client.post(f"/v1/transfers/{tid}/receive", json={"lines": [{"sku": s, "qty": q} for s, q in lines],
                                                             **extra}, headers={"Idempotency-Key": key} if key else {})


@pytest.fixture
def signed_in(tmp_path):
    """The real app on a real database, offline, with a receipt printer that writes into `tmp_path / "prints"`."""
    settings = EdgeSettings(store_id="S001", store_name="Main Street", db_path=tmp_path / "edge.db",
                            print_dir=tmp_path / "prints")
    database = open_database(settings.db_path)
    add_products(database)
    save_associates(database, [AssociateIn(id="A1", name="Ana", pin="2468"),
                               AssociateIn(id="M1", name="Max", pin="97531", role="manager")], T0)
    database.close()
    with TestClient(create_app(settings, with_nats=False)) as client:
        token = client.post("/v1/login", json={"associate_id": "A1", "pin": "2468"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.fixture
def stocked(signed_in):
    receive_stock(signed_in, TEE, 10)
    receive_stock(signed_in, MUG, 5)
    return signed_in


class TestSending:
    def test_a_send_reserves_what_was_asked_at_once_and_says_so(self, stocked):
        send(stocked, ship_to={"name": "Harbour store", "line1": "Kai 1", "city": "Hamburg", "postal_code": "20457",
                               "country": "DE"}, reference="REPLEN-7")
        assert levels(stocked, TEE) == (10, 3) and levels(stocked, MUG) == (5, 1)
        [(_, accepted)] = outbox(stocked, "transfer.accepted")
        assert accepted["transfer_id"] == "TR-1"
        assert accepted["lines"] == [{"sku": MUG, "qty": 1}, {"sku": TEE, "qty": 3}]
        assert {s["sku"]: (s["on_hand"], s["reserved"]) for s in accepted["stock"]} == {TEE: (10, 3), MUG: (5, 1)}
        transfer = stocked.get("/v1/transfers/TR-1").json()
        assert (transfer["direction"], transfer["status"], transfer["from_node"], transfer["to_node"],
                transfer["to_name"], transfer["reference"]) == ("out", "reserved", "S001", "S002", "Harbour",
                                                                "REPLEN-7")
        assert transfer["ship_to"]["city"] == "Hamburg" and transfer["units"] == 4

    def test_the_same_send_twice_changes_nothing(self, stocked):
        send(stocked)
        send(stocked)
        assert levels(stocked, TEE) == (10, 3) and len(outbox(stocked, "transfer.accepted")) == 1

    def test_a_full_shipment_takes_the_units_off_the_shelf_and_prints_a_slip(self, stocked):
        send(stocked)
        shipped = ship(stocked, carrier="DHL", tracking_number="JJD7", key="k-1")
        assert shipped.status_code == 200, shipped.text
        assert shipped.json()["status"] == "shipped" and shipped.json()["done_by"] == "A1"
        assert levels(stocked, TEE) == (7, 0) and levels(stocked, MUG) == (4, 0)
        [(_, event)] = outbox(stocked, "transfer.shipped")
        assert (event["to_node"], event["carrier"], event["tracking_number"]) == ("S002", "DHL", "JJD7")
        assert event["lines"] == [{"sku": MUG, "qty": 1}, {"sku": TEE, "qty": 3}]
        assert count_tasks(stocked) == []
        ledger = stocked.get(f"/v1/stock/{TEE}/ledger").json()["items"]
        assert [(r["reason"], r["reference"], r["on_hand_delta"], r["reserved_delta"]) for r in ledger[:2]] == [
            ("shipped", "TR-1", -3, -3), ("reserve", "TR-1", 0, 3)]
        jobs = stocked.get("/v1/print/jobs", params={"ref": "TR-1"}).json()["items"]
        assert [job["kind"] for job in jobs] == ["transfer-slip"]
        # offline (no NATS at all): every event waits in the outbox, none lost
        sync = stocked.get("/v1/sync/status").json()
        assert not sync["online"] and sync["backlog"] == len(outbox(stocked)) == sync["last_seq"]

    def test_a_retry_with_the_same_key_answers_the_shipment_without_shipping_again(self, stocked):
        send(stocked)
        first = ship(stocked, key="k-2").json()
        assert ship(stocked, key="k-2").json() == first
        assert levels(stocked, TEE) == (7, 0) and len(outbox(stocked, "transfer.shipped")) == 1

    def test_a_short_shipment_needs_confirming_and_then_counts_what_was_missing(self, stocked):
        send(stocked)
        refused = assert_problem(ship(stocked, lines=((TEE_GTIN, 1),)), 409, "short_shipment_unconfirmed")
        assert "would leave 1 of 1 MUG-01 and 2 of 3 TEE-RED-M behind" in refused["detail"]
        assert refused["short"] == [{"sku": MUG, "asked": 1, "shipped": 0}, {"sku": TEE, "asked": 3, "shipped": 1}]
        assert levels(stocked, TEE) == (10, 3) and outbox(stocked, "transfer.shipped") == []
        answer = ship(stocked, lines=((TEE_GTIN, 1),), confirmed_short=True)
        assert answer.status_code == 200, answer.text
        assert [(ln["sku"], ln["qty"], ln["shipped"]) for ln in answer.json()["lines"]] == [(MUG, 1, 0), (TEE, 3, 1)]
        # on_hand −shipped and −the units not found; the whole reservation ends
        assert levels(stocked, TEE) == (7, 0) and levels(stocked, MUG) == (4, 0)
        [(_, event)] = outbox(stocked, "transfer.shipped")
        assert event["lines"] == [{"sku": TEE, "qty": 1}]
        assert count_tasks(stocked) == [(MUG, "TR-1"), (TEE, "TR-1")]

    def test_a_shipment_of_units_not_asked_for_is_refused_and_changes_nothing(self, stocked):
        send(stocked)
        before = outbox(stocked)
        for lines, words in [(((TEE, 4),), "only 3 were asked"), (((BLUE, 1),), "not part of this transfer"),
                             (((TEE, 0), (MUG, 0)), "reject the transfer")]:
            body = assert_problem(ship(stocked, lines=lines, confirmed_short=True), 422, "validation_error")
            assert words in body["detail"]
        assert outbox(stocked) == before and levels(stocked, TEE) == (10, 3)

    def test_a_second_shipment_is_refused(self, stocked):
        send(stocked)
        ship(stocked).raise_for_status()
        body = assert_problem(ship(stocked), 409, "invalid_transition")
        assert "already shipped" in body["detail"] and body["status"] == "shipped"
        assert levels(stocked, TEE) == (7, 0)

    def test_a_rejection_not_found_releases_and_writes_the_phantom_units_off(self, stocked):
        send(stocked)
        answer = stocked.post("/v1/transfers/TR-1/reject", json={"reason": "not_found"})
        assert answer.status_code == 200 and answer.json()["status"] == "rejected"
        assert levels(stocked, TEE) == (7, 0) and levels(stocked, MUG) == (4, 0)
        [(_, event)] = outbox(stocked, "transfer.rejected")
        assert event["reason"] == "not_found" and event["lines"] == [{"sku": MUG, "qty": 1}, {"sku": TEE, "qty": 3}]
        assert count_tasks(stocked) == [(MUG, "TR-1"), (TEE, "TR-1")]

    def test_a_cancel_before_shipping_releases_and_after_shipping_is_ignored(self, stocked):
        send(stocked, tid="TR-A")
        send(stocked, tid="TR-B")
        assert levels(stocked, TEE) == (10, 6)
        ship(stocked, tid="TR-B").raise_for_status()
        for tid in ("TR-A", "TR-B", "TR-A"):
            deliver(stocked, "transfer.cancel", {"transfer_id": tid, "reason": "plan changed"})
        assert levels(stocked, TEE) == (7, 0)
        [(_, cancelled)] = outbox(stocked, "transfer.cancelled")
        assert cancelled["transfer_id"] == "TR-A" and cancelled["lines"] == [{"sku": MUG, "qty": 1},
                                                                             {"sku": TEE, "qty": 3}]
        assert stocked.get("/v1/transfers/TR-B").json()["status"] == "shipped"
        assert_problem(ship(stocked, tid="TR-A"), 409, "invalid_transition")

    def test_a_cancel_that_comes_first_is_confirmed_and_the_send_after_it_ignored(self, stocked):
        deliver(stocked, "transfer.cancel", {"transfer_id": "TR-X", "reason": "plan changed"})
        send(stocked, tid="TR-X")
        assert levels(stocked, TEE) == (10, 0)
        assert [t for t, _ in outbox(stocked) if t.startswith("transfer.")] == ["transfer.cancelled"]


class TestReceiving:
    def test_an_inbound_transfer_waits_and_moves_nothing(self, signed_in):
        inbound(signed_in)
        inbound(signed_in)
        page = signed_in.get("/v1/transfers", params={"direction": "in", "status": "in_transit"}).json()
        assert [(t["transfer_id"], t["from_node"], t["to_node"], t["carrier"]) for t in page["items"]] == [
            ("TR-9", "S003", "S001", "DHL")]
        assert levels(signed_in, TEE) == (0, 0) and [t for t, _ in outbox(signed_in) if t != "stock.snapshot"] == []

    def test_a_receipt_of_what_was_shipped_puts_it_on_the_shelf(self, signed_in):
        inbound(signed_in)
        answer = take_in(signed_in, key="r-1")
        assert answer.status_code == 200 and answer.json()["status"] == "received"
        assert take_in(signed_in, key="r-1").json() == answer.json()  # a retry: the same answer, nothing again
        assert levels(signed_in, TEE) == (4, 0)
        [(_, event)] = outbox(signed_in, "transfer.received")
        assert (event["from_node"], event["lines"]) == ("S003", [{"sku": TEE, "qty": 4}])
        assert event["stock"] == [{"sku": TEE, "on_hand": 4, "reserved": 0, "damaged": 0}]

    def test_a_receipt_that_differs_needs_confirming(self, signed_in):
        for tid, counted, words in [("TR-8", 3, "3 of 4 TEE-RED-M came (1 missing)"),
                                    ("TR-9", 5, "5 TEE-RED-M came for 4 shipped (1 more)")]:
            inbound(signed_in, tid=tid)
            body = assert_problem(take_in(signed_in, tid, lines=((TEE, counted),)), 409,
                                  "receipt_difference_unconfirmed")
            assert words in body["detail"]
            assert body["differences"] == [{"sku": TEE, "shipped": 4, "received": counted, "missing": 4 - counted}]
        assert levels(signed_in, TEE) == (0, 0)
        take_in(signed_in, "TR-8", lines=((TEE, 3),), confirmed_difference=True).raise_for_status()
        take_in(signed_in, "TR-9", lines=((TEE, 5),), confirmed_difference=True).raise_for_status()
        assert levels(signed_in, TEE) == (8, 0)
        assert [ln["received"] for ln in signed_in.get("/v1/transfers/TR-9").json()["lines"]] == [5]

    def test_a_second_receipt_is_refused(self, signed_in):
        inbound(signed_in)
        take_in(signed_in).raise_for_status()
        body = assert_problem(take_in(signed_in), 409, "invalid_transition")
        assert "already received" in body["detail"]
        assert levels(signed_in, TEE) == (4, 0) and len(outbox(signed_in, "transfer.received")) == 1

    def test_nothing_arrived_is_a_receipt_too_once_confirmed(self, signed_in):
        inbound(signed_in)
        take_in(signed_in, lines=(), confirmed_difference=True).raise_for_status()
        [(_, event)] = outbox(signed_in, "transfer.received")
        assert event["lines"] == [] and levels(signed_in, TEE) == (0, 0)


class TestBadInput:
    def test_is_answered_with_a_problem_and_changes_nothing(self, stocked):
        send(stocked)
        inbound(stocked)
        before = outbox(stocked), levels(stocked, TEE)
        for path, body, status, code in [
            ("/v1/transfers/TR-9/ship", {"lines": []}, 409, "invalid_transition"),  # one to receive, not to send
            ("/v1/transfers/TR-1/receive", {"lines": []}, 409, "invalid_transition"),
            ("/v1/transfers/TR-404/ship", {"lines": []}, 404, "not_found"),
            ("/v1/transfers/TR-1/ship", {"lines": [{"sku": TEE, "qty": -1}]}, 422, "validation_error"),
            ("/v1/transfers/TR-1/ship", {"lines": [{"sku": TEE, "qty": "1"}]}, 422, "validation_error"),
            ("/v1/transfers/TR-1/ship", {"lines": [{"sku": TEE, "qty": 1}], "confirmed_short": "yes"}, 422,
             "validation_error"),
            ("/v1/transfers/TR-1/ship", {"lines": [{"sku": TEE, "qty": 1}], "surprise": 1}, 422, "validation_error"),
            ("/v1/transfers/TR-9/receive", {"lines": [{"sku": BLUE, "qty": 1}], "confirmed_difference": True}, 422,
             "validation_error"),
            ("/v1/transfers/TR-1/reject", {"reason": "banana"}, 422, "validation_error"),
        ]:
            assert_problem(stocked.post(path, json=body), status, code)
            assert (outbox(stocked), levels(stocked, TEE)) == before, path

    def test_the_list_needs_a_sign_in(self, signed_in):
        del signed_in.headers["Authorization"]
        assert_problem(signed_in.get("/v1/transfers"), 401, "unauthorized")

    def test_an_unknown_direction_is_a_problem(self, signed_in):
        assert_problem(signed_in.get("/v1/transfers", params={"direction": "sideways"}), 422, "validation_error")

    def test_open_lists_only_what_waits_at_the_counter(self, stocked):
        send(stocked, tid="TR-1")
        send(stocked, tid="TR-2")
        inbound(stocked)
        ship(stocked, tid="TR-2").raise_for_status()
        waiting = stocked.get("/v1/transfers", params={"open": "true"}).json()["items"]
        assert [t["transfer_id"] for t in waiting] == ["TR-1", "TR-9"]
        page = stocked.get("/v1/transfers", params={"limit": 1}).json()
        assert page["next_cursor"] == "TR-1"
        # what `omnistore audit` adds to the fulfilments' holdings when it checks the store's reserve
        assert_problem(stocked.get("/v1/audit/transfers"), 403, "forbidden")
        token = stocked.post("/v1/login", json={"associate_id": "M1", "pin": "97531"}).json()["token"]
        audit = stocked.get("/v1/audit/transfers", headers={"Authorization": f"Bearer {token}"}).json()
        assert audit["items"] == [{"transfer_id": "TR-1", "status": "reserved", "holding": {MUG: 1, TEE: 3}},
                                  {"transfer_id": "TR-2", "status": "shipped", "holding": {}},
                                  {"transfer_id": "TR-9", "status": "in_transit", "holding": {}}]
