"""Transfers through head office's API without NATS: requests, refusals that change nothing, pages, cancel before
the sender answers, and the transfer.send/cancel commands queued for the sender."""

import json

import pytest

from tests.integration.central.conftest import central_with_a_dc


@pytest.fixture
async def central(tmp_path):
    async with central_with_a_dc(tmp_path, ("S001", "S002")) as running:
        yield running


def body(lines=None, **extra) -> dict:
    return {"from_node": "S001", "to_node": "S002",
            "lines": [{"sku": s, "qty": q} for s, q in (lines or {"TEE": 4}).items()], **extra}


def commands_of(central, store_id: str) -> list[tuple[str, dict]]:
    return [(r["type"], json.loads(r["payload"])) for r in central.query(
        "SELECT type, payload FROM command_outbox WHERE store_id=? ORDER BY cmd_seq", store_id)]


def pending(central, node_id: str, sku: str) -> int:
    from central.store.atp import _pending_by_node
    with central.service.db.read() as conn:
        return _pending_by_node(conn, sku).get(node_id, 0)


class TestRequestingATransfer:
    async def test_is_requested_sent_to_the_sender_and_pending_there(self, central):
        response = await central.client.post("/v1/transfers", json=body({"TEE": 4, "HAT": 1}, reference="HO-12"),
                                             headers={"Idempotency-Key": "move-1"})
        assert response.status_code == 201, response.text
        transfer = response.json()
        assert transfer["id"].startswith("TR-") and transfer["status"] == "requested"
        assert transfer["lines"] == [{"sku": "HAT", "qty": 1, "shipped": 0, "received": 0},
                                     {"sku": "TEE", "qty": 4, "shipped": 0, "received": 0}]
        assert (transfer["in_transit"], transfer["discrepancy"]) == (0, None)
        assert [h["kind"] for h in transfer["history"]] == ["requested"]
        [(kind, send)] = commands_of(central, "S001")
        assert kind == "transfer.send" and send["transfer_id"] == transfer["id"]
        assert (send["to_node"], send["to_name"], send["reference"]) == ("S002", "S002", "HO-12")
        assert send["lines"] == [{"sku": "TEE", "qty": 4}, {"sku": "HAT", "qty": 1}]
        assert commands_of(central, "S002") == []
        assert (pending(central, "S001", "TEE"), pending(central, "S002", "TEE")) == (4, 0)
        nodes = {n["node_id"]: n for n in (await central.client.get("/v1/atp/TEE")).json()["nodes"]}
        assert "S002" not in nodes  # the receiver holds nothing yet

        again = await central.client.post("/v1/transfers", json=body({"TEE": 4, "HAT": 1}, reference="HO-12"),
                                          headers={"Idempotency-Key": "move-1"})
        assert again.json()["id"] == transfer["id"] and len(commands_of(central, "S001")) == 1
        other_body = await central.client.post("/v1/transfers", json=body({"TEE": 5}),
                                               headers={"Idempotency-Key": "move-1"})
        assert other_body.status_code == 422 and other_body.json()["code"] == "idempotency_mismatch"

    async def test_bad_requests_are_refused_with_a_sentence_and_change_nothing(self, central):
        for changes, words in (
            ({"to_node": "S001"}, "S001 is both"),
            ({"to_node": "S404"}, "No store or warehouse S404"),
            ({"from_node": "S404"}, "No store or warehouse S404"),
            ({"from_node": "DC1"}, "DC1 is a warehouse"),
            ({"lines": [{"sku": "NOPE", "qty": 1}]}, "No product has the SKU NOPE"),
            ({"lines": [{"sku": "TEE", "qty": 0}]}, "greater than 0"),
            ({"lines": [{"sku": "TEE", "qty": 1_000_001}]}, "less than or equal to 1000000"),
            ({"lines": [{"sku": "TEE", "qty": "2"}]}, "valid integer"),
            ({"lines": []}, "at least 1 item"),
            ({"lines": [{"sku": "TEE", "qty": 1}, {"sku": "TEE", "qty": 2}]}, "more than once"),
            ({"expected_at": "2026-12-01T10:00:00"}, "timezone"),
            ({"colour": "red"}, "colour"),
        ):
            response = await central.client.post("/v1/transfers", json={**body(), **changes})
            assert response.status_code == 422, (changes, response.text)
            problem = response.json()
            assert response.headers["content-type"].startswith("application/problem+json")
            assert problem["code"] == "validation_error" and words in problem["detail"], (changes, problem)
        assert (await central.client.get("/v1/transfers")).json() == {"items": [], "next_cursor": None}
        assert commands_of(central, "S001") == [] and pending(central, "S001", "TEE") == 0

    async def test_a_warehouse_may_receive(self, central):
        response = await central.client.post("/v1/transfers", json=body(to_node="DC1",
                                                                        expected_at="2026-12-01T10:00:00Z"))
        assert response.status_code == 201
        assert response.json()["expected_at"] == "2026-12-01T10:00:00.000Z"


class TestFollowingTransfers:
    async def test_lists_page_newest_first_and_filter(self, central):
        made = [(await central.client.post("/v1/transfers", json=body(to_node=to))).json()["id"]
                for to in ("S002", "DC1", "S002")]
        first = (await central.client.get("/v1/transfers", params={"limit": 2})).json()
        assert [t["id"] for t in first["items"]] == made[:0:-1] and first["next_cursor"] == made[1]
        rest = (await central.client.get("/v1/transfers", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert [t["id"] for t in rest["items"]] == [made[0]] and rest["next_cursor"] is None
        to_dc = (await central.client.get("/v1/transfers", params={"to_node": "DC1"})).json()["items"]
        assert [t["id"] for t in to_dc] == [made[1]]
        assert (await central.client.get("/v1/transfers", params={"discrepancy": "open"})).json()["items"] == []
        assert (await central.client.get("/v1/transfers", params={"status": "lost"})).status_code == 422
        assert (await central.client.get("/v1/transfers/TR-none")).json()["code"] == "not_found"

    async def test_reading_needs_a_token(self, central):
        response = await central.client.get("/v1/transfers", headers={"Authorization": "Bearer nope-nope-nope"})
        assert response.status_code == 401


class TestCancellingBeforeTheSenderAnswers:
    async def test_asks_the_sender_and_keeps_the_units_pending_until_it_answers(self, central):
        transfer = (await central.client.post("/v1/transfers", json=body())).json()
        response = await central.client.post(f"/v1/transfers/{transfer['id']}/cancel", json={"reason": "not needed"})
        assert response.status_code == 200 and response.json()["status"] == "cancel_requested"
        again = await central.client.post(f"/v1/transfers/{transfer['id']}/cancel")
        assert again.status_code == 200 and again.json()["status"] == "cancel_requested"
        assert [(k, c.get("reason")) for k, c in commands_of(central, "S001")] == [
            ("transfer.send", None), ("transfer.cancel", "not needed")]
        assert pending(central, "S001", "TEE") == 4  # the sender may have reserved them already; its answer says

    async def test_refusals_name_the_reason(self, central):
        transfer = (await central.client.post("/v1/transfers", json=body())).json()
        no_discrepancy = await central.client.post(f"/v1/transfers/{transfer['id']}/discrepancy/resolve",
                                                   json={"note": "found it"})
        assert no_discrepancy.status_code == 409 and "no discrepancy" in no_discrepancy.json()["detail"]
        at_store = await central.client.post(f"/v1/transfers/{transfer['id']}/receive",
                                             json={"lines": [{"sku": "TEE", "qty": 1}]})
        assert at_store.status_code == 409 and "at its counter" in at_store.json()["detail"]
        empty_note = await central.client.post(f"/v1/transfers/{transfer['id']}/discrepancy/resolve",
                                               json={"note": ""})
        assert empty_note.status_code == 422
        unknown = await central.client.post("/v1/transfers/TR-none/cancel")
        assert unknown.status_code == 404
        assert (await central.client.get(f"/v1/transfers/{transfer['id']}")).json()["status"] == "requested"
