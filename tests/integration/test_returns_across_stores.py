"""A walk-in receipt returned at another store, with central and two stores as real processes over a real
nats-server: the receipt comes from central, the same units never come back twice (neither at the returning
store nor, once central has told it, at the selling store), and without central the return says why it waits."""

import uuid

import httpx
import pytest

from tests.processes import stores_with_central
from tests.waiting import poll

SELLER, RETURNER = "S007", "S003"
RUN = uuid.uuid4().hex[:6].upper()
SKU = f"XRET-{RUN}"


@pytest.fixture(scope="module")
def stores(tmp_path_factory, nats_server):
    places = {SELLER: ("Eppendorf", 53.59, 9.98), RETURNER: ("Altona", 53.55, 9.98)}
    with stores_with_central(tmp_path_factory.mktemp("returns-across-stores"), nats_server, places,
                             {SKU: ("Linen shirt", 3990)}) as (head_office, clients):
        clients[SELLER].post("/v1/stock/receive", json={"sku": SKU, "qty": 10, "reference": "DEL-1"}).raise_for_status()
        yield head_office, clients, nats_server


def sell(client: httpx.Client, qty: int) -> str:
    sale = client.post("/v1/sales", json={"lines": [{"sku": SKU, "qty": qty}],
                                          "tenders": [{"type": "card", "amount": 3990 * qty, "reference": "T-1"}]})
    assert sale.status_code == 201, sale.text
    return sale.json()["receipt_number"]


def give_back(client: httpx.Client, receipt: str, qty: int, key: str | None = None) -> httpx.Response:
    return client.post("/v1/returns", json={"receipt_number": receipt, "lines": [
        {"sku": SKU, "qty": qty, "reason": "does not fit", "disposition": "restock"}]},
        headers={"Idempotency-Key": key} if key else {})


def test_a_receipt_comes_back_at_another_store_once_and_the_selling_store_learns_it(stores):
    head_office, clients, _ = stores
    seller, returner = clients[SELLER], clients[RETURNER]
    receipt = sell(seller, 2)
    poll(lambda: head_office.get(f"/v1/receipts/{receipt}").status_code == 200, what="the sale at central")

    shown = returner.get(f"/v1/sales/{receipt}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["sold_at"] == SELLER and shown.json()["lines"][0]["name"] == "Linen shirt"

    before = returner.get(f"/v1/stock/{SKU}").json()["on_hand"]
    first = give_back(returner, receipt, 1, key=f"x-{RUN}")
    assert first.status_code == 201, first.text
    assert first.json()["original"] == {"receipt_number": receipt}
    assert first.json()["refunds"] == [{"tender": "card", "amount": 3990}]
    assert returner.get(f"/v1/stock/{SKU}").json()["on_hand"] == before + 1  # back on this store's shelf
    assert give_back(returner, receipt, 1, key=f"x-{RUN}").json() == first.json()  # a retry is the same return

    too_many = give_back(returner, receipt, 2)  # 2 sold, 1 back here (central may not know yet): 1 is left
    assert too_many.status_code == 422 and too_many.json()["code"] == "return_exceeds_sold"

    def central_counts_it():
        view = head_office.get(f"/v1/receipts/{receipt}").json()
        return view["lines"][0]["returned"] == 1 and view
    view = poll(central_counts_it, what="central counting the return")
    assert view["store_id"] == SELLER and view["tenders"][0]["refunded"] == 3990
    assert [r["store_id"] for r in view["returns"]] == [RETURNER] and view["refund_conflicts"] == []

    def seller_counts_it():
        sale = seller.get(f"/v1/sales/{receipt}").json()
        return sale["lines"][0]["returned"] == 1 and sale
    sale = poll(seller_counts_it, what="the selling store counting the return made elsewhere")
    assert sale["tenders"][0]["refunded"] == 3990
    refused = give_back(seller, receipt, 2)
    assert refused.status_code == 422 and refused.json()["code"] == "return_exceeds_sold"
    last = give_back(seller, receipt, 1)
    assert last.status_code == 201 and last.json()["refunds"] == [{"tender": "card", "amount": 3990}]
    poll(lambda: head_office.get(f"/v1/receipts/{receipt}").json()["lines"][0]["returned"] == 2,
         what="central counting both returns")
    assert give_back(returner, receipt, 1).json()["code"] == "return_exceeds_sold"


def test_an_unknown_receipt_of_another_store_is_a_404_that_says_so(stores):
    _, clients, _ = stores
    answer = give_back(clients[RETURNER], f"{SELLER}-999999", 1)
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"
    assert "No store has recorded" in answer.json()["detail"]


def test_without_central_another_stores_receipt_waits_with_a_reason_and_nothing_changes(stores):
    head_office, clients, nats = stores
    receipt = sell(clients[SELLER], 1)
    poll(lambda: head_office.get(f"/v1/receipts/{receipt}").status_code == 200, what="the sale at central")
    returner = clients[RETURNER]
    before = returner.get(f"/v1/stock/{SKU}").json()["on_hand"]
    nats.stop()
    try:
        poll(lambda: not returner.get("/v1/sync/status").json()["online"], what="the store offline")
        answer = give_back(returner, receipt, 1)
        assert answer.status_code == 503 and answer.json()["code"] == "central_unreachable"
        assert "head office" in answer.json()["detail"] and "without a receipt" in answer.json()["detail"]
        own = give_back(returner, f"{RETURNER}-999999", 1)  # its own receipts never need central
        assert own.status_code == 404
        assert returner.get(f"/v1/stock/{SKU}").json()["on_hand"] == before
    finally:
        nats.start()
    poll(lambda: returner.get("/v1/sync/status").json()["online"], what="the store back online")
    assert give_back(returner, receipt, 1).status_code == 201
