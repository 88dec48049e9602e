"""The store's printing in one object: what sale, return, pickup and shipping code calls inside its transactions.

    printing = Printing(settings.printing, StoreHeader(name, store_id, address))
    with db.write() as conn:            # the sale's own transaction
        body = record_the_sale(conn, ...)
        printing.sale(conn, body, now)  # the receipt commits with the sale, or not at all
    worker = printing.worker(db); worker.start(); worker.wake()

Queueing never fails the caller: a document that cannot be rendered or has no printer is logged and skipped,
because a sale must not be lost to a printing problem (the receipt can be printed later with `POST /v1/print`).
"""

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from edge.printing import documents, zpl
from edge.printing.documents import (
    Address,
    Document,
    EndOfDaySummary,
    ShippingLabel,
    StoreHeader,
)
from edge.printing.jobs import Prerendered, enqueue_document, prerender
from edge.printing.printers import (
    PrinterConfig,
    choose_printer,
    printer_states,
    test_page,
)
from edge.printing.spool import Backoff, SpoolWorker, enqueue, reprint
from shared.runtime.clock import to_text, utc_now
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)


class PrintingSettings(BaseModel):
    """The printers of the store's counters and how the spool retries them (a section of the edge settings)."""

    printers: list[PrinterConfig] = Field(
        default_factory=list, description="Printers by name; the first receipt printer prints receipts, tags and "
                                          "pick lists, the first label printer shipping labels.")
    retry_first_seconds: float = Field(default=1.0, gt=0, description="Wait after a printer's first failure; it "
                                                                      "doubles with each further failure.")
    retry_limit_seconds: float = Field(default=60.0, gt=0, description="Longest wait between two attempts.")
    send_timeout_seconds: float = Field(default=5.0, gt=0, description="How long one attempt to reach a printer may "
                                                                       "take before it counts as failed.")

    @model_validator(mode="after")
    def _names_are_unique(self) -> "PrintingSettings":
        names = [printer.name for printer in self.printers]
        if len(names) != len(set(names)):
            raise ValueError(f"Printer names must be unique; got {names}.")
        return self


def preview_printers(directory: str | Path) -> list[PrinterConfig]:
    """A receipt and a label printer that write into `directory` (the demo: `<demo dir>/prints/<store>`)."""
    return [PrinterConfig(name="counter", target=f"preview:{directory}", kind="receipt", width=80),
            PrinterConfig(name="labels", target=f"preview:{directory}", kind="label")]


class Printing:
    def __init__(self, settings: PrintingSettings, header: StoreHeader):
        self.settings, self.header = settings, header

    def printer(self, kind: Literal["receipt", "label"], name: str | None = None) -> PrinterConfig | None:
        if name is not None:
            return next((p for p in self.settings.printers if p.name == name), None)
        return choose_printer(self.settings.printers, kind)

    def queue(self, conn: sqlite3.Connection, doc: Document, now: datetime, printer: str | None = None) -> str | None:
        """Queue a document on its printer; the job id, or None (logged) when it cannot be queued."""
        kind = "label" if isinstance(doc, ShippingLabel) else "receipt"
        return self._queue(conn, lambda: doc, kind, now, printer)

    def sale(self, conn, body: dict, now: datetime, printer: str | None = None,
             prepared: Prerendered | None = None) -> str | None:
        """Queue a sale's receipt; `prepared` (from `prepare_sale`) is used when it is this receipt."""
        target = self.printer("receipt", printer)
        job = prepared.numbered(documents.sale_receipt(body, self.header)) if prepared and target else None
        if job is not None:
            return enqueue(conn, job.kind, job.ref, target.name, job.payload, job.text, now)
        return self._queue(conn, lambda: documents.sale_receipt(body, self.header), "receipt", now, printer)

    def prepare_sale(self, body: dict, number_length: int, printer: str | None = None) -> Prerendered | None:
        """A sale's receipt rendered before its transaction, for a receipt number of `number_length` characters
        still to be given; None when it cannot be (the transaction then renders it, or says what is wrong)."""
        target = self.printer("receipt", printer)
        if target is None:
            return None
        try:
            return prerender(documents.sale_receipt(body, self.header), target, number_length, self.header.timezone)
        except Exception:  # noqa: BLE001 — the sale's own transaction renders it again and logs what failed
            return None

    def returned(self, conn, body: dict, now: datetime, names: dict[str, str] | None = None,
                 printer: str | None = None) -> str | None:
        return self._queue(conn, lambda: documents.return_receipt(body, self.header, names), "receipt", now, printer)

    def credit_notes(self, conn, body: dict, now: datetime, printer: str | None = None) -> list[str]:
        """The credit notes a return issued, each on its own paper for the customer to keep."""
        jobs = [self._queue(conn, lambda note=note: note, "receipt", now, printer)
                for note in documents.credit_notes(body, self.header)]
        return [job for job in jobs if job is not None]

    def ready_for_pickup(self, conn, fulfilment: dict, now: datetime, pickup_by: str | None = None,
                         printer: str | None = None) -> str | None:
        """The bag tag of an order put on the pickup shelf (`pickup_by` as RFC 3339 text, else the fulfilment's)."""
        return self._queue(conn, lambda: documents.bag_tag(fulfilment, self.header.name,
                                                           pickup_by or fulfilment.get("pickup_by") or ""),
                           "receipt", now, printer)

    def pick(self, conn, assign: dict, now: datetime, names: dict[str, str] | None = None,
             printer: str | None = None) -> str | None:
        return self._queue(conn, lambda: documents.pick_list(assign, to_text(now), names), "receipt", now, printer)

    def collected(self, conn, assign: dict, now: datetime, names: dict[str, str] | None = None,
                  printer: str | None = None) -> str | None:
        return self._queue(conn, lambda: documents.collection_receipt(assign, self.header, to_text(now), names),
                           "receipt", now, printer)

    def shipped(self, conn, fulfilment: dict, now: datetime, printer: str | None = None) -> str | None:
        """The shipping label of a shipped fulfilment (ship_to, carrier, tracking_number, parcels), from the store."""
        ship_from = Address(self.header.name, self.header.address)
        return self._queue(conn, lambda: documents.shipping_label(fulfilment, ship_from), "label", now, printer)

    def packed(self, conn, fulfilment: dict, now: datetime, names: dict[str, str] | None = None,
               printer: str | None = None) -> str | None:
        """The packing slip of a packed ship-from-store order (its address, what is in the parcels)."""
        return self._queue(conn, lambda: documents.packing_slip(fulfilment, self.header, to_text(now), names),
                           "receipt", now, printer)

    def transfer_shipped(self, conn, transfer: dict, now: datetime, printer: str | None = None) -> str | None:
        """The transfer slip that goes with a shipped transfer's boxes."""
        return self._queue(conn, lambda: documents.transfer_slip(transfer, self.header, to_text(now)), "receipt", now,
                           printer)

    def label_preview(self, fulfilment: dict) -> tuple[str, str, list[str]]:
        """The ZPL, the readable text and the ship-to lines of the label `shipped` would print for this fulfilment."""
        label = documents.shipping_label(fulfilment, Address(self.header.name, self.header.address))
        return zpl.shipping_label(label), zpl.label_text(label), documents.address_lines(label.ship_to, 60)

    def end_of_day(self, conn, summary: EndOfDaySummary, now: datetime, printer: str | None = None) -> str | None:
        return self.queue(conn, summary, now, printer)

    def test_page(self, conn, name: str, now: datetime) -> str | None:
        printer = self.printer("receipt", name)
        return None if printer is None else enqueue_document(conn, test_page(printer, now), printer, now,
                                                             self.header.timezone)

    def reprint(self, conn, ref: str, now: datetime, kind: str | None = None, printer: str | None = None
                ) -> list[str]:
        """Queue again what was printed for a number (or a job id); raises `spool.JobNotFound`."""
        return reprint(conn, ref, now, kind=kind, printer=printer)

    def status(self, conn) -> list[dict]:
        """Each printer with ok / failing since, queued count and last error: for the store's status."""
        return printer_states(conn, self.settings.printers)

    def _queue(self, conn: sqlite3.Connection, build: Callable[[], Document], kind: Literal["receipt", "label"],
               now: datetime, printer: str | None) -> str | None:
        target = self.printer(kind, printer)
        if target is None:
            log.warning("no %s printer %s configured: nothing printed", kind, repr(printer) if printer else "is")
            return None
        try:
            return enqueue_document(conn, build(), target, now, self.header.timezone)
        except Exception:  # noqa: BLE001 — never fail the sale, return or shipment for its paper
            log.exception("could not queue a %s job on printer %s", kind, target.name)
            return None

    def worker(self, db: Database, clock: Callable[[], datetime] = utc_now) -> SpoolWorker:
        """The background sender; `clock` must be the one jobs are queued with (their due times come from it)."""
        s = self.settings
        return SpoolWorker(db, {p.name: p.target for p in s.printers},
                           backoff=Backoff(s.retry_first_seconds, s.retry_limit_seconds),
                           timeout=s.send_timeout_seconds, clock=clock,
                           status_checks={p.name: p.status_protocol for p in s.printers if p.status_protocol})
