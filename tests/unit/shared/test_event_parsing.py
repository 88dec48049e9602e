"""An event is read from its JSON in one pass (every type's envelope with its payload's model); what that pass
accepts, and how, must be exactly what reading the envelope and then its payload from the dict accepts: the same
payload, or the same refusal with the same reason."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contract.events import (
    EVENT_PAYLOADS,
    EventEnvelope,
    NotUnderstood,
    Undeliverable,
    _parse,
    parse_event,
)

LEVEL = {"sku": "TEE", "on_hand": 4, "reserved": 0, "damaged": 0}
LINE = {"sku": "TEE", "qty": 1}
VALID = {
    "sale.recorded": {"receipt_number": "S001-000001", "currency": "EUR",
                      "lines": [{"sku": "TEE", "qty": 1, "unit_price": 1990, "tax_rate_bp": 1900, "line_total": 1990}],
                      "tenders": [{"type": "cash", "amount": 1990}], "total": 1990, "change_due": 0, "stock": [LEVEL]},
    "return.recorded": {"return_number": "S001-R000001", "original": {"receipt_number": "S002-000001"},
                        "lines": [{"sku": "TEE", "qty": 1, "reason": "size", "disposition": "restock",
                                   "refund": 1990}],
                        "refunds": [{"tender": "cash", "amount": 1990}], "stock": [LEVEL]},
    "stock.received": {"sku": "TEE", "qty": 3, "reference": "PO-1", "stock": [LEVEL]},
    "stock.snapshot": {"chunk": 1, "chunks": 2, "levels": [LEVEL]},
    "fulfilment.picked": {"allocation_id": "A1", "order_id": "O1", "lines": [LINE], "shortages": [], "stock": [LEVEL]},
    "pickup.ready": {"allocation_id": "A1", "order_id": "O1", "pickup_by": "2026-03-02T09:00:00Z"},
    "transfer.shipped": {"transfer_id": "T1", "to_node": "S002", "lines": [LINE], "carrier": None, "stock": [LEVEL]},
}
ODD_VALUES = st.sampled_from([None, True, 0, -1, 3.0, 2.5, "3", "", " TEE ", "2026-03-02T09:00:00Z", "EURO", [], {},
                              [LEVEL], [LINE], {"sku": "X"}, 10**20])


@st.composite
def events(draw):
    type_ = draw(st.sampled_from(sorted(VALID)))
    payload = json.loads(json.dumps(VALID[type_]))
    for _ in range(draw(st.integers(0, 3))):  # change, drop or add fields, at the top or one level down
        target = payload
        nested = [k for k, v in payload.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if nested and draw(st.booleans()):
            target = payload[draw(st.sampled_from(nested))][0]
        key = draw(st.sampled_from([*target, "extra_field"]))
        if draw(st.integers(0, 4)) == 0:
            target.pop(key, None)
        else:
            target[key] = json.loads(json.dumps(draw(ODD_VALUES)))  # a copy: never the shared samples
    envelope = {"id": "E1", "type": draw(st.sampled_from([type_, type_, "stock.teleported"])),
                "schema": draw(st.sampled_from([1, 1, 2])), "store_id": "S001", "epoch": "EP", "seq": 1,
                "occurred_at": "2026-03-01T09:00:00Z", "actor": "A1", "payload": payload}
    return json.dumps(envelope).encode()


def outcome(read, data: bytes):
    try:
        envelope, payload = read(data)
    except NotUnderstood as e:
        return ("waits", e.reason)
    except Undeliverable as e:
        return ("refused", e.reason)
    fields = {name: getattr(envelope, name) for name in EventEnvelope.model_fields if name != "payload"}
    return ("read", fields, type(payload), payload.model_dump())


@settings(max_examples=400, deadline=None)
@given(events())
def test_reading_an_event_in_one_pass_is_reading_its_envelope_then_its_payload(data):
    assert outcome(parse_event, data) == outcome(
        lambda d: _parse(d, EventEnvelope, EVENT_PAYLOADS, "event", "envelope"), data)
