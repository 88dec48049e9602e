"""`/v1/stock`: a SKU's levels, deliveries received and adjustments, each an event for central."""

from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import Field

from edge.api.deps import AssociateDep, EdgeDep, IdempotencyKey
from shared.models import AdjustReason, Sku, Strict

router = APIRouter(tags=["stock"])

class ReceiveIn(Strict):
    sku: Sku = Field(description="SKU or barcode (GTIN)")
    qty: int = Field(gt=0, le=1_000_000, description="Units received")
    reference: str = Field(min_length=1, max_length=100, description="Delivery note, PO or transfer number")


class AdjustIn(Strict):
    sku: Sku = Field(description="SKU or barcode (GTIN)")
    delta: int = Field(ge=-1_000_000, le=1_000_000, description="Change of on-hand: negative for units gone")
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


@router.get("/stock/{sku:path}", summary="Levels of one SKU (or barcode)", response_model=StockOut)
def get_stock(edge: EdgeDep, _: AssociateDep, sku: Annotated[str, Path(max_length=64)]) -> dict:
    return edge.stock.levels(sku)


@router.post("/stock/receive", summary="Receive a delivery", status_code=201, response_model=StockChangeOut)
def post_receive(body: ReceiveIn, edge: EdgeDep, associate: AssociateDep, key: IdempotencyKey = None) -> JSONResponse:
    outcome = edge.stock.receive(sku=body.sku, qty=body.qty, reference=body.reference, actor=associate.id,
                                 idempotency_key=key)
    return JSONResponse(outcome.body, status_code=outcome.status)


@router.post("/stock/adjust", summary="Correct on-hand (damaged, shrink, found, other)", status_code=201,
             response_model=StockChangeOut)
def post_adjust(body: AdjustIn, edge: EdgeDep, associate: AssociateDep, key: IdempotencyKey = None) -> JSONResponse:
    outcome = edge.stock.adjust(sku=body.sku, delta=body.delta, reason=body.reason, note=body.note, actor=associate.id,
                                idempotency_key=key)
    return JSONResponse(outcome.body, status_code=outcome.status)
