import pytest
from pydantic import ValidationError

from edge.printing.jobs import WrongPrinter, enqueue_document, render
from edge.printing.printers import (
    PrinterConfig,
    choose_printer,
    printer_states,
    test_page,
)
from edge.printing.spool import MIGRATION, jobs_for
from shared.runtime.sqlite import Database
from tests.unit.printing.samples import NOW, label, receipt

COUNTER = PrinterConfig(name="counter-1", target="network:127.0.0.1:9100", width=58, profile="TM-T20II")
LABELS = PrinterConfig(name="labels", target="preview:/tmp/labels", kind="label")


class TestPrinterConfig:
    def test_a_bad_target_is_refused_with_the_reason(self):
        with pytest.raises(ValidationError, match="unknown kind 'lpt'"):
            PrinterConfig(name="counter-1", target="lpt:1")

    def test_columns_follow_the_paper_width_unless_given(self):
        assert (COUNTER.line_columns, LABELS.line_columns) == (32, 48)
        assert PrinterConfig(name="x", target="file:/dev/usb/lp0", profile="TM-T88V", columns=42).line_columns == 42

    def test_the_counters_receipt_and_label_printers_are_found_by_kind(self):
        assert choose_printer([LABELS, COUNTER], "receipt") is COUNTER
        assert choose_printer([COUNTER], "label") is None


class TestRenderingForAPrinter:
    def test_a_receipt_printer_gets_escpos_and_a_label_printer_zpl(self):
        job = render(receipt(), COUNTER)
        assert (job.kind, job.ref) == ("receipt", "S001-000042") and job.payload.startswith(b"\x1b@")
        assert "S001-000042" in job.text and max(len(line) for line in job.text.splitlines()) <= 32
        shipping = render(label(), LABELS)
        assert (shipping.kind, shipping.ref) == ("label", "ORD-1001") and shipping.payload.startswith(b"^XA")
        assert "Zoë Ångström" in shipping.text

    def test_a_document_sent_to_the_wrong_kind_of_printer_is_refused(self):
        with pytest.raises(WrongPrinter, match="needs a receipt printer"):
            render(receipt(), LABELS)
        with pytest.raises(WrongPrinter, match="label printer"):
            render(label(), COUNTER)

    def test_a_test_page_prints_on_both_kinds(self):
        assert b"TEST PAGE" in render(test_page(COUNTER, NOW), COUNTER).payload
        assert b"TEST LABEL" in render(test_page(LABELS, NOW), LABELS).payload


class TestPrinterStates:
    def test_lists_configured_printers_with_their_spool_state(self, tmp_path):
        db = Database(tmp_path / "spool.db", [MIGRATION])
        with db.write() as conn:
            job_id = enqueue_document(conn, receipt(), COUNTER, NOW)
            assert [row["id"] for row in jobs_for(conn, "S001-000042")] == [job_id]
            states = printer_states(conn, [COUNTER, LABELS])
        db.close()
        assert [(s["name"], s["kind"], s["state"], s["queued"]) for s in states] == \
            [("counter-1", "receipt", "ok", 1), ("labels", "label", "ok", 0)]
