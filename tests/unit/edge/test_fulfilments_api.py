"""BOPIS and ship-from-store through the real API and database: central's commands as the inbox holds
them, then each associate step with its stock, tasks and events."""

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest

from edge.services.commands import CommandInbox
from edge.store.outbox import unpublished
from shared.contract.models import FulfilmentStatus
from shared.contract.subjects import msg_id
from shared.runtime.ids import uuid7
from tests.unit.edge.conftest import assert_problem

CODE = "K7Q2X9"
NOW = datetime.now(timezone.utc)


def deliver(client, type_: str, payload: dict, now: datetime = NOW) -> None:
    """What the command follower does: record in the inbox in cmd_seq order, then carry out."""
    edge = client.app.state.edge
    with edge.db.write() as conn:
        seq = conn.execute("SELECT COALESCE(MAX(cmd_seq), 0) + 1 FROM commands").fetchone()[0]
        conn.execute("INSERT INTO commands (id, cmd_seq, type, payload, issued_at, received_at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", (uuid7(), seq, type_, json.dumps(payload), now.isoformat(),
                                                   now.isoformat()))
    CommandInbox(edge.db, edge.fulfilments).apply_pending(now)


def assign(client, aid="AL-1", type_="pickup", lines=(("MUG-01", 2),), accept_by=None, **extra):
    deliver(client, "fulfilment.assign", {
        "allocation_id": aid, "order_id": f"O-{aid}", "type": type_,
        "lines": [{"sku": s, "qty": q} for s, q in lines], "customer": {"name": "Kim"},
        "pickup_code_hash": hashlib.sha256(CODE.encode()).hexdigest(),
        "accept_by": (accept_by or NOW + timedelta(hours=1)).isoformat(), **extra})


def receive(client, sku, qty):
    client.post("/v1/stock/receive", json={"sku": sku, "qty": qty, "reference": "DN"})


def levels(client, sku="MUG-01"):
    body = client.get(f"/v1/stock/{sku}").json()
    return body["on_hand"], body["reserved"]


def events(client, type_):
    with client.app.state.edge.db.read() as conn:
        return [json.loads(r["payload"]) for r in
                conn.execute("SELECT payload FROM outbox WHERE type = ? ORDER BY seq", (type_,))]


def open_tasks(client):
    with client.app.state.edge.db.read() as conn:
        return [(r["kind"], r["sku"] or r["allocation_id"]) for r in
                conn.execute("SELECT kind, sku, allocation_id FROM tasks WHERE status = 'open' ORDER BY id")]


def step(client, aid, action, body=None):
    return client.post(f"/v1/fulfilments/{aid}/{action}", json=body)


class TestPickupLifecycle:
    def test_accept_pick_ready_collect_moves_stock_and_sends_each_event(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in)  # auto-accept is on by default and the stock is there
        assert signed_in.get("/v1/fulfilments/AL-1").json()["status"] == "accepted"
        assert levels(signed_in) == (5, 2)
        assert step(signed_in, "AL-1", "pick").json()["status"] == "picked"
        ready = step(signed_in, "AL-1", "ready").json()
        assert ready["status"] == "ready" and ready["pickup_by"]
        assert_problem(step(signed_in, "AL-1", "collect", {"pickup_code": "WRONG1"}), 422, "wrong_pickup_code")
        assert step(signed_in, "AL-1", "collect", {"pickup_code": "k7q-2x9"}).json()["status"] == "collected"
        assert levels(signed_in) == (3, 0)
        assert events(signed_in, "pickup.collected")[0]["stock"] == [
            {"sku": "MUG-01", "on_hand": 3, "reserved": 0, "damaged": 0}]
        for type_ in ("fulfilment.accepted", "fulfilment.picked", "pickup.ready"):
            assert len(events(signed_in, type_)) == 1

    def test_five_wrong_pickup_codes_lock_that_fulfilment_for_five_minutes_even_offline(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        for aid in ("AL-1", "AL-2"):
            assign(signed_in, aid, lines=(("MUG-01", 1),))
            step(signed_in, aid, "pick")
            step(signed_in, aid, "ready")
        for left in (4, 3, 2, 1):
            wrong = assert_problem(step(signed_in, "AL-1", "collect", {"pickup_code": "WRONG1"}), 422,
                                   "wrong_pickup_code")
            assert wrong["attempts_left"] == left
        locked = assert_problem(step(signed_in, "AL-1", "collect", {"pickup_code": "WRONG1"}), 429,
                                "too_many_attempts")
        assert "5 minutes" in locked["detail"] and 290 <= locked["retry_after_s"] <= 301
        # while locked even the right code is refused; another order's code is not affected
        assert_problem(step(signed_in, "AL-1", "collect", {"pickup_code": CODE}), 429, "too_many_attempts")
        assert step(signed_in, "AL-2", "collect", {"pickup_code": CODE}).json()["status"] == "collected"
        assert signed_in.get("/v1/fulfilments/AL-1").json()["status"] == "ready"
        later = datetime.now(timezone.utc) + timedelta(minutes=5, seconds=5)
        collected = signed_in.app.state.edge.fulfilments.act("AL-1", FulfilmentStatus.COLLECTED, "A1", later,
                                                              code=CODE)
        assert collected["status"] == "collected"

    def test_repeating_a_step_answers_200_and_a_wrong_one_409(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in)
        assert step(signed_in, "AL-1", "accept").status_code == 200
        assert_problem(step(signed_in, "AL-1", "ready"), 409, "invalid_transition")
        assert len(events(signed_in, "fulfilment.accepted")) == 1

    def test_without_stock_it_waits_for_an_associate_who_may_reject_not_found(self, signed_in):
        receive(signed_in, "MUG-01", 1)
        assign(signed_in)
        assert signed_in.get("/v1/fulfilments", params={"status": "assigned"}).json()["items"][0]["allocation_id"] \
            == "AL-1"
        assert ("accept", "AL-1") in open_tasks(signed_in)
        assert_problem(step(signed_in, "AL-1", "accept"), 409, "insufficient_stock")
        assert step(signed_in, "AL-1", "reject", {"reason": "not_found"}).json()["status"] == "rejected"
        assert levels(signed_in) == (0, 0)  # the phantom unit left on-hand
        assert open_tasks(signed_in) == [("count", "MUG-01")]
        assert events(signed_in, "fulfilment.rejected")[0]["reason"] == "not_found"

    def test_a_short_pick_takes_the_missing_units_off_the_sellable_shelf_and_opens_a_count(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in, lines=(("MUG-01", 3),))
        picked = step(signed_in, "AL-1", "pick", {"lines": [{"sku": "MUG-01", "qty": 2}]}).json()
        assert picked["shortages"] == {"MUG-01": 1} and picked["held"] == {"MUG-01": 2}
        assert levels(signed_in) == (4, 2)  # the unit not on the shelf is no longer sellable
        assert ("count", "MUG-01") in open_tasks(signed_in)
        [event] = events(signed_in, "fulfilment.picked")
        assert event["shortages"] == [{"sku": "MUG-01", "qty": 1}]
        assert event["stock"] == [{"sku": "MUG-01", "on_hand": 4, "reserved": 2, "damaged": 0}]

    def test_a_damaged_rejection_moves_the_units_to_damaged_and_no_capacity_moves_nothing(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in, "AL-1", lines=(("MUG-01", 2),))
        assign(signed_in, "AL-2", lines=(("MUG-01", 1),))
        assert step(signed_in, "AL-1", "reject", {"reason": "damaged"}).json()["status"] == "rejected"
        assert signed_in.get("/v1/stock/MUG-01").json()["damaged"] == 2 and levels(signed_in) == (3, 1)
        assert step(signed_in, "AL-2", "reject", {"reason": "no_capacity"}).json()["status"] == "rejected"
        assert levels(signed_in) == (3, 0) and ("count", "MUG-01") not in open_tasks(signed_in)
        assert events(signed_in, "fulfilment.rejected")[0]["stock"] == [
            {"sku": "MUG-01", "on_hand": 3, "reserved": 1, "damaged": 2}]

    def test_an_uncollected_pickup_expires_after_the_hold_days_with_a_put_back_task(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in)
        step(signed_in, "AL-1", "pick")
        step(signed_in, "AL-1", "ready")
        assert signed_in.app.state.edge.fulfilments.expire_due(NOW + timedelta(days=8)) == 1
        assert signed_in.get("/v1/fulfilments/AL-1").json()["status"] == "expired"
        assert levels(signed_in) == (5, 0) and ("put_back", "AL-1") in open_tasks(signed_in)


class TestCommandsFromCentral:
    def test_a_cancel_that_arrives_before_its_assign_wins(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        deliver(signed_in, "fulfilment.cancel", {"allocation_id": "AL-9", "order_id": "O-AL-9", "reason": "customer"})
        assign(signed_in, "AL-9")
        assert signed_in.get("/v1/fulfilments/AL-9").json()["status"] == "cancelled"
        assert levels(signed_in) == (5, 0)

    def test_a_cancel_after_acceptance_releases_the_reservation(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in)
        deliver(signed_in, "fulfilment.cancel", {"allocation_id": "AL-1", "order_id": "O-AL-1", "reason": "customer"})
        assert levels(signed_in) == (5, 0)
        assert_problem(step(signed_in, "AL-1", "pick"), 409, "invalid_transition")

    def test_an_assign_not_accepted_by_its_deadline_is_rejected_accept_expired(self, signed_in):
        assign(signed_in, accept_by=NOW + timedelta(seconds=1))  # no stock: waits for an associate
        signed_in.app.state.edge.fulfilments.expire_due(NOW + timedelta(minutes=1))
        answer = signed_in.get("/v1/fulfilments/AL-1").json()
        assert (answer["status"], answer["reason"]) == ("rejected", "accept_expired")
        assert open_tasks(signed_in) == []

    def test_a_step_after_the_deadline_is_refused_and_the_rejection_stays(self, signed_in):
        receive(signed_in, "MUG-01", 1)
        assign(signed_in, accept_by=NOW + timedelta(seconds=1))  # 2 wanted, 1 there: waits for an associate
        signed_in.app.state.edge.clock = lambda: NOW + timedelta(minutes=5)
        assert_problem(step(signed_in, "AL-1", "accept"), 409, "invalid_transition")
        assert signed_in.get("/v1/fulfilments/AL-1").json()["reason"] == "accept_expired"
        assert signed_in.get("/v1/tasks").json()["items"] == []

    def test_tasks_list_what_the_books_opened(self, signed_in):
        receive(signed_in, "MUG-01", 1)
        assign(signed_in)
        assert [(t["kind"], t["allocation_id"]) for t in signed_in.get("/v1/tasks").json()["items"]] == [
            ("accept", "AL-1")]

    def test_sync_snapshot_and_resend_are_answered_from_the_outbox(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        db = signed_in.app.state.edge.db
        with db.write() as conn:
            conn.execute("UPDATE outbox SET published_at = '2026-01-01T00:00:00Z'")
        deliver(signed_in, "sync.resend", {"from_seq": 1, "to_seq": 2})
        deliver(signed_in, "sync.snapshot", {})
        with db.read() as conn:
            unsent = [(r["seq"], r["type"]) for r in
                      conn.execute("SELECT seq, type FROM outbox WHERE published_at IS NULL ORDER BY seq")]
        assert unsent == [(1, "stock.snapshot"), (2, "stock.received"), (3, "stock.snapshot")]

    def test_each_resend_goes_out_under_a_new_msg_id_that_the_duplicate_window_cannot_swallow(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        db = signed_in.app.state.edge.db
        store_id = signed_in.app.state.edge.settings.store_id
        ids = set()
        for _ in range(3):
            with db.write() as conn:
                conn.execute("UPDATE outbox SET published_at = '2026-01-01T00:00:00Z'")
            deliver(signed_in, "sync.resend", {"from_seq": 2, "to_seq": 2})
            with db.read() as conn:
                [row] = unpublished(conn)
            ids.add(msg_id(store_id, row.id, row.resent))
        assert ids == {msg_id(store_id, row.id, n) for n in (1, 2, 3)} and msg_id(store_id, row.id) not in ids


class TestShipFromStore:
    def test_pack_and_ship_hand_the_units_to_the_carrier(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in, "AL-S", type_="ship", ship_to={"city": "Hamburg"})
        step(signed_in, "AL-S", "pick")
        assert_problem(step(signed_in, "AL-S", "pack", {"parcels": []}), 422, "validation_error")
        assert step(signed_in, "AL-S", "pack", {"parcels": [{"weight_g": 800}]}).json()["status"] == "packed"
        shipped = step(signed_in, "AL-S", "ship", {"carrier": "DHL", "tracking_number": "JJD0001"}).json()
        assert shipped["status"] == "shipped" and levels(signed_in) == (3, 0)
        assert events(signed_in, "shipment.shipped")[0]["tracking_number"] == "JJD0001"

    @pytest.mark.parametrize("action", ["ready", "collect"])
    def test_pickup_steps_do_not_apply_to_a_shipment(self, signed_in, action):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in, "AL-S", type_="ship")
        step(signed_in, "AL-S", "pick")
        body = {"pickup_code": CODE} if action == "collect" else None
        assert_problem(step(signed_in, "AL-S", action, body), 409, "invalid_transition")


class TestSaleIntoReservedUnits:
    def test_flags_the_accepted_fulfilment_at_risk(self, signed_in):
        receive(signed_in, "MUG-01", 2)
        assign(signed_in)
        answer = signed_in.post("/v1/sales", json={"lines": [{"sku": "MUG-01", "qty": 1}],
                                                   "tenders": [{"type": "cash", "amount": 890}],
                                                   "manager": {"id": "M1", "pin": "97531"}}).json()
        assert answer["at_risk"] == ["AL-1"]
        assert signed_in.get("/v1/fulfilments/AL-1").json()["at_risk"] is True


class TestPutBacks:
    def test_a_put_back_task_closes_once_done_and_only_put_backs_close_this_way(self, signed_in):
        receive(signed_in, "MUG-01", 5)
        assign(signed_in)
        step(signed_in, "AL-1", "pick")
        deliver(signed_in, "fulfilment.cancel", {"allocation_id": "AL-1", "order_id": "O-AL-1", "reason": "moved"})
        [task] = signed_in.get("/v1/tasks", params={"kind": "put_back"}).json()["items"]
        assert task["allocation_id"] == "AL-1" and task["status"] == "open"
        done = signed_in.post(f"/v1/tasks/{task['id']}/done")
        assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["closed_at"]
        assert signed_in.get("/v1/tasks", params={"kind": "put_back"}).json()["items"] == []
        assert signed_in.post(f"/v1/tasks/{task['id']}/done").json() == done.json()  # repeating is harmless
        assert levels(signed_in) == (5, 0)  # the books released the units when the order was cancelled

        receive(signed_in, "MUG-01", 1)
        assign(signed_in, "AL-2", lines=(("MUG-01", 9),))
        step(signed_in, "AL-2", "reject", {"reason": "not_found"})
        [count] = signed_in.get("/v1/tasks", params={"kind": "count"}).json()["items"]
        assert_problem(signed_in.post(f"/v1/tasks/{count['id']}/done"), 409, "invalid_transition")
        assert_problem(signed_in.post("/v1/tasks/999999/done"), 404, "not_found")
        assert_problem(signed_in.post("/v1/tasks/0/done"), 422, "validation_error")
