"""A store's `/metrics` while it is linked to a real nats-server: online, and its backlog drained as its events are
taken (offline figures: tests/unit/edge/test_metrics.py)."""

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.edge.conftest import add_products, running_edge, store_settings
from tests.waiting import eventually

STORE = "S006"


async def scrape(http) -> dict[str, float]:
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    return {s.name: s.value for family in text_string_to_metric_families(answer.text) for s in family.samples
            if s.labels.get("store") == STORE and "printer" not in s.labels}


async def test_an_online_store_shows_online_and_its_backlog_drains(tmp_path, nats_up, central_nats):
    settings = store_settings(tmp_path, nats_up, STORE)
    add_products(settings, "MET-MUG")
    async with running_edge(settings) as (app, http):
        assert (await http.post("/v1/stock/receive", json={"sku": "MET-MUG", "qty": 5, "reference": "DN-1"})
                ).status_code == 201
        for _ in range(2):
            sale = await http.post("/v1/sales", json={"lines": [{"sku": "MET-MUG", "qty": 1}],
                                                      "tenders": [{"type": "cash", "amount": 100}]})
            assert sale.status_code == 201, sale.text

        async def online_and_drained():
            figures = await scrape(http)
            return figures["omnistore_edge_online"] == 1 and figures["omnistore_edge_outbox_backlog"] == 0 and figures

        figures = await eventually(online_and_drained, what="online, every event published")
        assert figures["omnistore_edge_sales_total"] == 2
        assert figures["omnistore_edge_outbox_oldest_unsent_seconds"] == 0
