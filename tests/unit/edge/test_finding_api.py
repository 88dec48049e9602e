"""`GET /v1/fulfilments/find`: an open order found by what the associate has in hand."""

import hashlib

from edge.domain.finding import Candidate, find
from tests.unit.edge.conftest import assert_problem
from tests.unit.edge.test_fulfilments_api import CODE, assign, receive


def found(client, q):
    answer = client.get("/v1/fulfilments/find", params={"q": q})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body["matched_by"], [f["order_id"] for f in body["items"]]


def test_by_pickup_code_order_number_bag_tag_or_part_of_the_name(signed_in):
    receive(signed_in, "MUG-01", 5)
    assign(signed_in, "AL-1")
    assign(signed_in, "AL-2", type_="ship", customer={"name": "Kimberly Ship"},
           pickup_code_hash=hashlib.sha256(b"OTHER1").hexdigest())
    assert found(signed_in, "k7q-2x9") == ("pickup_code", ["O-AL-1"])  # as a customer reads it out
    assert found(signed_in, "o-al-2") == ("order_number", ["O-AL-2"])  # the bag tag's QR holds the order number
    assert found(signed_in, "kim") == ("customer_name", ["O-AL-1", "O-AL-2"])
    assert found(signed_in, "nobody") == (None, [])


def test_an_empty_query_is_a_problem(signed_in):
    assert_problem(signed_in.get("/v1/fulfilments/find", params={"q": ""}), 422, "validation_error")


def test_finished_orders_are_not_found_and_one_letter_finds_no_name():
    kim = Candidate("A", "O-1", "collected", "Kim", hashlib.sha256(CODE.encode()).hexdigest())
    assert find(CODE, [kim]) == (None, [])
    assert find("k", [Candidate("B", "O-2", "ready", "Kim", None)]) == (None, [])
