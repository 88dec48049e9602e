import pytest
from pydantic import ValidationError

from edge.printing.printers import PrinterConfig
from edge.printing.service import Printing, PrintingSettings, preview_printers
from edge.printing.spool import MIGRATION, JobNotFound, jobs_for
from shared.runtime.sqlite import Database
from tests.unit.printing.samples import HEADER, NOW, label, sale_body

ASSIGN = {"allocation_id": "AL-1", "order_id": "ORD-1001", "type": "pickup", "customer": {"name": "Zoë"},
          "lines": [{"sku": "MUG-01", "qty": 2}], "receipt_token": "v1.ORD-1001.sig",
          "pickup_by": "2026-03-09T18:00:00.000Z"}
SHIPPED = {"allocation_id": "AL-2", "order_id": "ORD-1002", "type": "ship", "customer": {"name": "Ann"},
           "lines": [{"sku": "MUG-01", "qty": 1}], "carrier": "DHL", "tracking_number": "JJD000999",
           "parcels": [{"weight_g": 800}, {"weight_g": 450}],
           "ship_to": {"name": "Ann Lee", "line1": "1 High St", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"}}


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "edge.db", [MIGRATION])
    yield database
    database.close()


@pytest.fixture
def printing(tmp_path):
    return Printing(PrintingSettings(printers=preview_printers(tmp_path / "prints" / "S001")), HEADER)


def kinds(db, ref) -> list[tuple[str, str]]:
    with db.read() as conn:
        return [(row["kind"], row["printer"]) for row in jobs_for(conn, ref)]


class TestPrintingSettings:
    def test_printer_names_are_unique(self):
        with pytest.raises(ValidationError, match="unique"):
            PrintingSettings(printers=[PrinterConfig(name="a", target="file:/x"),
                                       PrinterConfig(name="a", target="file:/y")])

    def test_an_unknown_printer_model_is_refused_when_the_settings_load(self):
        with pytest.raises(ValidationError, match="Unknown printer profile 'TM-9000'"):
            PrinterConfig(name="a", target="file:/x", profile="TM-9000")

    def test_settings_read_from_plain_values(self):
        settings = PrintingSettings.model_validate(
            {"printers": [{"name": "counter-1", "target": "network:10.0.0.7:9100", "width": 58}],
             "retry_limit_seconds": 30})
        assert settings.printers[0].line_columns == 32 and settings.retry_limit_seconds == 30


class TestQueueingFromTheStoresWork:
    def test_each_event_queues_its_document_on_the_right_printer(self, db, printing):
        with db.write() as conn:
            printing.sale(conn, sale_body(), NOW)
            printing.pick(conn, ASSIGN, NOW, {"MUG-01": "Tasse"})
            printing.ready_for_pickup(conn, ASSIGN, NOW)
            printing.collected(conn, ASSIGN, NOW)
            printing.shipped(conn, SHIPPED, NOW)
        assert kinds(db, "S001-000042") == [("receipt", "counter")]
        assert kinds(db, "ORD-1001") == [("pick-list", "counter"), ("bag-tag", "counter"), ("collection", "counter")]
        assert kinds(db, "ORD-1002") == [("label", "labels")]
        with db.read() as conn:
            tag = jobs_for(conn, "ORD-1001")[1]["preview"]
            shipping = jobs_for(conn, "ORD-1002")[0]["payload"].decode()
        assert "2026-03-09 18:00 UTC" in tag
        assert all(f"^FD{text}^FS" in shipping for text in
                   ("Ann Lee", "1 High St", "LS1 1AA Leeds", "GB", "Müller & Söhne", "Königstraße 12",
                    "Weight 1.25 kg", "Order ORD-1002", "JJD000999"))

    def test_without_a_label_printer_a_label_is_skipped_and_nothing_fails(self, db):
        printing = Printing(PrintingSettings(printers=[PrinterConfig(name="c", target="file:/dev/null")]), HEADER)
        with db.write() as conn:
            assert printing.shipped(conn, SHIPPED, NOW) is None
            assert printing.queue(conn, label(), NOW) is None
            assert printing.sale(conn, sale_body(), NOW) is not None

    def test_a_document_that_cannot_be_rendered_is_skipped_without_failing_the_sale(self, db, printing):
        with db.write() as conn:
            assert printing.sale(conn, {"receipt_number": "S001-000001", "currency": "EUR",
                                        "lines": [{"sku": "X", "qty": 1, "unit_price": 5}],
                                        "tenders": [{"type": "cash"}]}, NOW) is None

    def test_reprint_and_status(self, db, printing):
        with db.write() as conn:
            printing.sale(conn, sale_body(), NOW)
            assert len(printing.reprint(conn, "S001-000042", NOW)) == 1
            with pytest.raises(JobNotFound):
                printing.reprint(conn, "S001-000043", NOW)
            printing.test_page(conn, "counter", NOW)
            states = printing.status(conn)
        assert [(s["name"], s["state"], s["queued"]) for s in states] == [("counter", "ok", 3), ("labels", "ok", 0)]
