"""CSV exports (read): streamed a page at a time, one row per order line, receipt line, node × SKU or product."""

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from central.api.deps import ReadDep, ServiceDep
from central.store.exports import (
    ORDER_COLUMNS,
    PRODUCT_COLUMNS,
    RECEIPT_COLUMNS,
    STOCK_COLUMNS,
)
from shared.contract.models import Moment, StoreId

router = APIRouter(prefix="/v1/exports", tags=["exports"])
ROWS_PER_CHUNK = 500
From = Annotated[Moment | None, Query(alias="from", description="Inclusive (RFC 3339 with a UTC offset).")]
To = Annotated[Moment | None, Query(description="Exclusive (RFC 3339 with a UTC offset).")]


def _described(columns: tuple[str, ...]) -> dict:
    return {200: {"description": f"CSV, UTF-8, a header row: {', '.join(columns)}.",
                  "content": {"text/csv": {"schema": {"type": "string"}}}}}


def _csv(rows: Iterable[tuple], filename: str) -> StreamingResponse:
    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for n, row in enumerate(rows, start=1):
            writer.writerow(row)
            if n % ROWS_PER_CHUNK == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(chunks(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/orders", response_class=StreamingResponse, responses=_described(ORDER_COLUMNS),
            summary="Orders as CSV, one row per line, oldest first, by when they were placed (read)")
def export_orders(service: ServiceDep, _: ReadDep, from_: From = None, to: To = None) -> StreamingResponse:
    return _csv(service.exports.orders(from_, to), "orders.csv")


@router.get("/receipts", response_class=StreamingResponse, responses=_described(RECEIPT_COLUMNS),
            summary="Stores' walk-in receipts as CSV, one row per line, by receipt number (read)")
def export_receipts(service: ServiceDep, _: ReadDep, from_: From = None, to: To = None,
                    store: Annotated[StoreId | None, Query(description="Only this store's receipts.")] = None) \
        -> StreamingResponse:
    return _csv(service.exports.receipts(from_, to, store), "receipts.csv")


@router.get("/stock", response_class=StreamingResponse, responses=_described(STOCK_COLUMNS),
            summary="Stock levels per node and SKU as CSV; warehouse rows load back as a warehouse-stock import "
                    "(read)")
def export_stock(service: ServiceDep, _: ReadDep,
                 node: Annotated[StoreId | None, Query(description="Only this node.")] = None,
                 node_type: Annotated[Literal["store", "warehouse"] | None, Query()] = None) -> StreamingResponse:
    return _csv(service.exports.stock(node, node_type), "stock.csv")


@router.get("/products", response_class=StreamingResponse, responses=_described(PRODUCT_COLUMNS),
            summary="The catalog as CSV, by SKU; it loads back as a products import (read)")
def export_products(service: ServiceDep, _: ReadDep) -> StreamingResponse:
    return _csv(service.exports.products(), "products.csv")
