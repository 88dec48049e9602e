"""From a document to a queued job: pick the layout, render for the printer's language, put it on the spool.

This is what the sale, return, pickup and shipping code calls, inside its own transaction:
`enqueue_document(conn, sale_receipt(body, header), printer, now)`.
"""

import dataclasses
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from edge.printing import layouts, zpl
from edge.printing.commands import Command, as_text
from edge.printing.documents import (
    BagTag,
    CollectionReceipt,
    CreditNote,
    Document,
    EndOfDaySummary,
    PackingSlip,
    PickList,
    ReturnReceipt,
    SaleReceipt,
    ShippingLabel,
    TestPage,
    TransferSlip,
    in_local_time,
)
from edge.printing.escpos_render import render_escpos
from edge.printing.printers import PrinterConfig
from edge.printing.spool import enqueue
from edge.printing.targets import Job, send
from shared.runtime.ids import uuid7

# The job kind (also the `{kind}` of the print API) of each document, and whose number is its reference.
KINDS: dict[type, str] = {
    SaleReceipt: "receipt", ReturnReceipt: "return", CreditNote: "credit-note", CollectionReceipt: "collection",
    BagTag: "bag-tag", PickList: "pick-list", PackingSlip: "packing-slip", ShippingLabel: "label",
    TransferSlip: "transfer-slip",
    EndOfDaySummary: "end-of-day", TestPage: "test-page",
}


class WrongPrinter(ValueError):
    """A document sent to a printer that cannot print it (a shipping label to a receipt printer, or the reverse)."""


@dataclass(frozen=True)
class RenderedJob:
    kind: str
    ref: str
    payload: bytes
    text: str


def reference(doc: Document) -> str:
    """The number a job is found and reprinted by."""
    match doc:
        case SaleReceipt():
            return doc.receipt_number
        case ReturnReceipt():
            return doc.return_number
        case CreditNote():
            return doc.number
        case CollectionReceipt() | BagTag() | PickList() | PackingSlip() | ShippingLabel():
            return doc.order_number
        case TransferSlip():
            return doc.transfer_id
        case EndOfDaySummary():
            return f"EOD-{doc.header.store_id}-{doc.business_date}"
        case TestPage():
            return f"TEST-{doc.printer}"
    raise TypeError(f"not a printable document: {type(doc).__name__}")


def layout(doc: Document, columns: int) -> list[Command]:
    """The receipt-printer layout of a document."""
    match doc:
        case SaleReceipt():
            return layouts.sale_receipt(doc, columns)
        case ReturnReceipt():
            return layouts.return_receipt(doc, columns)
        case CreditNote():
            return layouts.credit_note(doc, columns)
        case CollectionReceipt():
            return layouts.collection_receipt(doc, columns)
        case BagTag():
            return layouts.bag_tag(doc, columns)
        case PickList():
            return layouts.pick_list(doc, columns)
        case PackingSlip():
            return layouts.packing_slip(doc, columns)
        case TransferSlip():
            return layouts.transfer_slip(doc, columns)
        case EndOfDaySummary():
            return layouts.end_of_day(doc, columns)
        case TestPage():
            return layouts.test_page(doc, columns)
    raise WrongPrinter(f"A {KINDS.get(type(doc), type(doc).__name__)} prints on a label printer, not a receipt "
                       "printer.")


def render(doc: Document, printer: PrinterConfig, timezone: str = "UTC") -> RenderedJob:
    """The bytes for this printer (ESC/POS or ZPL) and the readable text kept for previews and reprints; times
    as the wall-clock time of the store's `timezone`."""
    kind, ref = KINDS[type(doc)], reference(doc)
    doc = in_local_time(doc, timezone)
    if printer.kind == "label":
        if isinstance(doc, ShippingLabel):
            return RenderedJob(kind, ref, zpl.shipping_label(doc).encode(), zpl.label_text(doc))
        if isinstance(doc, TestPage):
            return RenderedJob(kind, ref, zpl.test_label(doc).encode(), f"TEST LABEL {doc.printer}\n")
        raise WrongPrinter(f"Printer {printer.name!r} is a label printer; a {kind} needs a receipt printer.")
    commands = layout(doc, printer.line_columns)
    return RenderedJob(kind, ref, render_escpos(commands, printer.profile, printer.codepage),
                       as_text(commands, printer.line_columns))


STAND_IN = "~"  # each character of a receipt number not given yet: plain ASCII, Code 128 set B, no space or hyphen


@dataclass(frozen=True)
class Prerendered:
    """A sale receipt rendered before the sale's transaction gave it its number, with a stand-in of the number's
    length in its place: the transaction only puts the number in, and the rendering (as long as the rest of the
    sale's work) no longer holds every other counter's sale back."""

    doc: SaleReceipt  # as rendered: the stand-in for its number
    job: RenderedJob

    def numbered(self, doc: SaleReceipt) -> RenderedJob | None:
        """The job of `doc` when it is the document rendered here with its number given, else None (render it)."""
        stand_in, number = self.doc.receipt_number, doc.receipt_number
        if len(number) != len(stand_in) or not number.isascii() or \
                dataclasses.replace(doc, receipt_number=stand_in) != self.doc:
            return None
        return RenderedJob(self.job.kind, number, self.job.payload.replace(stand_in.encode(), number.encode()),
                           self.job.text.replace(stand_in, number))


def prerender(doc: SaleReceipt, printer: PrinterConfig, number_length: int, timezone: str = "UTC"
              ) -> Prerendered | None:
    """`doc` rendered with a stand-in for a receipt number of `number_length` characters; None when the stand-in
    could be mistaken for something else the receipt prints."""
    stand_in = STAND_IN * number_length
    if stand_in in repr(dataclasses.replace(doc, receipt_number="")):
        return None
    doc = dataclasses.replace(doc, receipt_number=stand_in)
    return Prerendered(doc, render(doc, printer, timezone))


def enqueue_document(conn: sqlite3.Connection, doc: Document, printer: PrinterConfig, now: datetime,
                     timezone: str = "UTC") -> str:
    """Render and queue one document on a printer; the job id. Call inside the caller's write transaction."""
    job = render(doc, printer, timezone)
    return enqueue(conn, job.kind, job.ref, printer.name, job.payload, job.text, now)


def print_now(doc: Document, printer: PrinterConfig, timeout: float = 5.0, timezone: str = "UTC") -> RenderedJob:
    """Send a document straight to a printer, bypassing the spool (a test page from the command line, which wants
    to say at once whether the printer answered); raises `targets.PrinterUnavailable`."""
    job = render(doc, printer, timezone)
    send(printer.parsed_target, Job(uuid7(), job.kind, job.payload, job.text), timeout, printer.status_protocol)
    return job
