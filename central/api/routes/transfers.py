"""Transfers between nodes (docs/transfers.md): head office asks a store to send units to another store or a
warehouse, follows them, cancels before they ship, receives them at a warehouse, and resolves a short receipt."""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, Field, field_validator

from central.api.deps import (
    AdminDep,
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    ReadDep,
    ServiceDep,
)
from central.api.routes.supply import one_line_per_sku
from shared.contract.models import Line, Moment, Strict
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/transfers", tags=["transfers"])
TransferIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The transfer's id (TR-…).")]
Status = Literal["requested", "accepted", "cancel_requested", "shipped", "received", "rejected", "cancelled"]
NodeId = Annotated[str, Field(pattern=STORE_ID.pattern)]


class TransferBody(Strict):
    from_node: NodeId = Field(description="The store that sends the units.")
    to_node: NodeId = Field(description="The store or warehouse that receives them.")
    lines: list[Line] = Field(min_length=1, max_length=500)
    reference: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$",
                                  description="Head office's own number for it.")
    expected_at: Moment | None = Field(None, description="When the units should arrive; none: shipping time plus "
                                                         "the policy's `transfer_transit_s`.")

    _lines = field_validator("lines")(one_line_per_sku)


class CancelBody(Strict):
    reason: str | None = Field(None, min_length=1, max_length=200, description="Told to the sending store.")


class WarehouseReceiptBody(Strict):
    lines: list[Line] = Field(min_length=1, max_length=500, description="Units counted in, per SKU; fewer or more "
                                                                        "than shipped opens a discrepancy.")

    _lines = field_validator("lines")(one_line_per_sku)


class ResolveBody(Strict):
    note: str = Field(min_length=1, max_length=500, description="What was found or decided (kept in the history).")


class TransferLineView(BaseModel):
    sku: str
    qty: int = Field(description="Units asked (0 for a SKU shipped or received that was not asked).")
    shipped: int
    received: int


class DiscrepancyLine(BaseModel):
    sku: str
    shipped: int
    received: int
    missing: int = Field(description="shipped − received; below 0 when more arrived than shipped.")


class DiscrepancyView(BaseModel):
    status: Literal["open", "resolved"]
    lines: list[DiscrepancyLine]
    note: str | None
    resolved_at: str | None


class HistoryEntry(BaseModel, extra="allow"):
    at: str
    kind: str = Field(description="requested, accepted, rejected, cancel_requested, cancelled, shipped, "
                                  "cancel_too_late, received, discrepancy_resolved, or `<event>_recorded_only` for a "
                                  "store's event that came out of place.")
    status: str = Field(description="The transfer's status after it.")
    source: str = Field(description="api, or store:<id>.")


class TransferView(BaseModel):
    id: str
    from_node: str
    to_node: str
    reference: str | None
    status: Status
    lines: list[TransferLineView]
    in_transit: int = Field(description="Units shipped and not received yet (inbound at the receiver).")
    expected_at: str | None = Field(description="When the units in transit are due (RFC 3339, UTC).")
    carrier: str | None
    tracking_number: str | None
    shipped_at: str | None
    received_at: str | None
    discrepancy: DiscrepancyView | None = Field(description="Set when units received differ from units shipped.")
    history: list[HistoryEntry]
    created_at: str
    updated_at: str


class TransferPage(BaseModel):
    items: list[TransferView]
    next_cursor: str | None


@router.post("", status_code=201, response_model=TransferView,
             summary="Ask a store to send units to another store or a warehouse (admin)")
def create_transfer(body: TransferBody, service: ServiceDep, response: Response, _: AdminDep,
                    idempotency_key: IdempotencyKey = None) -> dict:
    status, view = service.transfers.create(body.model_dump(mode="json"), idempotency_key, utc_now())
    response.status_code = status
    return view


@router.get("", response_model=TransferPage, summary="Transfers, newest first (read)")
def list_transfers(service: ServiceDep, _: ReadDep, cursor: CursorQuery = None, limit: LimitQuery = 100,
                   from_node: Annotated[str | None, Query(pattern=STORE_ID.pattern)] = None,
                   to_node: Annotated[str | None, Query(pattern=STORE_ID.pattern)] = None,
                   status: Status | None = None,
                   discrepancy: Literal["open", "resolved"] | None = None) -> dict:
    items, next_cursor = service.transfers.listing(
        {"from_node": from_node, "to_node": to_node, "status": status, "discrepancy": discrepancy}, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{transfer_id}", response_model=TransferView,
            summary="One transfer with its lines, history and discrepancy (read)")
def get_transfer(transfer_id: TransferIdPath, service: ServiceDep, _: ReadDep) -> dict:
    return service.transfers.view(transfer_id)


@router.post("/{transfer_id}/cancel", response_model=TransferView,
             summary="Cancel before it ships: the sending store is told (admin)")
def cancel_transfer(transfer_id: TransferIdPath, service: ServiceDep, _: AdminDep,
                    body: Annotated[CancelBody | None, Body()] = None) -> dict:
    return service.transfers.cancel(transfer_id, body.reason if body else None, utc_now())


@router.post("/{transfer_id}/receive", response_model=TransferView,
             summary="Units of a transfer arrived at a warehouse (admin; stores receive at the counter)")
def receive_transfer(transfer_id: TransferIdPath, body: WarehouseReceiptBody, service: ServiceDep, _: AdminDep,
                     idempotency_key: IdempotencyKey = None) -> dict:
    return service.transfers.receive_at_warehouse(transfer_id, body.model_dump(mode="json"), idempotency_key,
                                                  utc_now())[1]


@router.post("/{transfer_id}/discrepancy/resolve", response_model=TransferView,
             summary="Close a transfer's discrepancy with a note (admin)")
def resolve_discrepancy(transfer_id: TransferIdPath, body: ResolveBody, service: ServiceDep, _: AdminDep) -> dict:
    return service.transfers.resolve(transfer_id, body.note, utc_now())
