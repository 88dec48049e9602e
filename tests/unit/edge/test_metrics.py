"""`GET /metrics` of a store, scraped after real traffic through its API and parsed as Prometheus parses it."""

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from edge.api.app import create_app
from edge.printing.printers import PrinterConfig
from edge.printing.service import PrintingSettings
from edge.services.access import AssociateIn, save_associates
from edge.settings import EdgeSettings
from edge.store.schema import open_database
from tests.conftest import free_port
from tests.unit.edge.conftest import T0, add_products


def scrape(client: TestClient) -> dict[tuple[str, tuple], float]:
    """Every sample of the exposition, by (name, sorted labels)."""
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def refused_port() -> int:
    """A loopback port nothing listens on: a printer there is switched off."""
    return free_port()


def test_a_stores_figures_are_what_was_done_at_its_counter(tmp_path):
    settings = EdgeSettings(store_id="S001", db_path=tmp_path / "edge.db", printing=PrintingSettings(
        printers=[PrinterConfig(name="till-1", target=f"network:127.0.0.1:{refused_port()}", kind="receipt"),
                  PrinterConfig(name="labels", target=f"network:127.0.0.1:{refused_port()}", kind="label")],
        retry_first_seconds=60, send_timeout_seconds=0.2))
    db = open_database(settings.db_path)
    add_products(db)
    save_associates(db, [AssociateIn(id="A1", name="Ana", pin="2468")], T0)
    db.close()
    with TestClient(create_app(settings, with_nats=False)) as client:
        store = (("store", "S001"),)
        before = scrape(client)
        assert before[("omnistore_edge_sales_total", store)] == 0
        assert before[("omnistore_edge_online", store)] == 0  # no link to NATS at all

        token = client.post("/v1/login", json={"associate_id": "A1", "pin": "2468"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 9, "reference": "DN-1"}).status_code \
            == 201
        receipts = [client.post("/v1/sales", json={"lines": [{"sku": "MUG-01", "qty": 1}],
                                                   "tenders": [{"type": "cash", "amount": 890}]}).json()
                    ["receipt_number"] for _ in range(3)]
        client.get(f"/v1/sales/{receipts[0]}")
        client.get(f"/v1/sales/{receipts[1]}")

        after = scrape(client)
        assert after[("omnistore_edge_sales_total", store)] == 3
        # The delivery and the three sales, all unsent, on top of what a new database opens with (its epoch's snapshot).
        backlog = ("omnistore_edge_outbox_backlog", store)
        assert after[backlog] == before[backlog] + 4
        assert after[("omnistore_edge_outbox_oldest_unsent_seconds", store)] >= 0
        # Each sale's receipt waits for the switched-off till printer; the label printer has nothing to do.
        assert after[("omnistore_edge_print_queue", (("printer", "till-1"), *store))] == 3
        assert after[("omnistore_edge_print_queue", (("printer", "labels"), *store))] == 0
        assert after[("omnistore_edge_printer_failing", (("printer", "labels"), *store))] == 0
        assert after[("omnistore_edge_online", store)] == 0
        # Latency by route template: the two receipts read are one series, not one per receipt number.
        get_receipt = (("method", "GET"), ("route", "/v1/sales/{receipt}"), ("status", "200"))
        assert after[("omnistore_http_request_duration_seconds_count", get_receipt)] == 2
        sales = (("method", "POST"), ("route", "/v1/sales"), ("status", "201"))
        assert after[("omnistore_http_request_duration_seconds_count", sales)] == 3
        assert not any(receipts[0] in str(labels) for _, labels in after)
        # A path no route takes is one series too, whatever the path.
        client.get("/v1/nothing/here/1")
        client.get("/v1/nothing/here/2")
        unmatched = (("method", "GET"), ("route", "<unmatched>"), ("status", "404"))
        assert scrape(client)[("omnistore_http_request_duration_seconds_count", unmatched)] == 2


def test_two_stores_in_one_process_keep_their_own_figures(tmp_path):
    apps = []
    for store_id in ("S001", "S002"):
        settings = EdgeSettings(store_id=store_id, db_path=tmp_path / f"edge-{store_id}.db")
        apps.append(create_app(settings, with_nats=False))
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        first.get("/healthz")
        first.get("/healthz")
        healthz = ("omnistore_http_request_duration_seconds_count",
                   (("method", "GET"), ("route", "/healthz"), ("status", "200")))
        assert scrape(first)[healthz] == 2
        assert healthz not in scrape(second)
        assert ("omnistore_edge_sales_total", (("store", "S002"),)) in scrape(second)
