"""The transfer slip that goes with a shipped transfer's boxes: real ESC/POS bytes for the receipt printer."""

from edge.printing.documents import transfer_slip
from edge.printing.jobs import render
from edge.printing.printers import PrinterConfig
from tests.unit.printing.samples import HEADER

SHIPPED = {"transfer_id": "TR-0192A7", "to_node": "S002", "to_name": "Harbour", "reference": "REPLEN-7",
           "ship_to": {"name": "Harbour store", "line1": "Kai 1", "city": "Hamburg", "postal_code": "20457",
                       "country": "DE"},
           "carrier": "DHL", "tracking_number": "JJD7",
           "lines": [{"sku": "MUG-01", "name": "Mug 'Morning'", "qty": 1, "shipped": 0},
                     {"sku": "TEE-RED-M", "name": "T-shirt red M", "qty": 3, "shipped": 2}]}


def test_the_slip_names_the_destination_what_was_shipped_and_what_was_short_in_real_escpos():
    job = render(transfer_slip(SHIPPED, HEADER, "2026-03-02T09:00:00.000Z"),
                 PrinterConfig(name="counter", target="file:/dev/null", width=80), "Europe/Berlin")
    assert (job.kind, job.ref) == ("transfer-slip", "TR-0192A7")
    assert job.payload.startswith(b"\x1b@") and b"\x1d(k" in job.payload and b"\x1dV" in job.payload
    assert b"TRANSFER SLIP" in job.payload and b"TR-0192A7" in job.payload
    text = job.text
    assert "To: Harbour (S002)" in text and "20457 Hamburg" in text and "DHL JJD7" in text
    assert "2026-03-02 10:00" in text  # the store's wall-clock time
    shipped, short = text.split("Not shipped (short):")
    assert "T-shirt red M" in shipped and "x2" in shipped and "Units shipped" in shipped and "2" in shipped
    assert "Mug 'Morning'" in short and "x1" in short and "T-shirt red M" in short
    assert all(len(line) <= 48 for line in text.splitlines())
