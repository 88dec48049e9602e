"""Inbound supply: purchase orders to a store or warehouse, with their expected date, receipts and cancellation.
Outstanding units show in ATP as `inbound` (future availability) and may be claimed by backorders."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from central.api.deps import (
    AdminDep,
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    ReadDep,
    ServiceDep,
)
from shared.contract.models import Line, Strict
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/supply", tags=["supply"])
SupplyIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The purchase order's id (PO-…).")]


def one_line_per_sku(lines: list[Line]) -> list[Line]:
    if len({line.sku for line in lines}) != len(lines):
        raise ValueError("a SKU appears more than once; put its whole quantity on one line")
    return lines


class PurchaseOrderBody(Strict):
    node_id: str = Field(pattern=STORE_ID.pattern, description="The store or warehouse the units arrive at.")
    reference: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$",
                                  description="The supplier's or the ERP's number for it.")
    expected_at: AwareDatetime = Field(description="When the units are expected (with a UTC offset).")
    lines: list[Line] = Field(min_length=1, max_length=500)

    _lines = field_validator("lines")(one_line_per_sku)


class ReceiptBody(Strict):
    lines: list[Line] = Field(min_length=1, max_length=500, description="Units that arrived now; fewer than "
                                                                        "outstanding is a partial receipt.")

    _lines = field_validator("lines")(one_line_per_sku)


class SupplyLineView(BaseModel):
    sku: str
    qty: int = Field(description="Units ordered.")
    received: int
    outstanding: int = Field(description="Units still to come (0 once received in full or cancelled).")
    claimed: int = Field(description="Outstanding units backorders have claimed.")


class PurchaseOrderView(BaseModel):
    id: str
    kind: Literal["purchase_order"]
    node_id: str
    reference: str | None
    expected_at: str = Field(description="RFC 3339, UTC, as every time central answers.")
    status: Literal["open", "received", "cancelled"]
    lines: list[SupplyLineView]
    created_at: str
    updated_at: str


class ReceiptView(PurchaseOrderView):
    orders_allocated: list[str] = Field(description="Orders that waited for these units, allocated now.")


class PurchaseOrderPage(BaseModel):
    items: list[PurchaseOrderView]
    next_cursor: str | None


@router.post("/purchase-orders", status_code=201, response_model=PurchaseOrderView,
             summary="Record a purchase order: units expected at a node on a date (admin)")
def create_purchase_order(body: PurchaseOrderBody, service: ServiceDep, response: Response, _: AdminDep,
                          idempotency_key: IdempotencyKey = None) -> dict:
    status, view = service.supply.create(body.model_dump(mode="json"), idempotency_key, utc_now())
    response.status_code = status
    return view


@router.get("/purchase-orders", response_model=PurchaseOrderPage, summary="Purchase orders, newest first (read)")
def list_purchase_orders(service: ServiceDep, _: ReadDep, cursor: CursorQuery = None, limit: LimitQuery = 100,
                         node_id: Annotated[str | None, Query(pattern=STORE_ID.pattern)] = None,
                         status: Literal["open", "received", "cancelled"] | None = None) -> dict:
    items, next_cursor = service.supply.listing(node_id, status, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/purchase-orders/{supply_id}", response_model=PurchaseOrderView,
            summary="One purchase order with what was received and claimed (read)")
def get_purchase_order(supply_id: SupplyIdPath, service: ServiceDep, _: ReadDep) -> dict:
    return service.supply.view(supply_id)


@router.post("/purchase-orders/{supply_id}/receipts", response_model=ReceiptView,
             summary="Units of a purchase order arrived, all or part; backorders waiting for them are allocated "
                     "(admin)")
def receive_purchase_order(supply_id: SupplyIdPath, body: ReceiptBody, service: ServiceDep, _: AdminDep,
                           idempotency_key: IdempotencyKey = None) -> dict:
    return service.supply.receive(supply_id, body.model_dump(mode="json"), idempotency_key, utc_now())[1]


@router.post("/purchase-orders/{supply_id}/cancel", response_model=PurchaseOrderView,
             summary="Nothing more will come: its claims are released (admin)")
def cancel_purchase_order(supply_id: SupplyIdPath, service: ServiceDep, _: AdminDep) -> dict:
    return service.supply.cancel(supply_id, utc_now())
