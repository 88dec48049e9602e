"""Store credit as a ledger across the network, with central and two stores as real processes over a real
nats-server: a note issued by a return at one store is redeemed at another, partly and then to the end; two
stores spending one note at once cannot both have it; a retried sale redeems once; a sale that fails after the
check gives its hold back at once; and money going back to a store-credit tender becomes a new note."""

import threading
import uuid

import httpx
import pytest

from tests.processes import stores_with_central
from tests.waiting import poll

ISSUER, SPENDER = "S006", "S008"
RUN = uuid.uuid4().hex[:6].upper()
SKU = f"XCRD-{RUN}"
PRICE = 3990


@pytest.fixture(scope="module")
def network(tmp_path_factory, nats_server):
    places = {ISSUER: ("Ottensen", 53.55, 9.98), SPENDER: ("Winterhude", 53.59, 9.98)}
    with stores_with_central(tmp_path_factory.mktemp("store-credit"), nats_server, places,
                             {SKU: ("Wool scarf", PRICE)}) as (head_office, clients):
        for client in clients.values():
            poll(lambda c=client: c.get("/v1/sync/status").json()["online"], what="the store online")
            client.post("/v1/stock/receive", json={"sku": SKU, "qty": 50, "reference": "DEL-1"}).raise_for_status()
        yield head_office, clients


def issue_note(head_office: httpx.Client, store: httpx.Client) -> str:
    """A card sale of one scarf at `store`, returned to store credit: the note's number, once central has it."""
    sale = store.post("/v1/sales", json={"lines": [{"sku": SKU, "qty": 1}],
                                         "tenders": [{"type": "card", "amount": PRICE, "reference": "T-1"}]})
    assert sale.status_code == 201, sale.text
    back = store.post("/v1/returns", json={"receipt_number": sale.json()["receipt_number"], "refund_to": "store_credit",
                                           "lines": [{"sku": SKU, "qty": 1, "reason": "gift", "disposition": "restock"}]})
    assert back.status_code == 201, back.text
    [refund] = back.json()["refunds"]
    assert refund["tender"] == "store_credit" and refund["amount"] == PRICE
    number = refund["reference"]
    poll(lambda: head_office.get(f"/v1/credit-notes/{number}").status_code == 200, what="the note at central")
    return number


def pay(store: httpx.Client, tenders: list[dict], key: str | None = None, qty: int = 1) -> httpx.Response:
    return store.post("/v1/sales", json={"lines": [{"sku": SKU, "qty": qty}], "tenders": tenders},
                      headers={"Idempotency-Key": key} if key else {})


def credit(number: str, amount: int) -> dict:
    return {"type": "store_credit", "amount": amount, "reference": number}


def balance_becomes(head_office: httpx.Client, number: str, expected: int) -> dict:
    def reached():
        note = head_office.get(f"/v1/credit-notes/{number}").json()
        return note["balance"] == expected and note
    return poll(reached, what=f"the balance of {number} at {expected}")


def on_hand(store: httpx.Client) -> int:
    return store.get(f"/v1/stock/{SKU}").json()["on_hand"]


def test_a_note_issued_at_one_store_is_spent_at_another_in_parts_and_never_beyond_its_balance(network):
    head_office, clients = network
    number = issue_note(head_office, clients[ISSUER])
    assert number.startswith(f"{ISSUER}-C")
    note = head_office.get(f"/v1/credit-notes/{number}").json()
    assert (note["store_id"], note["currency"], note["original_amount"], note["balance"], note["status"],
            note["expires_at"]) == (ISSUER, "EUR", PRICE, PRICE, "open", None)
    owed = {o["currency"]: o["amount"] for o in head_office.get("/v1/credit-notes").json()["outstanding"]}
    assert owed["EUR"] >= PRICE

    spender = clients[SPENDER]
    first = pay(spender, [credit(number, 2500), {"type": "card", "amount": PRICE - 2500, "reference": "T-2"}])
    assert first.status_code == 201, first.text
    balance_becomes(head_office, number, PRICE - 2500)

    before = on_hand(spender)
    too_much = pay(spender, [credit(number, 2000), {"type": "card", "amount": PRICE - 2000, "reference": "T-3"}])
    assert too_much.status_code == 422, too_much.text
    problem = too_much.json()
    assert (problem["code"], problem["reason"], problem["available"]) == ("credit_note_refused", "insufficient",
                                                                           PRICE - 2500)
    assert "14.90 EUR left" in problem["detail"]
    assert on_hand(spender) == before  # nothing recorded

    rest = pay(spender, [credit(number, PRICE - 2500), {"type": "cash", "amount": 2500}])
    assert rest.status_code == 201, rest.text
    note = balance_becomes(head_office, number, 0)
    assert note["status"] == "spent" and note["held"] == 0
    assert [(e["kind"], e["amount"], e["store_id"]) for e in note["entries"]] == [
        ("issued", PRICE, ISSUER), ("redeemed", 2500, SPENDER), ("redeemed", PRICE - 2500, SPENDER)]
    assert [e["reference"] for e in note["entries"][1:]] == [first.json()["receipt_number"],
                                                            rest.json()["receipt_number"]]


def test_an_unknown_note_is_refused_with_a_sentence_and_nothing_is_recorded(network):
    _, clients = network
    store = clients[SPENDER]
    before = on_hand(store)
    answer = pay(store, [credit(f"{ISSUER}-C999999", PRICE)])
    assert answer.status_code == 422 and answer.json()["reason"] == "unknown"
    assert "There is no credit note" in answer.json()["detail"]
    assert on_hand(store) == before


def test_two_stores_spending_one_note_at_once_cannot_both_have_it(network):
    head_office, clients = network
    number = issue_note(head_office, clients[ISSUER])
    answers: dict[str, httpx.Response] = {}
    start = threading.Barrier(2)

    def spend(store_id: str) -> None:
        start.wait()
        answers[store_id] = pay(clients[store_id], [credit(number, PRICE)])

    threads = [threading.Thread(target=spend, args=(store_id,)) for store_id in (ISSUER, SPENDER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [201, 422], {k: v.text for k, v in answers.items()}
    refused = next(a for a in answers.values() if a.status_code == 422).json()
    assert refused["reason"] == "insufficient" and refused["available"] == 0
    note = balance_becomes(head_office, number, 0)
    assert [e["kind"] for e in note["entries"]] == ["issued", "redeemed"]


def test_a_retried_sale_redeems_once(network):
    head_office, clients = network
    number = issue_note(head_office, clients[ISSUER])
    spender = clients[SPENDER]
    tenders = [credit(number, 1000), {"type": "card", "amount": PRICE - 1000, "reference": "T-4"}]
    first = pay(spender, tenders, key=f"retry-{RUN}")
    again = pay(spender, tenders, key=f"retry-{RUN}")
    assert first.status_code == 201 and again.json() == first.json()
    note = balance_becomes(head_office, number, PRICE - 1000)
    assert [e["kind"] for e in note["entries"]] == ["issued", "redeemed"]


def test_a_sale_that_fails_after_the_check_gives_its_hold_back_at_once(network):
    head_office, clients = network
    number = issue_note(head_office, clients[ISSUER])
    spender = clients[SPENDER]
    short = pay(spender, [credit(number, PRICE)], qty=2)  # the note covers one scarf of two: tenders fall short
    assert short.status_code == 422 and short.json()["code"] == "tender_mismatch", short.text
    note = head_office.get(f"/v1/credit-notes/{number}").json()
    assert (note["balance"], note["held"]) == (PRICE, 0)  # released before the sale answered
    whole = pay(spender, [credit(number, PRICE)])
    assert whole.status_code == 201, whole.text
    balance_becomes(head_office, number, 0)


def test_money_going_back_to_a_store_credit_tender_becomes_a_new_note(network):
    head_office, clients = network
    number = issue_note(head_office, clients[ISSUER])
    spender = clients[SPENDER]
    sale = pay(spender, [credit(number, PRICE)])
    assert sale.status_code == 201, sale.text
    back = spender.post("/v1/returns", json={"receipt_number": sale.json()["receipt_number"], "lines": [
        {"sku": SKU, "qty": 1, "reason": "changed mind", "disposition": "restock"}]})
    assert back.status_code == 201, back.text
    [refund] = back.json()["refunds"]
    assert refund["tender"] == "store_credit" and refund["amount"] == PRICE
    renewed = refund["reference"]
    assert renewed.startswith(f"{SPENDER}-C") and renewed != number
    poll(lambda: head_office.get(f"/v1/credit-notes/{renewed}").status_code == 200, what="the new note at central")
    assert head_office.get(f"/v1/credit-notes/{renewed}").json()["balance"] == PRICE
    balance_becomes(head_office, number, 0)
