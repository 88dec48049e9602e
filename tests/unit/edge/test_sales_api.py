"""Walk-in sales through the real API and database (offline): receipts, tax, tenders, managers, stock."""

import json

import pytest

from tests.unit.edge.conftest import assert_problem

MANAGER = {"id": "M1", "pin": "97531"}


def receive(client, sku, qty):
    assert client.post("/v1/stock/receive", json={"sku": sku, "qty": qty, "reference": "DN-1"}).status_code == 201


def sale(client, lines, tenders, key=None, **extra):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/v1/sales", json={"lines": lines, "tenders": tenders, **extra}, headers=headers)


def outbox(client, type_):
    db = client.app.state.edge.db
    with db.read() as conn:
        rows = conn.execute("SELECT payload, actor FROM outbox WHERE type = ? ORDER BY seq", (type_,)).fetchall()
    return [(json.loads(r["payload"]), r["actor"]) for r in rows]


class TestRecordingASale:
    def test_a_cash_sale_by_barcode_answers_the_receipt_with_change_and_tax(self, signed_in):
        receive(signed_in, "TEE-RED-M", 5)
        answer = sale(signed_in, [{"barcode": "4006381333931", "qty": 2}], [{"type": "cash", "amount": 5000}])
        assert answer.status_code == 201, answer.text
        receipt = answer.json()
        assert receipt["receipt_number"] == "S001-000001"
        assert (receipt["total"], receipt["change_due"], receipt["currency"]) == (3980, 1020, "EUR")
        assert receipt["tax_included"] == [{"rate_bp": 1900, "gross": 3980, "tax": 635}]
        assert signed_in.get("/v1/stock/TEE-RED-M").json()["on_hand"] == 3
        assert signed_in.get("/v1/sales/S001-000001").json() == {
            **receipt, "lines": [{**line, "returned": 0} for line in receipt["lines"]],
            "tenders": [{**tender, "refunded": 0} for tender in receipt["tenders"]]}

    def test_receipt_numbers_count_up_per_store(self, signed_in):
        numbers = [sale(signed_in, [{"sku": "MUG-01", "qty": 1}], [{"type": "cash", "amount": 890}]).json()
                   ["receipt_number"] for _ in range(3)]
        assert numbers == ["S001-000001", "S001-000002", "S001-000003"]

    def test_the_event_carries_lines_tenders_resulting_levels_and_the_cashier(self, signed_in):
        receive(signed_in, "MUG-01", 4)
        sale(signed_in, [{"sku": "MUG-01", "qty": 1}], [{"type": "card", "amount": 890, "reference": "T-77"}])
        [(payload, actor)] = outbox(signed_in, "sale.recorded")
        assert actor == "A1"
        assert payload["lines"] == [{"sku": "MUG-01", "qty": 1, "unit_price": 890, "tax_rate_bp": 0,
                                     "line_total": 890, "override": None}]
        assert payload["tenders"] == [{"type": "card", "amount": 890, "reference": "T-77"}]
        assert payload["stock"] == [{"sku": "MUG-01", "on_hand": 3, "reserved": 0, "damaged": 0}]

    def test_a_retry_with_the_same_idempotency_key_records_one_sale(self, signed_in):
        first = sale(signed_in, [{"sku": "MUG-01", "qty": 1}], [{"type": "cash", "amount": 890}], key="k1")
        again = sale(signed_in, [{"sku": "MUG-01", "qty": 1}], [{"type": "cash", "amount": 890}], key="k1")
        assert again.status_code == 201 and again.json() == first.json()
        assert len(outbox(signed_in, "sale.recorded")) == 1
        assert_problem(sale(signed_in, [{"sku": "MUG-01", "qty": 2}], [{"type": "cash", "amount": 1780}], key="k1"),
                       422, "idempotency_mismatch")

    def test_an_impossible_sale_is_recorded_with_a_discrepancy_and_a_count_task(self, signed_in):
        answer = sale(signed_in, [{"sku": "MUG-01", "qty": 2}], [{"type": "cash", "amount": 1780}]).json()
        assert answer["discrepancies"] == ["MUG-01"]
        assert signed_in.get("/v1/stock/MUG-01").json()["on_hand"] == -2
        with signed_in.app.state.edge.db.read() as conn:
            assert conn.execute("SELECT kind, sku FROM tasks WHERE status = 'open'").fetchall()[0]["kind"] == "count"


class TestRefusals:
    @pytest.mark.parametrize("tenders, code", [
        ([{"type": "cash", "amount": 100}], "tender_mismatch"),
        ([{"type": "card", "amount": 1000, "reference": "X"}], "tender_mismatch"),
        # The prefilled cash left beside a card for the whole total: the change would be cash never handed over.
        ([{"type": "card", "amount": 890, "reference": "T-1"}, {"type": "cash", "amount": 890}], "tender_mismatch"),
        ([{"type": "cheque", "amount": 890}], "validation_error"),
    ])
    def test_tenders_that_do_not_pay_the_total_change_nothing(self, signed_in, tenders, code):
        assert_problem(sale(signed_in, [{"sku": "MUG-01", "qty": 1}], tenders), 422, code)
        assert outbox(signed_in, "sale.recorded") == []
        assert signed_in.get("/v1/sales/S001-000001").status_code == 404

    def test_a_card_for_the_whole_total_needs_no_terminal_reference(self, signed_in):
        answer = sale(signed_in, [{"sku": "MUG-01", "qty": 1}], [{"type": "card", "amount": 890}])
        assert answer.status_code == 201, answer.text
        assert (answer.json()["change_due"], answer.json()["tenders"]) == (0, [{"type": "card", "amount": 890}])

    def test_store_credit_is_refused_while_central_is_unreachable(self, signed_in):
        assert_problem(sale(signed_in, [{"sku": "MUG-01", "qty": 1}],
                            [{"type": "store_credit", "amount": 890, "reference": "SC-1"}]), 503,
                       "central_unreachable")

    @pytest.mark.parametrize("line, status, code", [
        ({"sku": "NOPE", "qty": 1}, 404, "unknown_sku"),
        ({"barcode": "0000000000000", "qty": 1}, 404, "unknown_sku"),
        ({"sku": "MUG-01", "qty": 0}, 422, "validation_error"),
        ({"sku": "MUG-01", "barcode": "4006381333931", "qty": 1}, 422, "validation_error"),
    ])
    def test_bad_lines_are_problems(self, signed_in, line, status, code):
        assert_problem(sale(signed_in, [line], [{"type": "cash", "amount": 10000}]), status, code)
        assert outbox(signed_in, "sale.recorded") == []


class TestManagerApproval:
    def test_a_price_override_needs_a_manager(self, signed_in):
        line = {"sku": "MUG-01", "qty": 1, "price_override": 500, "override_reason": "chipped"}
        assert_problem(sale(signed_in, [line], [{"type": "cash", "amount": 500}]), 403, "manager_required")
        assert_problem(sale(signed_in, [line], [{"type": "cash", "amount": 500}],
                            manager={"id": "A1", "pin": "2468"}), 403, "manager_required")
        assert_problem(sale(signed_in, [line], [{"type": "cash", "amount": 500}],
                            manager={"id": "M1", "pin": "11111"}), 403, "manager_required")
        answer = sale(signed_in, [line], [{"type": "cash", "amount": 500}], manager=MANAGER)
        assert answer.status_code == 201, answer.text
        assert answer.json()["lines"][0]["override"] == {"catalog_price": 890, "reason": "chipped",
                                                         "approved_by": "M1"}

    def test_a_price_override_needs_a_reason(self, signed_in):
        assert_problem(sale(signed_in, [{"sku": "MUG-01", "qty": 1, "price_override": 500}],
                            [{"type": "cash", "amount": 500}], manager=MANAGER), 422, "validation_error")

    def test_wrong_manager_pins_are_throttled_like_sign_ins(self, signed_in):
        line = {"sku": "MUG-01", "qty": 1, "price_override": 500, "override_reason": "chipped"}
        for _ in range(5):
            sale(signed_in, [line], [{"type": "cash", "amount": 500}], manager={"id": "M1", "pin": "00000"})
        assert_problem(sale(signed_in, [line], [{"type": "cash", "amount": 500}], manager=MANAGER), 429,
                       "too_many_attempts")

    def test_selling_reserved_units_needs_a_manager(self, signed_in):
        receive(signed_in, "MUG-01", 2)
        with signed_in.app.state.edge.db.write() as conn:
            conn.execute("UPDATE stock SET reserved = 2 WHERE sku = 'MUG-01'")
        body = ([{"sku": "MUG-01", "qty": 1}], [{"type": "cash", "amount": 890}])
        assert_problem(sale(signed_in, *body), 403, "manager_required")
        answer = sale(signed_in, *body, manager=MANAGER)
        assert answer.status_code == 201 and answer.json()["approved_by"] == "M1"


class TestApprovalBeforeTheMoney:
    """`POST /v1/sales/approval`: the counter asks for the manager when a line is scanned or changed, before any
    card is charged; nothing is recorded."""

    def check(self, client, lines, **extra):
        return client.post("/v1/sales/approval", json={"lines": lines, **extra})

    def test_a_plain_basket_needs_no_manager(self, signed_in):
        answer = self.check(signed_in, [{"sku": "MUG-01", "qty": 2}])
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"total": 1780, "currency": "EUR", "needs_manager": [], "approved_by": None}

    def test_an_override_asks_for_a_manager_in_an_associates_words_and_records_nothing(self, signed_in):
        line = {"sku": "MUG-01", "qty": 1, "price_override": 500, "override_reason": "chipped"}
        body = assert_problem(self.check(signed_in, [line]), 403, "manager_required")
        assert body["detail"] == "A manager must approve this price: Mug 'Morning' at 5.00 instead of 8.90."
        assert_problem(self.check(signed_in, [line], manager={"id": "M1", "pin": "11111"}), 403, "manager_required")
        answer = self.check(signed_in, [line], manager=MANAGER)
        assert answer.status_code == 200 and answer.json()["approved_by"] == "M1"
        assert outbox(signed_in, "sale.recorded") == []

    def test_units_promised_to_orders_ask_for_a_manager(self, signed_in):
        receive(signed_in, "MUG-01", 2)
        with signed_in.app.state.edge.db.write() as conn:
            conn.execute("UPDATE stock SET reserved = 2 WHERE sku = 'MUG-01'")
        body = assert_problem(self.check(signed_in, [{"sku": "MUG-01", "qty": 1}]), 403, "manager_required")
        assert "promised to online orders" in body["detail"] and '"manager"' not in body["detail"]
        # The sale's own refusal speaks the same words.
        refused = assert_problem(sale(signed_in, [{"sku": "MUG-01", "qty": 1}], [{"type": "cash", "amount": 890}]),
                                 403, "manager_required")
        assert refused["detail"] == body["detail"]
