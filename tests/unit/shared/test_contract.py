"""The shared contract: subjects, ids, events and problem+json behave as DESIGN §3, §4, §6, §8 say."""

import json
from datetime import datetime, timezone

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.contract import subjects
from shared.contract.errors import InsufficientStock
from shared.contract.events import (
    COMMAND_PAYLOADS,
    EVENT_PAYLOADS,
    EventEnvelope,
    Undeliverable,
    parse_command,
    parse_event,
)
from shared.runtime.clock import from_text, to_text
from shared.runtime.ids import uuid7
from shared.web.problems import install_problem_handlers


class TestSubjects:
    def test_a_plain_sku_stands_as_is_in_a_subject(self):
        assert subjects.catalog_product("TEE-RED_M") == "omni.catalog.product.TEE-RED_M"

    def test_a_sku_with_dots_or_spaces_is_hex_encoded(self):
        assert subjects.sku_token("a.b c") == "x" + "a.b c".encode().hex()
        assert subjects.sku_token("Bröd") == "x" + "Bröd".encode().hex()

    def test_the_message_id_names_the_store(self):
        assert subjects.msg_id("S001", "abc") == "S001:abc"


class TestIds:
    def test_uuid7_ids_are_version_7_and_sort_by_creation(self):
        ids = [uuid7() for _ in range(200)]
        assert all(i[14] == "7" for i in ids)
        assert len(set(ids)) == 200
        assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)


class TestClock:
    def test_times_round_trip_in_utc_with_a_z(self):
        moment = datetime(2026, 3, 1, 12, 30, 5, 123000, tzinfo=timezone.utc)
        assert to_text(moment) == "2026-03-01T12:30:05.123Z"
        assert from_text(to_text(moment)) == moment

    def test_a_time_without_offset_is_refused(self):
        with pytest.raises(ValueError):
            from_text("2026-03-01T12:30:05")


def envelope(type_: str, payload: dict) -> bytes:
    return EventEnvelope(id=uuid7(), type=type_, store_id="S001", epoch=uuid7(), seq=1,
                         occurred_at=datetime.now(timezone.utc), actor="A1", payload=payload).to_bytes()


class TestEventCatalogue:
    def test_every_event_type_of_the_design_has_a_payload_model(self):
        assert set(EVENT_PAYLOADS) == {
            "sale.recorded", "return.recorded", "stock.received", "stock.adjusted", "stock.counted",
            "stock.snapshot", "fulfilment.accepted", "fulfilment.rejected", "fulfilment.picked",
            "fulfilment.cancelled", "pickup.ready", "pickup.collected", "pickup.expired",
            "shipment.packed", "shipment.shipped", "transfer.accepted", "transfer.rejected", "transfer.cancelled",
            "transfer.shipped", "transfer.received"}
        assert set(COMMAND_PAYLOADS) == {"fulfilment.assign", "fulfilment.cancel", "sync.resend", "sync.snapshot",
                                         "receipt.returned", "transfer.send", "transfer.inbound", "transfer.cancel"}

    def test_the_envelope_goes_on_the_wire_with_its_schema_field(self):
        wire = json.loads(envelope("stock.snapshot", {"chunk": 1, "chunks": 1, "levels": []}))
        assert wire["schema"] == 1 and wire["seq"] == 1

    def test_an_event_parses_to_its_typed_payload(self):
        data = envelope("stock.received", {"sku": "A", "qty": 3, "reference": "PO-1",
                                           "stock": [{"sku": "A", "on_hand": 3, "reserved": 0, "damaged": 0}]})
        env, payload = parse_event(data)
        assert env.type == "stock.received" and payload.stock[0].on_hand == 3

    @pytest.mark.parametrize("data, reason", [
        (b"not json", "malformed envelope"),
        (None, "unknown event type"),
    ])
    def test_what_cannot_be_applied_says_why(self, data, reason):
        data = data or envelope("stock.teleported", {})
        with pytest.raises(Undeliverable, match=reason):
            parse_event(data)

    def test_a_command_with_a_bad_payload_is_undeliverable(self):
        bad = json.dumps({"id": uuid7(), "type": "sync.resend", "schema": 1, "store_id": "S001", "cmd_seq": 1,
                          "issued_at": "2026-01-01T00:00:00Z", "payload": {"from_seq": 0}}).encode()
        with pytest.raises(Undeliverable, match="sync.resend"):
            parse_command(bad)


class Body(BaseModel):
    qty: int


def problem_app() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    def things(body: Body):
        raise InsufficientStock("Only 2 of SKU A are on hand.", sku="A", available=2)

    return TestClient(app)


class TestProblems:
    def test_a_domain_error_is_problem_json_with_its_code(self):
        response = problem_app().post("/things", json={"qty": 1})
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "insufficient_stock" and body["available"] == 2
        assert body["detail"] == "Only 2 of SKU A are on hand."

    def test_fastapis_validation_error_becomes_a_sentence(self):
        response = problem_app().post("/things", json={"qty": "many"})
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "validation_error"
        assert body["detail"].startswith("qty: ")

    def test_an_unknown_path_is_problem_json_too(self):
        response = problem_app().get("/nowhere")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
