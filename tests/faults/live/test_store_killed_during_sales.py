"""kill -9 of a store at random moments during 1,000 sales: every sale the counter was told about (a 2xx) reaches
central exactly once, and nothing else does."""

import threading

import httpx

from tests.faults.live.network import Network, seeded

STORE = "F02"
SALES = 1000
KILLS = 4


def test_every_answered_sale_reaches_central_once_through_random_kills(network):
    rng = seeded("store-killed-during-sales")
    network.receive(0, qty=SALES + 10)
    allocations = network.order_pickups(2)  # allocations at the store: both sides must agree on them
    assert network.store.post(f"/v1/fulfilments/{allocations[0]}/accept").status_code == 200
    kill_at = set(rng.sample(range(SALES), KILLS))
    answered: dict[str, str] = {}  # idempotency key -> receipt number
    for n in range(SALES):
        key = f"{STORE}-sale-{n}"
        killer = None
        if n in kill_at:
            # A random moment inside or around this sale: before it commits, between commit and answer, or after.
            killer = threading.Timer(rng.uniform(0, 0.03), network.kill_edge)
            killer.start()
        try:
            answer = network.sell(key)
        except httpx.TransportError:
            answer = None
        if killer is not None:
            killer.join()
            network.edge.start()
            network.sign_in()
            # The counter tries again with the same key: the store answers the sale it recorded, or records it now.
            answer = network.sell(key)
        assert answer.status_code == 201, answer.text
        answered[key] = answer.json()["receipt_number"]

    assert len(set(answered.values())) == SALES  # one receipt for each sale, whatever was killed
    assert network.agrees(timeout=90) == []
    states = {f["allocation_id"]: f["status"] for f in network.store.get("/v1/fulfilments").json()["items"]}
    assert set(states) == set(allocations) and states[allocations[0]] == "accepted"
    central = {r["receipt_number"] for r in _central_receipts(network)}
    assert central == set(answered.values())


def _central_receipts(network: Network) -> list[dict]:
    items, cursor = [], None
    while True:
        page = network.head_office.get(f"/v1/audit/stores/{STORE}/receipts",
                                       params={"cursor": cursor} if cursor else {}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
