"""The spool worker against printers on loopback: what arrives, outages, previews and reprints."""

import contextlib

import pytest

from edge.printing.documents import (
    BagTag,
    CollectionReceipt,
    EndOfDaySummary,
    ItemLine,
    PickList,
    ReturnReceipt,
    ReturnReceiptLine,
    TenderLine,
)
from edge.printing.jobs import enqueue_document, print_now
from edge.printing.printers import PrinterConfig, test_page
from edge.printing.spool import Backoff, SpoolWorker, health, jobs_for, reprint
from edge.printing.targets import BadTarget, PrinterUnavailable
from tests.conftest import free_port
from tests.integration.printing.conftest import LoopbackPrinter
from tests.unit.printing.samples import HEADER, NOW, label, receipt
from tests.waiting import eventually, poll

FAST = Backoff(first=0.05, limit=0.2)


@contextlib.asynccontextmanager
async def running(db, printers: list[PrinterConfig]):
    worker = SpoolWorker(db, {p.name: p.target for p in printers}, backoff=FAST, timeout=2.0, idle=0.1,
                         status_checks={p.name: p.status_protocol for p in printers if p.status_protocol},
                         status_wait=0.3)
    worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


def queue(db, doc, printer: PrinterConfig) -> str:
    with db.write() as conn:
        return enqueue_document(conn, doc, printer, NOW)


def status(db, ref: str) -> list[str]:
    with db.read() as conn:
        return [row["status"] for row in jobs_for(conn, ref)]


def every_document():
    return [
        receipt(),
        ReturnReceipt(HEADER, "S001-R000001", "S001-000042", "EUR",
                      (ReturnReceiptLine("MUG-01", "Tasse", 1, "broken", 890),), (TenderLine("cash", 890),)),
        CollectionReceipt(HEADER, "ORD-1001", "Zoë", (ItemLine("MUG-01", "Tasse", 1),), "v1.ORD-1001.sig"),
        BagTag("Müller & Söhne", "ORD-1002", "Zoë", "2026-03-09T18:00:00.000Z", 2, "ORD-1002"),
        PickList("ORD-1003", "ship", "Ann", (ItemLine("MUG-01", "Tasse", 3),)),
        EndOfDaySummary(HEADER, "2026-03-02", "EUR", 3, 9000, 1, 890, (TenderLine("cash", 8110),)),
    ]


class TestPrintingToANetworkPrinter:
    async def test_a_receipt_arrives_whole_with_init_texts_barcode_and_cut(self, db, printer):
        counter = PrinterConfig(name="counter-1", target=printer.target, profile="TM-T88V")
        queue(db, receipt(), counter)
        async with running(db, [counter]):
            [job] = await eventually(lambda: printer.jobs, what="the receipt reaching the printer")
            await eventually(lambda: status(db, "S001-000042") == ["sent"], what="the job marked sent")
        assert job.startswith(b"\x1b@") and job.endswith(b"\x1dV\x00")
        assert b"TOTAL EUR" in job and b"106.80" in job and b"Card ****4242" in job
        assert b"\x1dk" in job and b"{BS001-000042" in job
        with db.read() as conn:
            assert jobs_for(conn, "S001-000042")[0]["payload"] == job

    async def test_every_kind_of_job_prints_and_labels_go_to_the_label_printer(self, db, printer):
        labels = LoopbackPrinter()
        counter = PrinterConfig(name="counter-1", target=printer.target, width=58)
        label_printer = PrinterConfig(name="labels", target=labels.target, kind="label")
        for doc in every_document():
            queue(db, doc, counter)
        queue(db, test_page(counter, NOW), counter)
        queue(db, label(), label_printer)
        try:
            async with running(db, [counter, label_printer]):
                await eventually(lambda: len(printer.jobs) == 7 and len(labels.jobs) == 1, what="all eight jobs printed")
        finally:
            labels.close()
        assert all(job.startswith(b"\x1b@") and b"\x1dV" in job for job in printer.jobs)
        assert sum(b"\x1d(k" in job for job in printer.jobs) == 3  # collection receipt, bag tag, test page
        assert labels.jobs[0].startswith(b"^XA") and b"^BCN" in labels.jobs[0]
        assert "Zoë Ångström".encode() in labels.jobs[0]


class TestPrinterOutages:
    async def test_a_printer_that_refuses_keeps_the_jobs_queued_and_prints_them_when_it_is_back(self, db):
        port = free_port()
        counter = PrinterConfig(name="counter-1", target=f"network:127.0.0.1:{port}")
        for n in range(1, 4):
            doc = receipt()
            queue(db, type(doc)(**{**doc.__dict__, "receipt_number": f"S001-00000{n}"}), counter)
        async with running(db, [counter]):
            def failing():
                with db.read() as conn:
                    [state] = health(conn)
                    first = jobs_for(conn, "S001-000001")[0]
                return state.state == "failing" and first["attempts"] >= 2 and state
            state = await eventually(failing, what="the spool retrying a refused printer")
            assert state.queued == 3 and "refused" in state.last_error.lower()
            back = LoopbackPrinter(port)
            try:
                await eventually(lambda: len(back.jobs) == 3, what="the queued receipts printing once it is back")
                await eventually(lambda: all(status(db, f"S001-00000{n}") == ["sent"] for n in (1, 2, 3)),
                                 what="every job marked sent")
            finally:
                back.close()
        assert [b"{BS001-00000%d" % n in job for n, job in zip((1, 2, 3), back.jobs)] == [True] * 3  # in order
        with db.read() as conn:
            [state] = health(conn)
        assert (state.state, state.queued, state.failing_since) == ("ok", 0, None)

    async def test_a_printer_that_is_off_never_holds_up_another(self, db, printer):
        off = PrinterConfig(name="counter-1", target=f"network:127.0.0.1:{free_port()}")
        on = PrinterConfig(name="counter-2", target=printer.target)
        queue(db, receipt(), off)
        queue(db, test_page(on, NOW), on)
        async with running(db, [off, on]):
            await eventually(lambda: printer.jobs, what="counter-2 printing while counter-1 is off")
            await eventually(lambda: status(db, "S001-000042") == ["failed"], what="counter-1's job failing")
        assert b"TEST PAGE" in printer.jobs[0]

    async def test_a_job_for_a_printer_not_configured_waits_with_a_clear_error(self, db, printer):
        gone = PrinterConfig(name="old-counter", target=printer.target)
        queue(db, receipt(), gone)
        async with running(db, []):
            await eventually(lambda: status(db, "S001-000042") == ["failed"], what="the job failing")
        with db.read() as conn:
            assert "no printer named 'old-counter'" in jobs_for(conn, "S001-000042")[0]["last_error"]


class TestPrintersThatCannotPrint:
    """A network printer without paper still accepts bytes: the spool asks first and keeps the job queued."""

    async def test_a_receipt_printer_out_of_paper_keeps_its_jobs_until_a_roll_is_loaded(self, db, printer):
        printer.condition = "paper_out"
        counter = PrinterConfig(name="counter-1", target=printer.target)
        queue(db, receipt(), counter)
        async with running(db, [counter]):
            def failing():
                with db.read() as conn:
                    [state] = health(conn)
                return state.state == "failing" and printer.status_queries >= 2 and state
            state = await eventually(failing, what="the spool asking a printer without paper again")
            assert "out of paper" in state.last_error and state.queued == 1
            assert printer.jobs == [b""] * len(printer.jobs)  # asked, but no receipt sent into an empty printer
            printer.condition = "ok"
            await eventually(lambda: any(printer.jobs), what="the receipt printing once paper is loaded")
            await eventually(lambda: status(db, "S001-000042") == ["sent"], what="the job marked sent")
        [job] = [job for job in printer.jobs if job]
        assert job.startswith(b"\x1b@") and b"S001-000042" in job

    async def test_a_label_printer_with_its_head_open_keeps_the_label_queued(self, db, printer):
        printer.condition = "cover_open"
        labels = PrinterConfig(name="labels", target=printer.target, kind="label")
        queue(db, label(), labels)
        async with running(db, [labels]):
            def failing():
                with db.read() as conn:
                    [state] = health(conn)
                return state.state == "failing" and state
            state = await eventually(failing, what="the label printer reported as failing")
            assert "print head open" in state.last_error
            printer.condition = "ok"
            [job] = await eventually(lambda: [job for job in printer.jobs if job], what="the label printing")
        assert job.startswith(b"^XA") and job.rstrip().endswith(b"^XZ")

    async def test_a_printer_that_ignores_status_queries_is_printed_to_and_asked_only_once(self, db, printer):
        printer.condition = "silent"
        counter = PrinterConfig(name="counter-1", target=printer.target)
        for n in (1, 2):
            doc = receipt()
            queue(db, type(doc)(**{**doc.__dict__, "receipt_number": f"S001-00000{n}"}), counter)
        async with running(db, [counter]):
            await eventually(lambda: len(printer.jobs) == 2, what="both receipts printing")
        assert printer.status_queries == 1
        assert [b"S001-000001" in printer.jobs[0], b"S001-000002" in printer.jobs[1]] == [True, True]

    async def test_with_status_check_off_the_printer_is_never_asked(self, db, printer):
        counter = PrinterConfig(name="counter-1", target=printer.target, status_check=False)
        queue(db, receipt(), counter)
        async with running(db, [counter]):
            await eventually(lambda: printer.jobs, what="the receipt printing")
        assert printer.status_queries == 0


class TestPreviewAndReprint:
    async def test_a_preview_printer_writes_the_raw_job_and_a_readable_text(self, db, tmp_path):
        prints = tmp_path / "prints" / "S001"
        counter = PrinterConfig(name="counter-1", target=f"preview:{prints}", width=58)
        job_id = queue(db, receipt(), counter)
        async with running(db, [counter]):
            await eventually(lambda: status(db, "S001-000042") == ["sent"], what="the preview written")
        raw, text = prints / f"{job_id}-receipt.bin", prints / f"{job_id}-receipt.txt"
        assert raw.read_bytes().startswith(b"\x1b@")
        readable = text.read_text(encoding="utf-8")
        assert "Müller & Söhne" in readable and "TOTAL EUR" in readable and "[barcode Code 128: S001-000042]" in readable

    async def test_a_past_receipt_reprints_byte_for_byte_by_its_number(self, db, printer):
        counter = PrinterConfig(name="counter-1", target=printer.target)
        queue(db, receipt(), counter)
        async with running(db, [counter]) as worker:
            await eventually(lambda: printer.jobs, what="the receipt printed")
            with db.write() as conn:
                reprint(conn, "S001-000042", NOW)
            worker.wake()
            await eventually(lambda: len(printer.jobs) == 2, what="the reprint printed")
        assert printer.jobs[0] == printer.jobs[1]
        assert status(db, "S001-000042") == ["sent", "sent"]


@pytest.mark.parametrize("bad", ["network:127.0.0.1:notaport", "lpt1"])
def test_a_worker_with_a_bad_target_is_refused_at_start(db, bad):
    with pytest.raises(BadTarget):
        SpoolWorker(db, {"counter-1": bad})


class TestPrintingATestPageAtOnce:
    def test_a_test_page_goes_straight_to_the_printer(self, printer):
        counter = PrinterConfig(name="counter-1", target=printer.target, width=58)
        print_now(test_page(counter, NOW), counter)
        [job] = poll(lambda: printer.jobs, 10, what="the test page arriving")
        assert b"TEST PAGE" in job and job.startswith(b"\x1b@")

    def test_a_printer_without_paper_says_so_at_once(self, printer):
        printer.condition = "paper_out"
        counter = PrinterConfig(name="counter-1", target=printer.target)
        with pytest.raises(PrinterUnavailable, match="out of paper"):
            print_now(test_page(counter, NOW), counter, timeout=2.0)

    def test_a_printer_that_is_off_says_so_at_once(self):
        counter = PrinterConfig(name="counter-1", target=f"network:127.0.0.1:{free_port()}")
        with pytest.raises(PrinterUnavailable, match="network:127.0.0.1"):
            print_now(test_page(counter, NOW), counter, timeout=2.0)
