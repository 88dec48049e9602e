"""The store's printing as the API offers it: print again (or for the first time, from what was recorded), the
journal of jobs, and the end-of-day summary."""

import json
import sqlite3
from datetime import date, datetime

from edge.domain.end_of_day import summarize
from edge.printing.documents import EndOfDaySummary
from edge.printing.jobs import enqueue_document
from edge.printing.printers import test_page
from edge.printing.service import Printing
from edge.printing.spool import JobNotFound
from edge.services.fulfilment import fulfilment_view
from edge.services.fulfilment_papers import product_names
from shared.contract.errors import InvalidInput, NotFound
from shared.runtime.clock import local_day_span, to_text

FULFILMENT_KINDS = ("pick-list", "bag-tag", "collection", "packing-slip", "label")


def job_view(row: sqlite3.Row) -> dict:
    """A journal entry (without the bytes)."""
    return {key: row[key] for key in ("id", "kind", "ref", "printer", "status", "attempts", "last_error",
                                      "created_at", "sent_at", "reprint_of")}


def jobs(conn: sqlite3.Connection, ids: list[str]) -> list[dict]:
    return [job_view(conn.execute("SELECT * FROM print_jobs WHERE id = ?", (i,)).fetchone()) for i in ids]


def journal(conn: sqlite3.Connection, ref: str | None, cursor: str | None, limit: int) -> dict:
    """Jobs newest first (`ref` narrows to one receipt, return or order number), as `{items, next_cursor}`."""
    rows = conn.execute("SELECT * FROM print_jobs WHERE (? IS NULL OR ref = ?) AND (? IS NULL OR id < ?) "
                        "ORDER BY id DESC LIMIT ?", (ref, ref, cursor, cursor, limit + 1)).fetchall()
    items = [job_view(row) for row in rows[:limit]]
    return {"items": items, "next_cursor": items[-1]["id"] if len(rows) > limit else None}


def print_again(printing: Printing, conn: sqlite3.Connection, kind: str, ref: str, now: datetime,
                printer: str | None) -> list[str]:
    """Queue the same bytes as the last `kind` job for `ref`; when nothing was printed for it (no printer at the
    time, say), print it from the recorded sale, return or order. Raises NotFound / InvalidInput."""
    if printer is not None and printing.printer("receipt", printer) is None:
        names = ", ".join(p.name for p in printing.settings.printers) or "none is configured"
        raise InvalidInput(f"There is no printer named {printer!r} at this store ({names}).")
    try:
        return printing.reprint(conn, ref, now, kind=kind, printer=printer)
    except JobNotFound as e:
        job = _from_record(printing, conn, kind, ref, now, printer)
        if job is None:
            raise NotFound(f"{e}") from e
        return [job]


def _from_record(printing: Printing, conn: sqlite3.Connection, kind: str, ref: str, now: datetime,
                 printer: str | None) -> str | None:
    if kind == "receipt":
        row = conn.execute("SELECT body FROM sales WHERE receipt_number = ?", (ref,)).fetchone()
        return printing.sale(conn, json.loads(row["body"]), now, printer) if row else None
    if kind == "return":
        row = conn.execute("SELECT body FROM returns WHERE return_number = ?", (ref,)).fetchone()
        if row is None:
            return None
        body = json.loads(row["body"])
        return printing.returned(conn, body, now, product_names(conn, body["lines"]), printer)
    if kind == "credit-note":
        row = conn.execute("SELECT r.body FROM returns r, json_each(r.body, '$.refunds') AS refund "
                           "WHERE json_extract(refund.value, '$.reference') = ?", (ref,)).fetchone()
        if row is None:
            return None
        body = json.loads(row["body"])
        body["refunds"] = [r for r in body["refunds"] if r.get("reference") == ref]
        jobs = printing.credit_notes(conn, body, now, printer)
        return jobs[0] if jobs else None
    if kind in FULFILMENT_KINDS:
        row = conn.execute("SELECT * FROM fulfilments WHERE order_id = ? ORDER BY assigned_at DESC LIMIT 1",
                           (ref,)).fetchone()
        if row is None:
            return None
        fulfilment = fulfilment_view(row)
        names = product_names(conn, fulfilment["lines"])
        if kind == "pick-list":
            return printing.pick(conn, fulfilment, now, names, printer)
        if kind == "bag-tag" and fulfilment["pickup_by"]:
            return printing.ready_for_pickup(conn, fulfilment, now, printer=printer)
        if kind == "collection":
            return printing.collected(conn, fulfilment, now, names, printer)
        if kind == "packing-slip" and fulfilment["parcels"]:
            return printing.packed(conn, fulfilment, now, names, printer)
        if kind == "label" and fulfilment["tracking_number"]:
            return printing.shipped(conn, fulfilment, now, printer)
    if kind == "test-page" and ref.startswith("TEST-"):
        # A first test page from the counter: there is no record to print again, so make one.
        target = next((p for p in printing.settings.printers if p.name == (printer or ref[len("TEST-"):])), None)
        return enqueue_document(conn, test_page(target, now), target, now, printing.header.timezone) if target else None
    return None


def day_summary(printing: Printing, conn: sqlite3.Connection, currency: str, day: date,
                now: datetime) -> EndOfDaySummary:
    """The business day `day` (midnight to midnight in the store's time zone) from the sales and returns in it."""
    span = local_day_span(day, printing.header.timezone)
    sales = [json.loads(r["body"]) for r in
             conn.execute("SELECT body FROM sales WHERE at >= ? AND at < ? ORDER BY at", span)]
    returns = [json.loads(r["body"]) for r in
               conn.execute("SELECT body FROM returns WHERE at >= ? AND at < ? ORDER BY at", span)]
    return summarize(printing.header, day.isoformat(), currency, sales, returns, to_text(now))
