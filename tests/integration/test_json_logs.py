"""`--log-format json` on the real commands: every line a process writes is one JSON object, and the lines of a
request carry its id, the caller's own or one made for it, which is also answered in `X-Request-ID`."""

import json
import re
from datetime import datetime, timezone

import httpx
import pytest

from edge.services.access import AssociateIn, save_associates
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct
from shared.launcher.processes import Child, python_module, wait_http
from tests.conftest import free_port
from tests.processes import ASSOCIATE

pytestmark = pytest.mark.slow  # real processes
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NOBODY_LISTENS = "nats://127.0.0.1:{port}"  # the logs do not need NATS: the link keeps trying meanwhile


def json_lines(child: Child) -> list[dict]:
    """Every line the process wrote (stdout and stderr), each parsed: one that is not JSON fails the test."""
    lines = [line for line in child.log_file.read_text().splitlines() if line.strip()]
    assert lines
    parsed = [json.loads(line) for line in lines]
    for line in parsed:
        assert {"time", "level", "logger", "message"} <= set(line), line
    return parsed


def test_central_logs_json_lines_with_each_requests_id(tmp_path):
    token = "json-logs-admin-3c9e1f7a"
    port = free_port()
    child = Child("central", python_module(
        "central", "serve", "--port", str(port), "--db", str(tmp_path / "central.db"), "--log-format", "json",
        "--nats-url", NOBODY_LISTENS.format(port=free_port())), tmp_path / "central.log",
        {"OMNISTORE_CENTRAL_ADMIN_TOKEN": token})
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", child)
        url, admin = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
        mine = httpx.get(f"{url}/v1/stores", headers={**admin, "X-Request-ID": "hq-7f3a.call:1"})
        made = httpx.get(f"{url}/v1/stores", headers=admin)
        forged = httpx.get(f"{url}/v1/stores", headers={**admin, "X-Request-ID": "x" * 129})
        refused = httpx.get(f"{url}/v1/stores", headers={"X-Request-ID": "no-token-2"})
    finally:
        child.stop()
    assert mine.status_code == 200 and mine.headers["X-Request-ID"] == "hq-7f3a.call:1"
    assert UUID.match(made.headers["X-Request-ID"])
    assert UUID.match(forged.headers["X-Request-ID"])  # too long: replaced, never written to the logs
    assert refused.status_code == 401 and refused.headers["X-Request-ID"] == "no-token-2"
    lines = json_lines(child)
    by_id = {}
    for line in lines:
        by_id.setdefault(line.get("request_id"), []).append(line)
    assert any("GET /v1/stores" in line["message"] and line["logger"] == "uvicorn.access"
               for line in by_id["hq-7f3a.call:1"])
    assert any("401" in line["message"] for line in by_id["no-token-2"])
    assert made.headers["X-Request-ID"] in by_id
    assert not any("x" * 129 in json.dumps(line) for line in lines)
    # Outside a request (starting, the NATS link) a line has no request id.
    assert any(line["logger"].startswith("uvicorn") and "request_id" not in line for line in lines)


def test_a_stores_agent_logs_json_lines_and_a_line_logged_inside_a_sale_carries_its_id(tmp_path):
    db, port = tmp_path / "edge-S001.db", free_port()
    store_db = open_database(db)
    save_associates(store_db, [AssociateIn(**ASSOCIATE)], datetime.now(timezone.utc))
    with store_db.write() as conn:
        upsert_product(conn, CatalogProduct(sku="MUG-01", name="Mug", price=890, currency="EUR"))
    store_db.close()
    child = Child("edge", python_module(
        "edge", "serve", "--store", "S001", "--port", str(port), "--db", str(db), "--log-format", "json",
        "--nats-url", NOBODY_LISTENS.format(port=free_port())), tmp_path / "edge.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", child)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
            login = http.post("/v1/login", json={"associate_id": ASSOCIATE["id"], "pin": ASSOCIATE["pin"]})
            http.headers["Authorization"] = f"Bearer {login.json()['token']}"
            assert http.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 2, "reference": "DN-1"}).is_success
            # No printer is configured: the sale is recorded and says so in the log, from the route's thread.
            sale = http.post("/v1/sales", headers={"X-Request-ID": "till-2-sale-0042"}, json={
                "lines": [{"sku": "MUG-01", "qty": 1}], "tenders": [{"type": "cash", "amount": 890}]})
    finally:
        child.stop()
    assert sale.status_code == 201 and sale.headers["X-Request-ID"] == "till-2-sale-0042"
    of_the_sale = [line for line in json_lines(child) if line.get("request_id") == "till-2-sale-0042"]
    assert any(line["logger"] == "uvicorn.access" and "POST /v1/sales" in line["message"] for line in of_the_sale)
    assert any(not line["logger"].startswith("uvicorn") for line in of_the_sale), of_the_sale
