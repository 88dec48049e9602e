"""`omnistore demo --headless` as a newcomer runs it: everything answers, stock flows to central, Ctrl+C ends it all."""

import json
import os
import random
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from shared.launcher.demo_data import products, seed_quantity
from tests.conftest import WORKER, WORKERS
from tests.waiting import poll


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


DEMO_PORTS = (4222, 8222, 8100, 8101, 8102)
# Every port of a demo under 10,000: below the range the kernel gives outgoing connections as their own end (a demo
# on 50002 once found it taken by a connection of another process) and below `free_port`'s. Offsets are multiples
# of ten from 100 (the demo's own ports stay free for a person's demo), each worker its own share of them: two
# offsets whose ports could meet (8102 + a = 8222 + b, a − b = 120) always belong to the same worker, which runs one
# test at a time.
OFFSETS = [offset for offset in range(100, 10_000 - max(DEMO_PORTS), 10) if offset // 10 % WORKERS == WORKER]


def free_offset() -> int:
    for offset in random.sample(OFFSETS, len(OFFSETS)):
        if all(_free(port + offset) for port in DEMO_PORTS):
            return offset
    raise RuntimeError("no free port range for the demo")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie awaiting its parent has stopped running
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def launch(root, log) -> subprocess.Popen:
    """`omnistore demo --headless` in its own session, its data under `root/data`, its output in `log`."""
    return subprocess.Popen([sys.executable, "-m", "shared.launcher.cli", "demo", "--headless", "--dir", str(root / "data"),
                             "--port-offset", str(free_offset())], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def summary_of(root, process: subprocess.Popen) -> dict:
    """demo.json once the demo has written it (every part answers)."""
    summary_file = root / "data" / "demo.json"
    poll(lambda: summary_file.exists() or process.poll() is not None, 150, what="demo.json written")
    assert process.poll() is None, (root / "demo.out").read_text()
    return json.loads(summary_file.read_text())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    log = open(root / "demo.out", "wb")
    process = launch(root, log)
    try:
        summary = summary_of(root, process)
        yield process, summary, root
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        log.close()


def central(summary) -> httpx.Client:
    return httpx.Client(base_url=summary["central"]["url"], timeout=10,
                        headers={"Authorization": f"Bearer {summary['central']['token']}"})


def test_the_summary_names_every_part_with_fresh_credentials(demo):
    _, summary, root = demo
    assert set(summary["stores"]) == {"S001", "S002"} and summary["warehouses"] == ["DC1"]
    for store in summary["stores"].values():
        assert sorted(a["role"] for a in store["associates"]) == ["associate", "manager"]
        assert all(a["pin"].isdigit() for a in store["associates"])
    assert len(summary["central"]["token"]) >= 32
    pickup = next(o for o in summary["orders"] if o["delivery"] == "pickup")
    assert len(pickup["pickup_code"]) == 6
    assert oct((root / "data" / "demo.json").stat().st_mode)[-3:] == "600"


def test_central_knows_the_catalog_and_every_nodes_stock(demo):
    _, summary, _ = demo
    with central(summary) as http:
        sku = products()[3]["sku"]
        atp = http.get(f"/v1/atp/{sku}").json()
        nodes = {n["node_id"]: n for n in atp["nodes"]}
        for node in ("S001", "S002", "DC1"):
            expected = seed_quantity(node, sku)
            if expected:
                assert nodes[node]["on_hand"] == expected and nodes[node]["fresh"], atp
        stores = http.get("/v1/stores").json()["items"]
        assert {s["id"]: s["fresh"] for s in stores} == {"S001": True, "S002": True}
        assert {"lat", "lon", "last_seen", "backlog"} <= set(stores[0])


def test_a_receipt_at_a_store_reaches_central(demo):
    _, summary, _ = demo
    store = summary["stores"]["S001"]
    manager = next(a for a in store["associates"] if a["role"] == "manager")
    sku = products()[0]["sku"]
    with httpx.Client(base_url=store["url"], timeout=10) as edge, central(summary) as head_office:
        before = next(n for n in head_office.get(f"/v1/atp/{sku}").json()["nodes"] if n["node_id"] == "S001")
        token = edge.post("/v1/login", json={"associate_id": manager["id"], "pin": manager["pin"]}).json()["token"]
        received = edge.post("/v1/stock/receive", json={"sku": sku, "qty": 7, "reference": "DEL-42"},
                             headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "e2e-receive-1"})
        assert received.status_code in (200, 201), received.text

        def risen():
            node = next(n for n in head_office.get(f"/v1/atp/{sku}").json()["nodes"] if n["node_id"] == "S001")
            return node["on_hand"] == before["on_hand"] + 7 and node["fresh"]
        poll(risen, 30, what="central sees the receipt at S001")


def test_the_sample_receipt_of_harbour_can_be_returned_at_downtown(demo):
    _, summary, _ = demo
    receipt = summary["sample_receipt"]
    assert receipt["store"] == "S002" and receipt["number"].startswith("S002-")
    store = summary["stores"]["S001"]
    associate = next(a for a in store["associates"] if a["role"] == "associate")
    with httpx.Client(base_url=store["url"], timeout=10) as edge:
        token = edge.post("/v1/login", json={"associate_id": associate["id"], "pin": associate["pin"]}).json()["token"]
        edge.headers["Authorization"] = f"Bearer {token}"
        shown = poll(lambda: (answer := edge.get(f"/v1/sales/{receipt['number']}")).status_code == 200 and answer,
                     30, what="the Harbour receipt known at Downtown")
        assert shown.json()["sold_at"] == "S002"
        returned = edge.post("/v1/returns", json={"receipt_number": receipt["number"], "lines": [
            {"sku": "BOTL-750", "qty": 1, "reason": "wrong colour", "disposition": "restock"}]})
        assert returned.status_code == 201, returned.text
        assert returned.json()["refunds"] == [{"tender": "card", "amount": 2799}]


def readme_block(containing: str) -> str:
    """The README's shell block that contains `containing`, as a newcomer would paste it."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```sh\n")[1:]]
    return next(b for b in blocks if containing in b)


def test_the_readmes_curl_posts_the_warehouse_shipment_and_the_sample_ship_order_completes(demo):
    _, summary, root = demo
    order_id = next(o["id"] for o in summary["orders"] if o["delivery"] == "ship")
    with central(summary) as http:
        order = http.get(f"/v1/orders/{order_id}").json()
        assert [a["node_id"] for a in order["allocations"]] == ["DC1"] and order["status"] == "in_fulfilment"
        script = readme_block("/shipments").replace("http://127.0.0.1:8100", summary["central"]["url"]).replace(
            ".omnistore/demo.json", str(root / "data" / "demo.json"))
        ran = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "TOKEN": summary["central"]["token"]})
        assert ran.returncode == 0, ran.stderr
        order = http.get(f"/v1/orders/{order_id}").json()
    assert order["status"] == "completed", order
    [allocation] = order["allocations"]
    assert (allocation["carrier"], allocation["tracking_number"]) == ("DHL", "00340434161234567890")
    assert allocation["tracking_url"].endswith("tracking-id=00340434161234567890")


def test_the_readmes_reports_answer_against_the_demo(demo):
    _, summary, root = demo
    script = readme_block("/v1/reports/kpis").replace("http://127.0.0.1:8100", summary["central"]["url"])
    script = script.replace("curl -s ", "curl -sf ")  # a refusal fails the script
    ran = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "TOKEN": summary["central"]["token"]})
    assert ran.returncode == 0, ran.stderr
    assert '"orders":{"placed":' in ran.stdout and "date,metric,currency,value" in ran.stdout
    assert ran.stdout.count('"next_cursor"') == 2  # the order search and the store's receipts


def test_the_readmes_morning_at_head_office_runs_against_the_demo(demo, tmp_path):
    """The README's morning: KPIs, a price import, safety stock, a purchase order, an order by email, a token (each
    answer on a line of its own, any refusal failing the script)."""
    _, summary, root = demo
    script = readme_block("tokens create").replace("http://127.0.0.1:8100", summary["central"]["url"]).replace(
        ".omnistore/", f"{root / 'data'}/").replace("curl -s ", "curl -sf -w '\\n' ").replace(
        "uv run omnistore", f"{sys.executable} -m shared.launcher.cli")
    ran = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60,
                         cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    kpis, imported, safety, purchase, found, token = ran.stdout.splitlines()
    assert json.loads(kpis)["orders"]["placed"] == 0  # the demo began today
    assert json.loads(imported)["kind"] == "products" and json.loads(safety)["default"] == 2
    assert json.loads(purchase)["id"].startswith("PO-") and json.loads(purchase)["lines"][0]["outstanding"] == 48
    assert [o["customer"]["email"] for o in json.loads(found)["items"]] == ["hanna@example.com"]
    with central(summary) as http:
        done = poll(lambda: (state := http.get(f"/v1/imports/{json.loads(imported)['id']}").json())["status"] == "done"
                    and state, 30, what="the price import applied")
        assert (done["rows_applied"], done["rows_refused"]) == (1, 0)
        mug = next(p for p in http.get("/v1/products", params={"limit": 1000}).json()["items"] if p["sku"] == "MUG-HH")
        assert mug["price"] == 1249
        assert http.get("/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_interrupting_the_demo_stops_every_process(demo):
    process, summary, _ = demo
    pids = [summary["nats"]["pid"], summary["central"]["pid"], *(s["pid"] for s in summary["stores"].values())]
    process.send_signal(signal.SIGINT)
    process.wait(60)
    poll(lambda: not any(alive(pid) for pid in pids), 10, what="no process of the demo left running")


@pytest.mark.parametrize("how", [signal.SIGHUP, signal.SIGKILL], ids=["terminal-closed", "killed"])
def test_a_demo_whose_terminal_closes_or_that_is_killed_leaves_nothing_running(tmp_path, how):
    log = open(tmp_path / "demo.out", "wb")
    process = launch(tmp_path, log)
    try:
        summary = summary_of(tmp_path, process)
        pids = [summary["nats"]["pid"], summary["central"]["pid"], *(s["pid"] for s in summary["stores"].values())]
        process.send_signal(how)
        process.wait(60)
        poll(lambda: not any(alive(pid) for pid in pids), 30, what="every part of the demo gone")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()

