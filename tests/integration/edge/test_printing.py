"""Counter printing through the real agent: the API's sales, returns and fulfilment steps queue their paper in the
same transaction, the spool worker sends it to printers on loopback sockets, and a printer outage never touches a
sale."""

import hashlib
import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.printing.printers import PrinterConfig
from edge.printing.service import PrintingSettings
from edge.services.access import AssociateIn, save_associates
from edge.settings import EdgeSettings
from edge.store.products import put_catalog_setting, upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct
from tests.conftest import free_port
from tests.edge_commands import deliver_to
from tests.integration.printing.conftest import LoopbackPrinter
from tests.waiting import poll

ESC_INIT, BARCODE, QR, CUT = b"\x1b@", b"\x1dk", b"\x1d(k", b"\x1dV"
CODE = "K7Q2X9"
SALE = {"lines": [{"sku": "MUG-01", "qty": 2}], "tenders": [{"type": "cash", "amount": 2000}]}



@contextmanager
def agent(tmp_path, printers: list[PrinterConfig] | None = None, **settings):
    """The real app running (offline: no NATS) with a small catalog, these printers, and associate A1 signed in."""
    printing = PrintingSettings(printers=printers or [], retry_first_seconds=0.1, retry_limit_seconds=0.3,
                                send_timeout_seconds=2)
    config = EdgeSettings(store_id="S001", store_name="Main Street", db_path=tmp_path / "edge.db",
                          store_address=["1 Market Square", "20095 Hamburg"], printing=printing, **settings)
    db = open_database(config.db_path)
    with db.write() as conn:
        upsert_product(conn, CatalogProduct(sku="MUG-01", name="Mug 'Morning'", price=890, currency="EUR",
                                            tax_rate_bp=1900))
    save_associates(db, [AssociateIn(id="A1", name="Ana", pin="2468")], datetime.now(timezone.utc))
    db.close()
    with TestClient(create_app(config, with_nats=False)) as client:
        token = client.post("/v1/login", json={"associate_id": "A1", "pin": "2468"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def deliver(client, type_: str, payload: dict) -> None:
    """What the command follower does with central's command: into the inbox, then carried out."""
    deliver_to(client.app.state.edge, type_, payload)


def assign(client, aid: str, type_: str, **extra) -> None:
    deliver(client, "fulfilment.assign", {
        "allocation_id": aid, "order_id": f"O-{aid}", "type": type_, "lines": [{"sku": "MUG-01", "qty": 1}],
        "customer": {"name": "Zoë Łukasz"}, "accept_by": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat(),
        **extra})


@contextmanager
def shipping_agent(tmp_path, counter, labels):
    """The agent with a receipt and a label printer and three mugs on the shelf."""
    printers = [receipt_printer(counter.target), PrinterConfig(name="labels", target=labels.target, kind="label")]
    with agent(tmp_path, printers) as client:
        client.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 3, "reference": "DN-1"})
        yield client


def journal(client, ref: str | None = None) -> list[dict]:
    return client.get("/v1/print/jobs", params={"ref": ref} if ref else {}).json()["items"]


@pytest.fixture
def counter():
    printer = LoopbackPrinter()
    yield printer
    printer.close()


@pytest.fixture
def labels():
    printer = LoopbackPrinter()
    yield printer
    printer.close()


def receipt_printer(target: str) -> PrinterConfig:
    return PrinterConfig(name="counter-1", target=target, kind="receipt", width=80)


class TestReceipts:
    def test_a_sale_through_the_api_puts_its_receipt_on_the_counter_printer(self, tmp_path, counter):
        with agent(tmp_path, [receipt_printer(counter.target)]) as client:
            sale = client.post("/v1/sales", json=SALE).json()
            job = poll(lambda: counter.jobs, what="the receipt reached the printer")[0]
            assert job.startswith(ESC_INIT) and BARCODE in job and CUT in job
            for text in (sale["receipt_number"], "Main Street", "1 Market Square", "Mug 'Morning'", "17.80",
                         "Change"):
                assert text.encode() in job, text
            assert [(j["kind"], j["ref"], j["status"]) for j in poll(
                lambda: [j for j in journal(client) if j["status"] == "sent"], what="the job marked sent")] == [
                ("receipt", sale["receipt_number"], "sent")]

    def test_a_printer_that_refuses_connections_never_fails_a_sale_and_the_receipt_prints_when_it_is_back(
            self, tmp_path):
        port = free_port()  # nothing listens there yet: the printer is off
        with agent(tmp_path, [receipt_printer(f"network:127.0.0.1:{port}")]) as client:
            sale = client.post("/v1/sales", json=SALE)
            assert sale.status_code == 201
            failing = poll(lambda: [p for p in client.get("/v1/sync/status").json()["printers"]
                                          if p["state"] == "failing"], what="the printer reported failing")
            assert failing[0]["name"] == "counter-1" and failing[0]["queued"] == 1 and failing[0]["last_error"]
            assert client.post("/v1/sales", json=SALE).status_code == 201  # still selling while it is off
            printer = LoopbackPrinter(port)  # switched back on
            try:
                poll(lambda: len(printer.jobs) == 2, what="both receipts printed")
                sent = sorted((j["sent_at"], j["ref"]) for j in poll(
                    lambda: all(j["sent_at"] for j in journal(client)) and journal(client), what="both marked sent"))
                assert [ref for _, ref in sent] == ["S001-000001", "S001-000002"]  # in the order they were sold
                state = poll(lambda: [p for p in client.get("/v1/sync/status").json()["printers"]
                                            if p["state"] == "ok"], what="the printer ok again")[0]
                assert state["queued"] == 0 and state["last_sent_at"]
            finally:
                printer.close()

    def test_a_receipt_is_reprinted_by_its_number_with_the_same_bytes(self, tmp_path, counter):
        with agent(tmp_path, [receipt_printer(counter.target)]) as client:
            number = client.post("/v1/sales", json=SALE).json()["receipt_number"]
            poll(lambda: counter.jobs, what="the receipt printed")
            again = client.post(f"/v1/print/receipt/{number}")
            assert again.status_code == 202 and again.json()["jobs"][0]["reprint_of"]
            jobs = poll(lambda: len(counter.jobs) == 2 and counter.jobs, what="the copy printed")
            assert jobs[0] == jobs[1]
            assert [j["kind"] for j in journal(client, number)] == ["receipt", "receipt"]
            missing = client.post("/v1/print/receipt/S001-999999")
            assert missing.status_code == 404 and missing.json()["code"] == "not_found"
            assert client.post(f"/v1/print/receipt/{number}", json={"printer": "nope"}).status_code == 422

    def test_a_sale_recorded_without_a_printer_prints_later_from_its_record(self, tmp_path, counter):
        with agent(tmp_path) as client:
            number = client.post("/v1/sales", json=SALE).json()["receipt_number"]
            assert journal(client) == []
        with agent(tmp_path, [receipt_printer(counter.target)]) as client:
            assert client.post(f"/v1/print/receipt/{number}").status_code == 202
            assert number.encode() in poll(lambda: counter.jobs, what="the receipt printed")[0]

    def test_a_return_prints_a_return_receipt(self, tmp_path, counter):
        with agent(tmp_path, [receipt_printer(counter.target)]) as client:
            number = client.post("/v1/sales", json=SALE).json()["receipt_number"]
            ret = client.post("/v1/returns", json={"receipt_number": number, "lines": [
                {"sku": "MUG-01", "qty": 1, "reason": "chipped", "disposition": "damaged"}]}).json()
            job = poll(lambda: [j for j in counter.jobs if ret["return_number"].encode() in j],
                             what="the return receipt printed")[0]
            assert b"chipped" in job and job.startswith(ESC_INIT) and CUT in job

    def test_a_return_to_store_credit_prints_the_credit_note_with_its_expiry_a_qr_and_a_barcode(self, tmp_path,
                                                                                              counter):
        with agent(tmp_path, [receipt_printer(counter.target)]) as client:
            with client.app.state.edge.db.write() as conn:  # the retailer's policy, as the catalog brings it
                put_catalog_setting(conn, "policy", json.dumps({"credit_note_valid_days": 365}))
            number = client.post("/v1/sales", json=SALE).json()["receipt_number"]
            ret = client.post("/v1/returns", json={"receipt_number": number, "refund_to": "store_credit", "lines": [
                {"sku": "MUG-01", "qty": 1, "reason": "gift", "disposition": "restock"}]}).json()
            [refund] = ret["refunds"]
            assert (refund["tender"], refund["amount"], refund["reference"]) == ("store_credit", 890, "S001-C000001")
            issued = datetime.fromisoformat(ret["occurred_at"].replace("Z", "+00:00"))
            assert refund["expires_at"][:10] == (issued + timedelta(days=365)).date().isoformat()
            note = poll(lambda: [j for j in counter.jobs if b"CREDIT NOTE" in j], what="the credit note printed")[0]
            for text in ("S001-C000001", "8.90", "Main Street", "Store S001", ret["return_number"],
                         refund["expires_at"][:10]):
                assert text.encode() in note, text
            assert QR in note and BARCODE in note and CUT in note
            again = client.post("/v1/print/credit-note/S001-C000001")
            assert again.status_code == 202, again.text
            poll(lambda: len([j for j in counter.jobs if b"CREDIT NOTE" in j]) == 2, what="the note reprinted")

    def test_the_end_of_day_summary_counts_the_days_takings(self, tmp_path, counter):
        with agent(tmp_path, [receipt_printer(counter.target)]) as client:
            number = client.post("/v1/sales", json=SALE).json()["receipt_number"]
            client.post("/v1/returns", json={"receipt_number": number, "lines": [
                {"sku": "MUG-01", "qty": 1, "reason": "chipped", "disposition": "damaged"}]})
            summary = client.post("/v1/print/end-of-day").json()
            assert (summary["sales_count"], summary["sales_total"], summary["returns_total"]) == (1, 1780, 890)
            assert summary["tenders"] == [{"type": "cash", "amount": 890}]
            assert summary["jobs"][0]["ref"] == f"EOD-S001-{summary['business_date']}"
            eod = poll(lambda: [j for j in counter.jobs if b"END OF DAY" in j], what="the summary printed")[0]
            assert summary["business_date"].encode() in eod


    def test_papers_show_the_stores_wall_clock_time_and_the_day_is_its_midnight_to_midnight(self, tmp_path, counter):
        place = ZoneInfo("Pacific/Auckland")  # far from UTC: its day and UTC's differ for half of every day
        with agent(tmp_path, [receipt_printer(counter.target)], timezone="Pacific/Auckland") as client:
            before = datetime.now(place)
            client.post("/v1/sales", json=SALE)
            after = datetime.now(place)
            job = poll(lambda: counter.jobs, what="the receipt printed")[0]
            shown = {moment.strftime("%Y-%m-%d %H:%M").encode() for moment in (before, after)}
            assert any(text in job for text in shown) and b"UTC" not in job
            today = after.date()
            summary = client.post("/v1/print/end-of-day").json()
            assert (summary["business_date"], summary["sales_count"]) == (today.isoformat(), 1)
            yesterday = client.post("/v1/print/end-of-day", json={"date": (today - timedelta(days=1)).isoformat()})
            assert yesterday.json()["sales_count"] == 0


class TestFulfilmentPaper:
    def test_accept_ready_and_collect_print_pick_list_bag_tag_and_collection_receipt(self, tmp_path, counter):
        with agent(tmp_path, [receipt_printer(counter.target)]) as client:
            client.post("/v1/stock/receive", json={"sku": "MUG-01", "qty": 3, "reference": "DN-1"})
            assign(client, "AL-1", "pickup", pickup_code_hash=hashlib.sha256(CODE.encode()).hexdigest(),
                   receipt_token="v1.O-AL-1.c2lnbmF0dXJl")  # accepted automatically: the pick list prints
            pick_list = poll(lambda: counter.jobs, what="the pick list printed")[0]
            assert b"O-AL-1" in pick_list and b"Mug 'Morning'" in pick_list
            client.post("/v1/fulfilments/AL-1/pick")
            client.post("/v1/fulfilments/AL-1/ready")
            tag = poll(lambda: len(counter.jobs) == 2 and counter.jobs[1], what="the bag tag printed")
            assert tag.startswith(ESC_INIT) and QR in tag and b"O-AL-1" in tag and CUT in tag
            client.post("/v1/fulfilments/AL-1/collect", json={"pickup_code": CODE})
            receipt = poll(lambda: len(counter.jobs) == 3 and counter.jobs[2], what="the collection receipt")
            assert QR in receipt and b"v1.O-AL-1.c2lnbmF0dXJl" in receipt
            assert [j["kind"] for j in reversed(journal(client, "O-AL-1"))] == ["pick-list", "bag-tag",
                                                                                 "collection"]

    def test_the_label_can_be_seen_before_it_ships_and_seeing_it_prints_nothing(self, tmp_path, counter, labels):
        with shipping_agent(tmp_path, counter, labels) as client:
            assign(client, "AL-4", "ship", ship_to={"name": "Ann Lee", "line1": "1 High St", "city": "Leeds",
                                                    "region": "West Yorkshire", "postal_code": "LS1 1AA",
                                                    "country": "GB", "phone": "+44 113 496 0000"})
            client.post("/v1/fulfilments/AL-4/pick")
            client.post("/v1/fulfilments/AL-4/pack", json={"parcels": [{"weight_g": 1200}]})
            seen = client.get("/v1/fulfilments/AL-4/label", params={"carrier": "Royal Mail",
                                                                   "tracking_number": "RM123"})
            assert seen.status_code == 200, seen.text
            preview = seen.json()
            assert preview["status"] == "packed"
            assert preview["ship_to"] == ["Ann Lee", "1 High St", "LS1 1AA Leeds", "West Yorkshire", "GB",
                                          "Tel +44 113 496 0000"]
            assert "^FDRM123^FS" in preview["zpl"] and "Weight 1.20 kg" in preview["text"]
            assert [j["kind"] for j in journal(client, "O-AL-4")] == ["packing-slip", "pick-list"]
            slip = poll(lambda: len(counter.jobs) >= 2 and counter.jobs[1], what="the packing slip")
            assert b"PACKING SLIP" in slip and b"LS1 1AA Leeds" in slip and b"Ann Lee" in slip
            client.post("/v1/fulfilments/AL-4/ship", json={"carrier": "Royal Mail", "tracking_number": "RM123"})
            printed = poll(lambda: labels.jobs, what="the label printed")[0].decode()
            assert printed == preview["zpl"]  # what was seen is what printed
            assign(client, "AL-5", "pickup")
            assert client.get("/v1/fulfilments/AL-5/label").status_code == 422
            assert client.get("/v1/fulfilments/NOPE/label").status_code == 404

    def test_an_assign_of_an_older_order_with_a_one_line_address_prints_it_under_the_customers_name(
            self, tmp_path, counter, labels):
        with shipping_agent(tmp_path, counter, labels) as client:
            assign(client, "AL-3", "ship", ship_to={"address": "10 Downing St, London SW1A 2AA", "lat": 51.5,
                                                    "lon": -0.12})
            client.post("/v1/fulfilments/AL-3/pick")
            client.post("/v1/fulfilments/AL-3/pack", json={"parcels": [{"weight_g": 500}]})
            client.post("/v1/fulfilments/AL-3/ship", json={"carrier": "DPD", "tracking_number": "DPD0001"})
            label = poll(lambda: labels.jobs, what="the label printed")[0].decode()
            assert "^FDZoë Łukasz^FS" in label and "^FD10 Downing St, London SW1A 2AA^FS" in label
            assert client.get("/v1/fulfilments/AL-3").json()["ship_to"] == {
                "name": "Zoë Łukasz", "line1": "10 Downing St, London SW1A 2AA", "lat": 51.5, "lon": -0.12}

    def test_shipping_prints_a_zpl_label_on_the_label_printer(self, tmp_path, counter, labels):
        with shipping_agent(tmp_path, counter, labels) as client:
            assign(client, "AL-2", "ship", ship_to={"name": "Ann Lee", "line1": "1 High St", "city": "Leeds",
                                                    "postal_code": "LS1 1AA", "country": "GB"})
            client.post("/v1/fulfilments/AL-2/pick")
            client.post("/v1/fulfilments/AL-2/pack", json={"parcels": [{"weight_g": 800}]})
            client.post("/v1/fulfilments/AL-2/ship", json={"carrier": "DHL", "tracking_number": "JJD0001234"})
            label = poll(lambda: labels.jobs, what="the label printed")[0].decode()
            assert label.startswith("^XA") and label.rstrip().endswith("^XZ")
            for field in ("JJD0001234", "Ann Lee", "LS1 1AA", "Main Street", "O-AL-2", "^BC"):
                assert field in label, field
            assert client.post("/v1/print/label/O-AL-2").status_code == 202
            assert poll(lambda: len(labels.jobs) == 2 and labels.jobs, what="the label again")[1] == label.encode()


class TestPreview:
    def test_with_only_a_print_dir_every_job_is_written_as_bin_and_readable_txt(self, tmp_path):
        prints = tmp_path / "prints" / "S001"
        with agent(tmp_path, print_dir=prints) as client:
            number = client.post("/v1/sales", json=SALE).json()["receipt_number"]
            text = poll(lambda: list(prints.glob("*-receipt.txt")), what="the preview written")[0].read_text()
            assert number in text and "Mug 'Morning'" in text
            assert list(prints.glob("*-receipt.bin"))[0].read_bytes().startswith(ESC_INIT)
            assert [p["name"] for p in client.get("/v1/print/printers").json()["items"]] == ["counter", "labels"]
