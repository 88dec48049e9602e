"""`GET /metrics` of central, scraped after real traffic (a store's events over a nats-server, orders
through the API) and parsed as Prometheus parses it: each figure is what was done."""

from prometheus_client.parser import text_string_to_metric_families

from shared.runtime.ids import uuid7
from tests.conftest import free_port
from tests.integration.central.conftest import (
    PRODUCT_BODY,
    STORE_BODY,
    StoreEmitter,
    running_central,
    store_link,
)
from tests.waiting import eventually

STORE = "S007"
NEARBY = {"type": "ship", "address": {"name": "Ada Lovelace", "line1": "10 Downing St", "city": "London",
                                     "postal_code": "SW1A 2AA", "country": "GB", "lat": 51.5034, "lon": -0.1276}}


async def scrape(central, token: str) -> dict[tuple[str, tuple], float]:
    answer = await central.client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


async def test_centrals_figures_follow_a_stores_events_and_the_orders_placed(make_settings, nats_up):
    sku = f"MET-{uuid7()[-8:]}"
    store = (("store", STORE),)
    async with running_central(make_settings(webhook_allow_private_urls=True)) as central, \
            store_link(nats_up, STORE) as link:
        # Prometheus scrapes with a read token; without one it is refused like the rest of the API.
        made = await central.client.post("/v1/tokens", json={"name": f"prometheus-{uuid7()[-6:]}", "scopes": ["read"]})
        token = made.json()["token"]
        refused = await central.client.get("/metrics", headers={"Authorization": ""})
        assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"

        assert (await central.client.put(f"/v1/stores/{STORE}", json=STORE_BODY)).status_code in (200, 201)
        assert (await central.client.put(f"/v1/products/{sku}", json=PRODUCT_BODY)).status_code == 201
        hook = await central.client.post("/v1/webhooks", json={"url": f"http://127.0.0.1:{free_port()}/down",
                                                                "events": ["allocated"]})
        assert hook.status_code == 201, hook.text

        emitter = StoreEmitter(link, STORE)
        for seq in (1, 2, 3):
            await emitter.received(seq, sku, 10, on_hand=10 * seq)
        await emitter.heartbeat(3)
        await eventually(lambda: central.applied_seq(STORE) == 3, what="three events applied")
        await eventually(lambda: central.query("SELECT hb_last_seq FROM store_sync WHERE store_id=?", STORE)[0][0]
                         == 3, what="the heartbeat recorded")

        orders = []
        for _ in range(2):
            placed = await central.client.post("/v1/orders", json={
                "channel": "web", "customer": {"name": "Ada Lovelace"}, "lines": [{"sku": sku, "qty": 1}],
                "delivery": NEARBY})
            assert placed.status_code == 201 and placed.json()["status"] == "allocated", placed.text
            orders.append(placed.json()["id"])
        for order_id in orders:
            assert (await central.client.get(f"/v1/orders/{order_id}")).status_code == 200

        figures = await scrape(central, token)
        assert figures[("omnistore_central_events_ingested_total", store)] == 3
        assert figures[("omnistore_central_events_pending", store)] == 0
        assert figures[("omnistore_central_events_parked", store)] == 0
        assert figures[("omnistore_central_ingest_lag_seconds", store)] == 0
        assert figures[("omnistore_central_orders", (("status", "allocated"),))] == 2
        assert figures[("omnistore_central_orders", (("status", "completed"),))] == 0
        assert figures[("omnistore_central_routing_duration_seconds_count", ())] == 2
        assert figures[("omnistore_central_webhook_backlog", ())] == 2  # one "allocated" per order, receiver down
        assert figures[("omnistore_central_nats_online", ())] == 1
        one_order = (("method", "GET"), ("route", "/v1/orders/{order_id}"), ("status", "200"))
        assert figures[("omnistore_http_request_duration_seconds_count", one_order)] == 2
        assert not any(orders[0] in str(labels) for _, labels in figures)

        # The store says it has written two more events that central has not got: pending, then lagging.
        await emitter.heartbeat(5)
        await eventually(lambda: central.query("SELECT hb_last_seq FROM store_sync WHERE store_id=?", STORE)[0][0]
                         == 5, what="the second heartbeat recorded")
        figures = await scrape(central, token)
        assert figures[("omnistore_central_events_pending", store)] == 2

        async def lagging():
            return (await scrape(central, token))[("omnistore_central_ingest_lag_seconds", store)] > 0

        await eventually(lagging, what="central behind the store")
        await emitter.received(5, sku, 10, on_hand=50)  # above a gap: parked
        await eventually(lambda: len(central.service.ingest.held_arrivals(STORE)) == 1, what="seq 5 parked")
        figures = await scrape(central, token)
        assert figures[("omnistore_central_events_parked", store)] == 1
        assert figures[("omnistore_central_events_ingested_total", store)] == 3

        await emitter.received(4, sku, 10, on_hand=40)
        await eventually(lambda: central.applied_seq(STORE) == 5, what="the gap filled")

        async def caught_up():
            now = await scrape(central, token)
            return now[("omnistore_central_ingest_lag_seconds", store)] == 0 and now

        figures = await eventually(caught_up, what="central caught up")
        assert figures[("omnistore_central_events_ingested_total", store)] == 5
        assert figures[("omnistore_central_events_pending", store)] == 0
        assert figures[("omnistore_central_events_parked", store)] == 0
