"""A walk-in receipt returned at another store, with central and two stores as real processes over a real
nats-server: the receipt comes from central, the same units never come back twice (neither at the returning
store nor, once central has told it, at the selling store), and without central the return says why it waits."""

import uuid

import httpx
import pytest

from tests.processes import MANAGER, CentralProcess, EdgeProcess
from tests.waiting import poll

SELLER, RETURNER = "S007", "S003"
RUN = uuid.uuid4().hex[:6].upper()
SKU = f"XRET-{RUN}"


def signed_in(edge: EdgeProcess) -> httpx.Client:
    client = httpx.Client(base_url=edge.url, timeout=15)
    token = client.post("/v1/login", json={"associate_id": MANAGER["id"], "pin": MANAGER["pin"]}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


@pytest.fixture(scope="module")
def stores(tmp_path_factory, nats_server):
    root = tmp_path_factory.mktemp("returns-across-stores")
    central = CentralProcess(root, nats_server).start()
    head_office = httpx.Client(base_url=central.url, headers={"Authorization": f"Bearer {central.token}"}, timeout=10)
    for store_id, name, lat in ((SELLER, "Eppendorf", 53.59), (RETURNER, "Altona", 53.55)):
        head_office.put(f"/v1/stores/{store_id}", json={"name": name, "address": f"{name}, Hamburg", "lat": lat,
                                                        "lon": 9.98}).raise_for_status()
    head_office.put(f"/v1/products/{SKU}", json={"sku": SKU, "name": "Linen shirt", "price": 3990, "currency": "EUR",
                                                 "tax_rate_bp": 1900}).raise_for_status()
    edges = {store_id: EdgeProcess(root, store_id, nats_server, name=store_id).start()
             for store_id in (SELLER, RETURNER)}
    clients = {store_id: signed_in(edge) for store_id, edge in edges.items()}
    for client in clients.values():
        poll(lambda c=client: c.get(f"/v1/stock/{SKU}").status_code == 200, what="the catalog at the store")
    clients[SELLER].post("/v1/stock/receive", json={"sku": SKU, "qty": 10, "reference": "DEL-1"}).raise_for_status()
    yield head_office, clients, nats_server
    for client in clients.values():
        client.close()
    head_office.close()
    for edge in edges.values():
        edge.stop()
    central.stop()


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
