"""A sale's stored rows written the leaner way are the rows the former way wrote (hypothesis, random baskets on a
real SQLite file): the receipt's body byte for byte, the Idempotency-Key's answer and request hash byte for byte, and
the `sale.recorded` payload with the same meaning (pydantic now writes its JSON in one pass, compactly).

The former way is kept here as the reference: each line and tender through `model_dump(mode="json",
exclude_none=True)`, `json.dumps` of the body and of the answer, `json.dumps(payload.model_dump(mode="json"))`."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import edge.services.sales as sales_module
from edge.domain.sales import TenderIn
from edge.services.access import Associate, Sessions
from edge.services.sales import SaleIn, SaleLineIn, SalesService
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct, SaleRecorded
from shared.contract.models import Role

NOW = datetime(2026, 3, 2, 8, 0, 0, 123456, tzinfo=UTC)
MANAGER = Associate("M1", "Max", Role.MANAGER)  # approves the overrides and reserved units it sells itself
SKUS = ["TEE-RED-M", "MUG-01", "SOCK_50%", "ÄRMEL-ß", "X"]

names = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30)
product = st.tuples(names, st.integers(0, 50_000), st.sampled_from([0, 700, 1900, 2000]))
line = st.tuples(st.sampled_from(SKUS), st.integers(1, 5), st.one_of(st.none(), st.integers(0, 9_000)), names)
basket = st.tuples(st.fixed_dictionaries({sku: product for sku in SKUS}),
                   st.lists(line, min_size=1, max_size=6), st.integers(0, 100),
                   st.one_of(st.none(), names), st.integers(0, 5_000), st.integers(-3, 10))


def former_body_json(answer: dict, payload: SaleRecorded) -> str:
    """The receipt's body as the former code wrote it, from the same event and answer."""
    names_by_sku = {line["sku"]: line["name"] for line in answer["lines"]}
    return json.dumps({**answer,
                       "lines": [{**line.model_dump(mode="json", exclude_none=True), "name": names_by_sku[line.sku]}
                                 for line in payload.lines],
                       "tenders": [t.model_dump(mode="json", exclude_none=True) for t in payload.tenders]})


@pytest.fixture
def spied_payloads(monkeypatch):
    """The `sale.recorded` payloads the service writes, as it hands them to the outbox."""
    seen = []
    real = sales_module.append_event

    def append_event(conn, type_, payload, **kwargs):
        seen.append(payload)
        return real(conn, type_, payload, **kwargs)

    monkeypatch.setattr(sales_module, "append_event", append_event)
    return seen


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(basket)
def test_a_sales_rows_are_what_the_former_way_wrote(tmp_path_factory, spied_payloads, example):
    catalog, lines, card_share, card_reference, cash_over, stocked = example
    db = open_database(tmp_path_factory.mktemp("sale") / "edge.db")
    with db.write() as conn:
        for sku, (name, price, rate) in catalog.items():
            upsert_product(conn, CatalogProduct(sku=sku, name=name, price=price, currency="EUR", tax_rate_bp=rate))
            conn.execute("INSERT INTO stock (sku, on_hand, reserved, damaged) VALUES (?, ?, 1, 0)", (sku, stocked))
    service = SalesService(db, Sessions(db, timedelta(minutes=30)), store_id="S001", currency="EUR",
                           online=lambda: False)
    prices = {sku: price for sku, (_, price, _) in catalog.items()}
    total = sum(qty * (override if override is not None else prices[sku]) for sku, qty, override, _ in lines)
    card = total * card_share // 100
    tenders = ([TenderIn("card", card, card_reference)] if card else []) + (
        [TenderIn("cash", total - card + cash_over)] if total - card or not card else [])
    request = {"lines": [{"sku": sku, "qty": qty, "price_override": override} for sku, qty, override, _ in lines],
               "tenders": [{"type": t.type, "amount": t.amount, "reference": t.reference} for t in tenders]}
    sale = SaleIn([SaleLineIn(sku, qty, override, reason if override is not None else None)
                   for sku, qty, override, reason in lines], tenders, None, request)
    try:
        answer = service.record(sale, MANAGER, "manager:M1:k1", NOW).body
    except Exception as refused:  # noqa: BLE001 — a basket the rules refuse (a zero tender) records nothing
        with db.read() as conn:
            assert conn.execute("SELECT COUNT(*) FROM sales").fetchone()[0] == 0, refused
        db.close()
        return
    [payload] = spied_payloads[-1:]
    with db.read() as conn:
        body_text = conn.execute("SELECT body FROM sales").fetchone()[0]
        stored_payload = conn.execute("SELECT payload FROM outbox WHERE type = 'sale.recorded'").fetchone()[0]
        key = conn.execute("SELECT request_hash, response FROM idempotency_keys").fetchone()
    db.close()
    assert body_text == former_body_json(answer, payload)
    assert json.loads(body_text) == answer
    assert key["response"] == json.dumps(answer, default=str) == body_text
    assert key["request_hash"] == hashlib.sha256(
        json.dumps(request, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()
    assert json.loads(stored_payload) == json.loads(json.dumps(payload.model_dump(mode="json")))
    assert SaleRecorded.model_validate_json(stored_payload) == payload
