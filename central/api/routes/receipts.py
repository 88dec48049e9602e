"""Walk-in receipts of every store: what was sold, and what came back of it at any store (head office's view)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime, BaseModel

from central.api.deps import CursorQuery, LimitQuery, ReadDep, ServiceDep
from central.api.responses import ReceiptView
from central.api.routes.reports import FromQuery, ToQuery
from central.domain.reports import Window
from shared.contract.models import Page
from shared.contract.subjects import STORE_ID

router = APIRouter(prefix="/v1/receipts", tags=["receipts"])


class ReceiptSummary(BaseModel):
    receipt_number: str
    store_id: str
    currency: str
    occurred_at: AwareDatetime
    total: int
    units: int


class ReceiptSummaryPage(Page[ReceiptSummary]):
    pass


@router.get("", response_model=ReceiptSummaryPage,
            summary="A store's walk-in receipts by date, newest number first (read)")
def list_receipts(service: ServiceDep, _: ReadDep,
                  store: Annotated[str, Query(pattern=STORE_ID.pattern, description="The selling store.")],
                  first: Annotated[FromQuery | None, Query(alias="from")] = None,
                  last: Annotated[ToQuery | None, Query(alias="to")] = None,
                  cursor: CursorQuery = None, limit: LimitQuery = 100) -> dict:
    start: datetime | None = None
    end: datetime | None = None
    if first is not None or last is not None:
        days = Window(first or last, last or first)
        start, end = (days.start if first else None), (days.end if last else None)
    return service.lookups.receipts_of_store(store, start, end, cursor, limit)


@router.get("/{receipt_number}", summary="A store's receipt with its returns at any store and refund conflicts (read)",
            response_model=ReceiptView)
def get_receipt(service: ServiceDep, _: ReadDep, receipt_number: Annotated[str, Path(max_length=40)]) -> dict:
    return service.lookups.receipt(receipt_number)
