"""Returns through the real API and database: receipts, limits, refunds, dispositions, managers."""

import json

from tests.unit.edge.conftest import assert_problem

MANAGER = {"id": "M1", "pin": "97531"}


def sell(client, lines, tenders):
    answer = client.post("/v1/sales", json={"lines": lines, "tenders": tenders})
    assert answer.status_code == 201, answer.text
    return answer.json()["receipt_number"]


def give_back(client, key=None, **body):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/v1/returns", json=body, headers=headers)


def levels(client, sku="MUG-01"):
    body = client.get(f"/v1/stock/{sku}").json()
    return body["on_hand"], body["damaged"]


class TestReturnsOfAStoreReceipt:
    def test_a_restocked_return_refunds_card_before_cash_and_goes_back_on_the_shelf(self, signed_in):
        signed_in.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 5, "reference": "DN"})
        receipt = sell(signed_in, [{"sku": "MUG-01", "qty": 3}],
                       [{"type": "cash", "amount": 2000}, {"type": "card", "amount": 1000, "reference": "T1"}])
        answer = give_back(signed_in, receipt_number=receipt, lines=[
            {"sku": "MUG-01", "qty": 2, "reason": "unwanted", "disposition": "restock"}])
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["return_number"] == "S001-R000001" and body["refund_total"] == 1780
        assert body["refunds"] == [{"tender": "card", "amount": 1000}, {"tender": "cash", "amount": 780}]
        assert levels(signed_in) == (4, 0)
        with signed_in.app.state.edge.db.read() as conn:
            event = json.loads(conn.execute("SELECT payload FROM outbox WHERE type = 'return.recorded'")
                               .fetchone()["payload"])
        assert event["original"] == {"receipt_number": receipt}
        assert event["stock"] == [{"sku": "MUG-01", "on_hand": 4, "reserved": 0, "damaged": 0}]

    def test_never_more_than_sold_minus_already_returned(self, signed_in):
        receipt = sell(signed_in, [{"sku": "MUG-01", "qty": 2}], [{"type": "cash", "amount": 1780}])
        line = {"sku": "MUG-01", "qty": 1, "reason": "faulty", "disposition": "damaged"}
        assert give_back(signed_in, receipt_number=receipt, lines=[line]).status_code == 201
        assert levels(signed_in) == (-2, 1)
        assert_problem(give_back(signed_in, receipt_number=receipt, lines=[{**line, "qty": 2}]), 422,
                       "return_exceeds_sold")
        assert give_back(signed_in, receipt_number=receipt, lines=[{**line, "disposition": "write_off"}]).status_code \
            == 201
        assert levels(signed_in) == (-2, 1)
        assert_problem(give_back(signed_in, receipt_number=receipt, lines=[line]), 422, "return_exceeds_sold")

    def test_a_retried_return_refunds_once(self, signed_in):
        receipt = sell(signed_in, [{"sku": "MUG-01", "qty": 2}], [{"type": "cash", "amount": 1780}])
        line = {"sku": "MUG-01", "qty": 2, "reason": "unwanted", "disposition": "restock"}
        first = give_back(signed_in, key="r1", receipt_number=receipt, lines=[line])
        again = give_back(signed_in, key="r1", receipt_number=receipt, lines=[line])
        assert first.json() == again.json() and levels(signed_in) == (0, 0)

    def test_an_unknown_receipt_is_a_404(self, signed_in):
        assert_problem(give_back(signed_in, receipt_number="S001-999999", lines=[
            {"sku": "MUG-01", "qty": 1, "reason": "x", "disposition": "restock"}]), 404, "not_found")


class TestReturnsWithoutAReceipt:
    def test_need_a_manager_and_refund_the_catalog_price(self, signed_in):
        line = {"barcode": "4006381333931", "qty": 1, "reason": "gift", "disposition": "restock"}
        assert_problem(give_back(signed_in, lines=[line]), 403, "manager_required")
        answer = give_back(signed_in, lines=[line], refund_to="store_credit", manager=MANAGER)
        assert answer.status_code == 201, answer.text
        assert answer.json()["refunds"] == [{"tender": "store_credit", "amount": 1990, "reference": "S001-C000001"}]
        assert answer.json()["approved_by"] == "M1"

    def test_the_refund_is_the_amount_the_associate_confirmed_or_nothing_happens(self, signed_in):
        line = {"sku": "MUG-01", "qty": 3, "reason": "no receipt", "disposition": "restock"}
        before = levels(signed_in)
        body = assert_problem(give_back(signed_in, lines=[line], manager=MANAGER, confirmed_refund=890), 409,
                              "refund_mismatch")
        assert (body["refund_total"], body["confirmed_refund"]) == (2670, 890) and "26.70" in body["detail"]
        assert levels(signed_in) == before
        with signed_in.app.state.edge.db.read() as conn:
            assert conn.execute("SELECT count(*) FROM outbox WHERE type = 'return.recorded'").fetchone()[0] == 0
        answer = give_back(signed_in, lines=[line], manager=MANAGER, confirmed_refund=2670)
        assert answer.status_code == 201, answer.text
        assert answer.json()["refunds"] == [{"tender": "cash", "amount": 2670}]

    def test_a_confirmed_refund_is_checked_on_a_receipt_return_too(self, signed_in):
        receipt = sell(signed_in, [{"sku": "MUG-01", "qty": 2}], [{"type": "cash", "amount": 1780}])
        line = {"sku": "MUG-01", "qty": 2, "reason": "unwanted", "disposition": "restock"}
        assert_problem(give_back(signed_in, receipt_number=receipt, lines=[line], confirmed_refund=890), 409,
                       "refund_mismatch")
        assert signed_in.get(f"/v1/sales/{receipt}").json()["lines"][0]["returned"] == 0


class TestReturnsOfAnOnlineOrderWithoutHeadOffice:
    LINES = [{"sku": "MUG-01", "qty": 1, "reason": "unwanted", "disposition": "restock"}]

    def test_offline_an_online_order_without_a_token_is_503_central_unreachable_and_nothing_changes(self, signed_in):
        body = assert_problem(give_back(signed_in, order_id="ORD-1", lines=self.LINES), 503, "central_unreachable")
        assert body["order_id"] == "ORD-1" and "receipt token" in body["detail"]
        assert levels(signed_in) == (0, 0)
        with signed_in.app.state.edge.db.read() as conn:
            assert conn.execute("SELECT count(*) FROM returns").fetchone()[0] == 0

    def test_a_receipt_number_and_an_order_id_together_are_refused(self, signed_in):
        assert_problem(give_back(signed_in, receipt_number="S001-000001", order_id="ORD-1", lines=self.LINES), 422,
                       "validation_error")
