"""`/v1/stock`: a SKU's levels, deliveries received and adjustments, each an event for central."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import Field, StrictInt

from edge.api.answers import created
from edge.api.deps import AssociateDep, EdgeDep, IdempotencyKey, NumberCursor
from edge.api.responses import CountOut, LedgerPage
from edge.services.stock import ledger_page
from shared.contract.models import MAX_QTY, AdjustReason, Sku, Strict

router = APIRouter(tags=["stock"])

class ReceiveIn(Strict):
    sku: Sku = Field(description="SKU or barcode (GTIN)")
    qty: StrictInt = Field(gt=0, le=MAX_QTY, description="Units received")
    reference: str = Field(min_length=1, max_length=100, description="Delivery note, PO or transfer number")


class AdjustIn(Strict):
    sku: Sku = Field(description="SKU or barcode (GTIN)")
    delta: StrictInt = Field(ge=-MAX_QTY, le=MAX_QTY, description="Change of on-hand: negative for units gone")
    reason: AdjustReason
    note: str | None = Field(default=None, max_length=200)


class StockOut(Strict):
    sku: str
    name: str
    on_hand: int
    reserved: int
    damaged: int
    available: int


class StockChangeOut(StockOut):
    seq: int = Field(description="The event's place in the store's outbox")
    event_id: str
    occurred_at: str


class CountLineIn(Strict):
    sku: Sku = Field(description="SKU or barcode (GTIN)")
    counted: StrictInt = Field(ge=0, le=MAX_QTY, description="Sellable units found on the shelf")


class CountIn(Strict):
    counts: list[CountLineIn] = Field(min_length=1, max_length=100_000)
    reference: str | None = Field(default=None, max_length=100, description="Count sheet or task number")


@router.post("/stock/count", summary="Record a cycle count (absolute quantities)", status_code=201,
             response_model=CountOut)
def post_count(body: CountIn, edge: EdgeDep, associate: AssociateDep, key: IdempotencyKey = None) -> JSONResponse:
    outcome = edge.counts.count([(c.sku, c.counted) for c in body.counts], reference=body.reference,
                                actor=associate.id, key=key, now=edge.clock())
    return created(outcome)


@router.get("/stock/{sku:path}/ledger", summary="Why a SKU's levels are what they are: its movements, newest first",
            response_model=LedgerPage)
def get_ledger(edge: EdgeDep, _: AssociateDep, sku: Annotated[str, Path(max_length=64)],
               cursor: NumberCursor = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    return ledger_page(edge.db, sku, int(cursor) if cursor else None, limit)


@router.get("/stock/{sku:path}", summary="Levels of one SKU (or barcode)", response_model=StockOut)
def get_stock(edge: EdgeDep, _: AssociateDep, sku: Annotated[str, Path(max_length=64)]) -> dict:
    return edge.stock.levels(sku)


@router.post("/stock/receive", summary="Receive a delivery", status_code=201, response_model=StockChangeOut)
def post_receive(body: ReceiveIn, edge: EdgeDep, associate: AssociateDep, key: IdempotencyKey = None) -> JSONResponse:
    outcome = edge.stock.receive(sku=body.sku, qty=body.qty, reference=body.reference, actor=associate.id,
                                 idempotency_key=key)
    return created(outcome)


@router.post("/stock/adjust", summary="Correct on-hand (damaged, shrink, found, other)", status_code=201,
             response_model=StockChangeOut)
def post_adjust(body: AdjustIn, edge: EdgeDep, associate: AssociateDep, key: IdempotencyKey = None) -> JSONResponse:
    outcome = edge.stock.adjust(sku=body.sku, delta=body.delta, reason=body.reason, note=body.note, actor=associate.id,
                                idempotency_key=key)
    return created(outcome)
