"""`/v1/print`: print a receipt, return, bag tag, pick list, collection receipt or label again; the journal of
print jobs; the end-of-day summary. Printing happens in the background: these answer 202 once the job is queued."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from edge.api.deps import AssociateDep, EdgeDep
from edge.api.responses import EndOfDayQueued, PrinterList, PrintJobPage, Queued
from edge.services import printing as print_jobs
from shared.contract.models import Day, Strict
from shared.runtime.clock import local_today

router = APIRouter(tags=["printing"])

Kind = Literal["receipt", "return", "credit-note", "collection", "bag-tag", "pick-list", "packing-slip", "label",
               "transfer-slip", "end-of-day", "test-page"]


class PrintIn(Strict):
    printer: str | None = Field(default=None, max_length=100,
                                description="Print on this printer instead of the one that printed it first")


class EndOfDayIn(Strict):
    date: Day | None = Field(default=None, description="The business day (midnight to midnight in the store's time zone), "
                                                       "YYYY-MM-DD; the store's today when omitted")
    printer: str | None = Field(default=None, max_length=100, description="Print on this printer")


def _jobs(edge, ids: list[str]) -> list[dict]:
    with edge.db.read() as conn:
        return print_jobs.jobs(conn, ids)


@router.post("/print/end-of-day", summary="Print the end-of-day summary", status_code=202,
             response_model=EndOfDayQueued)
def print_end_of_day(edge: EdgeDep, _: AssociateDep, body: EndOfDayIn | None = None) -> dict:
    """Sales and returns of the day (count, amount), net, tax included per rate, and tenders by type; printed as
    `EOD-<store>-<date>` (each call prints the figures as they are now)."""
    body = body or EndOfDayIn()
    now = edge.clock()
    with edge.db.write() as conn:
        summary = print_jobs.day_summary(edge.printing, conn, edge.settings.currency, body.date or local_today(edge.printing.header.timezone, now), now)
        job = edge.printing.end_of_day(conn, summary, now, body.printer)
    edge.spool.wake()
    return {"business_date": summary.business_date, "currency": summary.currency,
            "sales_count": summary.sales_count, "sales_total": summary.sales_total,
            "returns_count": summary.returns_count, "returns_total": summary.returns_total,
            "tenders": [{"type": t.type, "amount": t.amount} for t in summary.tenders],
            "tax_included": [{"rate_bp": t.rate_bp, "gross": t.gross, "tax": t.tax} for t in summary.taxes],
            "jobs": _jobs(edge, [job] if job else [])}


@router.post("/print/{kind}/{ref}", summary="Print again by number", status_code=202, response_model=Queued,
             responses={404: {"description": "not_found: nothing printed or recorded under this number"},
                        422: {"description": "validation_error: unknown printer or kind"}})
def reprint(kind: Kind, ref: Annotated[str, Path(max_length=200)], edge: EdgeDep, _: AssociateDep,
            body: PrintIn | None = None) -> dict:
    """`ref` is a receipt number (`receipt`), a return number (`return`), a credit note number (`credit-note`), an
    order id (`collection`, `bag-tag`, `pick-list`, `packing-slip`, `label`), `EOD-<store>-<date>` or `TEST-<printer>`,
    or a job id. The copy has the same bytes as
    the last job of that kind; a receipt, return or order that was never printed is printed from its record."""
    printer = body.printer if body is not None else None
    with edge.db.write() as conn:
        ids = print_jobs.print_again(edge.printing, conn, kind, ref, edge.clock(), printer)
    edge.spool.wake()
    return {"kind": kind, "ref": ref, "jobs": _jobs(edge, ids)}


@router.get("/print/jobs", summary="The print journal", response_model=PrintJobPage)
def list_jobs(edge: EdgeDep, _: AssociateDep, ref: Annotated[str | None, Query(max_length=200)] = None,
              cursor: Annotated[str | None, Query(max_length=100)] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    """Every job, newest first: `{id, kind, ref, printer, status (queued, failed, sent), attempts, last_error,
    created_at, sent_at, reprint_of}`; `ref` narrows to one number."""
    with edge.db.read() as conn:
        return print_jobs.journal(conn, ref, cursor, limit)


@router.get("/print/printers", summary="The store's printers and their state", response_model=PrinterList)
def list_printers(edge: EdgeDep, _: AssociateDep) -> dict:
    with edge.db.read() as conn:
        return {"items": edge.printing.status(conn)}
