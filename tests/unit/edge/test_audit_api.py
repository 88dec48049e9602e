"""The store's side of `omnistore audit`: what it numbered, sold and holds, for managers only, page by page."""

from tests.unit.edge.conftest import assert_problem


def sign_in(client, associate_id: str, pin: str) -> None:
    token = client.post("/v1/login", json={"associate_id": associate_id, "pin": pin}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"


def pages(client, path: str, limit: int) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get(path, params={"limit": limit, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_an_associate_may_not_read_the_audit_lists(client):
    sign_in(client, "A1", "2468")
    for path in ("events", "receipts", "levels", "fulfilments"):
        assert_problem(client.get(f"/v1/audit/{path}"), 403, "forbidden")


def test_a_manager_reads_every_event_receipt_and_level_across_pages(client):
    sign_in(client, "M1", "97531")
    for n in range(3):
        assert client.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 2, "reference": f"D{n}"}).status_code \
            == 201
    receipts = [client.post("/v1/sales", json={"lines": [{"sku": "MUG-01", "qty": 1}],
                                                "tenders": [{"type": "cash", "amount": 890}]}).json()
                for _ in range(3)]

    events = pages(client, "/v1/audit/events", limit=2)
    status = client.get("/v1/sync/status").json()
    assert [e["seq"] for e in events] == list(range(1, status["last_seq"] + 1))
    assert {e["epoch"] for e in events} == {status["epoch"]} and not any(e["published"] for e in events)
    assert len({e["id"] for e in events}) == len(events)
    sold = {r["receipt_number"]: r["event_id"] for r in pages(client, "/v1/audit/receipts", limit=2)}
    assert sold == {r["receipt_number"]: r["event_id"] for r in receipts}
    assert [(level["sku"], level["on_hand"]) for level in pages(client, "/v1/audit/levels", limit=1)
            if level["on_hand"]] == [("MUG-01", 3)]
    assert_problem(client.get("/v1/audit/events", params={"cursor": "not-a-cursor"}), 422, "validation_error")
