"""Returns of online orders while head office cannot be asked: the order comes from its Ed25519 receipt token,
verified with the keys central published (stored as the catalog follower stores them)."""

import json
from datetime import timedelta

from edge.store.products import put_catalog_setting
from shared.contract.events import CatalogKeys
from shared.contract.receipt_tokens import new_keypair
from shared.runtime.receipt_tokens import sign
from tests.unit.edge.conftest import T0, assert_problem

KID = "k2026"


def claims(order_id="ORD-7", **overrides) -> dict:
    """Two mugs at a discounted 700 and a T-shirt at 1500, paid 1400 online and 1500 with a gift card."""
    base = {"order_id": order_id, "currency": "EUR",
            "lines": [{"sku": "MUG-01", "qty": 2, "unit_price": 700}, {"sku": "TEE-RED-M", "qty": 1, "unit_price": 1500}],
            "total": 2900, "paid": [{"tender": "online", "amount": 1400}, {"tender": "gift_card", "amount": 1500}],
            "issued_at": "2026-03-01T10:00:00Z"}
    return {**base, **overrides}


def store_keys(client, **keys: str) -> None:
    with client.app.state.edge.db.write() as conn:
        put_catalog_setting(conn, "keys", CatalogKeys(keys=keys, current=next(iter(keys), None)).model_dump_json())


def give_back(client, token, lines, order_id="ORD-7", **extra):
    return client.post("/v1/returns", json={"order_id": order_id, "receipt_token": token, "lines": lines, **extra})


def line(sku="MUG-01", qty=1, disposition="restock"):
    return {"sku": sku, "qty": qty, "reason": "unwanted", "disposition": disposition}


def mugs_on_hand(client) -> int:
    return client.get("/v1/stock/MUG-01").json()["on_hand"]


class TestOfflineReturnsFromAReceiptToken:
    def test_prices_currency_and_tenders_come_from_the_token_and_never_more_than_it_sold(self, signed_in):
        private, public = new_keypair()
        store_keys(signed_in, **{KID: public})
        token = sign(claims(), private, KID)
        first = give_back(signed_in, token, [line(qty=1)])
        assert first.status_code == 201, first.text
        body = first.json()
        assert body["original"] == {"order_id": "ORD-7"} and body["currency"] == "EUR"
        assert body["refund_total"] == 700  # the price paid, not the catalog's 890
        assert body["refunds"] == [{"tender": "online", "amount": 700}]  # unknown tenders in the order paid
        assert mugs_on_hand(signed_in) == 1
        # the token still says 2 mugs: only the one left can come back, however often it is shown
        assert_problem(give_back(signed_in, token, [line(qty=2)]), 422, "return_exceeds_sold")
        second = give_back(signed_in, token, [line(qty=1), line("TEE-RED-M", 1)])
        assert second.status_code == 201, second.text
        assert second.json()["refunds"] == [{"tender": "online", "amount": 700},
                                            {"tender": "gift_card", "amount": 1500}]
        assert_problem(give_back(signed_in, token, [line(qty=1)]), 422, "return_exceeds_sold")
        with signed_in.app.state.edge.db.read() as conn:
            events = [json.loads(r["payload"]) for r in conn.execute(
                "SELECT payload FROM outbox WHERE type = 'return.recorded' ORDER BY seq")]
        assert [e["refunds"] for e in events] == [[{"tender": "online", "amount": 700}],
                                                  [{"tender": "online", "amount": 700},
                                                   {"tender": "gift_card", "amount": 1500}]]

    def test_store_credit_instead_of_the_online_payment(self, signed_in):
        private, public = new_keypair()
        store_keys(signed_in, **{KID: public})
        answer = give_back(signed_in, sign(claims(), private, KID), [line(qty=2)], refund_to="store_credit")
        assert answer.status_code == 201, answer.text
        assert answer.json()["refunds"] == [{"tender": "store_credit", "amount": 1400, "reference": "S001-C000001"}]

    def test_a_token_that_does_not_verify_is_422_invalid_receipt_token_and_nothing_changes(self, signed_in):
        private, public = new_keypair()
        other_private, _ = new_keypair()
        body = assert_problem(give_back(signed_in, sign(claims(), private, KID), [line()]), 422,
                              "invalid_receipt_token")
        assert "No keys from head office" in body["detail"]  # none have arrived yet
        store_keys(signed_in, **{KID: public})
        assert "signature" in assert_problem(give_back(signed_in, sign(claims(), other_private, KID), [line()]), 422,
                                             "invalid_receipt_token")["detail"]
        head, payload, signature = sign(claims(), private, KID).split(".")
        forged = sign(claims(lines=[{"sku": "MUG-01", "qty": 2, "unit_price": 7000}], total=14000,
                             paid=[{"tender": "online", "amount": 14000}]), other_private, KID).split(".")[1]
        assert_problem(give_back(signed_in, ".".join([head, forged, signature]), [line()]), 422,
                       "invalid_receipt_token")
        assert_problem(give_back(signed_in, "not-a-token", [line()]), 422, "invalid_receipt_token")
        assert mugs_on_hand(signed_in) == 0
        with signed_in.app.state.edge.db.read() as conn:
            assert conn.execute("SELECT count(*) FROM returns").fetchone()[0] == 0

    def test_a_token_of_another_order_is_refused(self, signed_in):
        private, public = new_keypair()
        store_keys(signed_in, **{KID: public})
        body = assert_problem(give_back(signed_in, sign(claims("ORD-8"), private, KID), [line()]), 422,
                              "invalid_receipt_token")
        assert "ORD-8" in body["detail"] and body["order_id"] == "ORD-7"

    def test_a_token_signed_with_a_rotated_out_key_still_verifies_while_central_lists_it(self, signed_in):
        old_private, old_public = new_keypair()
        _, new_public = new_keypair()
        store_keys(signed_in, new=new_public, old=old_public)
        answer = give_back(signed_in, sign(claims(), old_private, "old"), [line()])
        assert answer.status_code == 201, answer.text

    def test_the_token_of_an_order_this_store_fulfilled_is_used_when_the_customer_has_none(self, signed_in):
        private, public = new_keypair()
        store_keys(signed_in, **{KID: public})
        with signed_in.app.state.edge.db.write() as conn:
            at = T0.isoformat()
            conn.execute("INSERT INTO fulfilments (allocation_id, order_id, type, status, lines, customer, "
                         "receipt_token, accept_by, cmd_seq, assigned_at, updated_at) VALUES "
                         "('AL-1', 'ORD-7', 'pickup', 'collected', '[]', '{}', ?, ?, 1, ?, ?)",
                         (sign(claims(), private, KID), (T0 + timedelta(hours=2)).isoformat(), at, at))
        answer = give_back(signed_in, None, [line()])
        assert answer.status_code == 201, answer.text
        assert answer.json()["refund_total"] == 700
