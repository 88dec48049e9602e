"""Bulk imports from CSV (admin): the upload is stored and answered with 202; the rows apply in the background.

A row obeys the same model as the single-item route of its kind, so a CSV row and a JSON body follow one set of
rules.
"""

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from pydantic import BaseModel, Field

from central.api.deps import (
    AdminDep,
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    ServiceDep,
)
from central.api.routes.nodes import FeedItem
from central.api.routes.stores import StoreBody
from central.domain.safety_stock import SafetyStock
from shared.contract.models import Moment, Product, StoreId
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/imports", tags=["imports"])


class StoreRow(StoreBody):
    """A store registration (PUT /v1/stores/{id}) with its id as a column."""

    id: StoreId


class WarehouseStockRow(FeedItem):
    """One SKU of a warehouse's stock feed (PUT /v1/nodes/{id}/stock) with the node and the count's time."""

    node_id: StoreId
    as_of: Moment


class ImportKindName(StrEnum):
    PRODUCTS = "products"
    STORES = "stores"
    WAREHOUSE_STOCK = "warehouse-stock"
    SAFETY_STOCK = "safety-stock"


ROW_MODELS: dict[ImportKindName, type[BaseModel]] = {
    ImportKindName.PRODUCTS: Product,
    ImportKindName.STORES: StoreRow,
    ImportKindName.WAREHOUSE_STOCK: WarehouseStockRow,
    ImportKindName.SAFETY_STOCK: SafetyStock,
}


class ImportRefusal(BaseModel):
    row: int = Field(description="As a spreadsheet numbers it: the header is row 1, the first data row 2.")
    column: str | None = Field(description="None: the row as a whole.")
    message: str


class ImportView(BaseModel):
    id: str
    kind: str
    status: str = Field(description="queued, running, done or failed (the file stopped being readable, or head "
                                    "office stopped during the import; `error` says).")
    rows_read: int
    rows_applied: int
    rows_refused: int
    bytes: int
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


class ImportProgress(ImportView):
    refusals: list[ImportRefusal] = Field(description="Refused rows in row order, a page at a time.")
    next_cursor: str | None


async def _csv_body(request: Request) -> bytes:
    """The raw upload, whatever it holds (the service reads it as CSV); any other media type is refused first."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "text/csv":
        raise HTTPException(415, "Send the file with Content-Type: text/csv.")
    return await request.body()


_CSV_REQUEST = {"requestBody": {"required": True, "description": "CSV, UTF-8, a header row naming the columns.",
                                "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.post("/{kind}", status_code=202, response_model=ImportView, openapi_extra=_CSV_REQUEST,
             summary="Upload a CSV file of products, stores, warehouse stock or safety stock (admin)")
def post_import(kind: Annotated[ImportKindName, Path(description="What the file holds.")],
                body: Annotated[bytes, Depends(_csv_body)], service: ServiceDep, response: Response,
                _: AdminDep, idempotency_key: IdempotencyKey) -> dict:
    view = service.imports.submit(kind.value, body, ROW_MODELS[kind], utc_now(), idempotency_key)
    response.headers["Location"] = f"/v1/imports/{view['id']}"
    return view


@router.get("/{import_id}", response_model=ImportProgress,
            summary="An import's progress and the rows it refused, a page at a time (admin)")
def get_import(import_id: Annotated[str, Path(max_length=64)], service: ServiceDep, _: AdminDep,
               cursor: CursorQuery = None, limit: LimitQuery = 100) -> dict:
    view = service.imports.view(import_id)
    refusals, next_cursor = service.imports.refusals(import_id, cursor, limit)
    return {**view, "refusals": refusals, "next_cursor": next_cursor}
