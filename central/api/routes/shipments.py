"""A warehouse's shipment feed (issue: warehouses finish their orders): what left, with carrier and tracking, and
what it cannot fill. Called by the warehouse's ERP/WMS with the same admin token as its stock feed."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field, field_validator

from central.api.deps import AdminDep, IdempotencyKey, ServiceDep
from shared.contract.addresses import control_characters
from shared.contract.models import Line, Moment, Sku, Strict
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/nodes", tags=["nodes"])
NodeIdPath = Annotated[str, Path(pattern=STORE_ID.pattern, description="The warehouse's id, e.g. DC1.")]
AllocationIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The allocation's id.")]


def _printable(value: str) -> str:
    if control_characters(value):
        raise ValueError("must not contain control characters")
    return value.strip()


class ShipmentBody(Strict):
    allocation_id: str = Field(min_length=1, max_length=64, description="The allocation being shipped (from the "
                                                                        "order's `allocations`).")
    lines: list[Line] | None = Field(None, min_length=1, max_length=100,
                                     description="Units in this shipment; omitted = everything not shipped yet. "
                                                 "Fewer than allocated is a partial shipment.")
    carrier: str = Field(min_length=1, max_length=50, examples=["DHL"])
    tracking_number: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$")
    shipped_at: Moment = Field(description="When the parcel left (with a UTC offset); not in the future.")

    _text = field_validator("carrier")(_printable)

    @field_validator("lines")
    @classmethod
    def _one_line_per_sku(cls, lines: list[Line] | None) -> list[Line] | None:
        if lines is not None and len({line.sku for line in lines}) != len(lines):
            raise ValueError("a SKU appears more than once; put its whole quantity on one line")
        return lines


class ShipmentLine(BaseModel):
    sku: Sku
    qty: int


class ShipmentView(BaseModel):
    id: str
    allocation_id: str
    order_id: str
    node_id: str
    lines: list[ShipmentLine]
    carrier: str
    tracking_number: str
    tracking_url: str | None = Field(description="The carrier's tracking page, when the settings know the carrier.")
    shipped_at: datetime
    allocation_status: str = Field(description="`shipped` once every unit has left, else still `accepted`.")
    order_status: str
    unshipped: list[ShipmentLine] = Field(description="What is left of the allocation to ship.")


class WarehouseReject(Strict):
    reason: Literal["not_found", "damaged", "no_capacity", "other"]
    note: str | None = Field(None, max_length=200)

    _text = field_validator("note")(lambda v: None if v is None else _printable(v))


class AllocationLine(BaseModel):
    id: str
    node_id: str
    status: str
    lines: list[ShipmentLine]


class RejectionView(BaseModel):
    allocation_id: str
    allocation_status: str = Field(description="`rejected`, or `shipped` when part of it had shipped already.")
    rejected_allocation_id: str = Field(description="The allocation holding the rejected units (the same one when "
                                                    "nothing had shipped).")
    reason: str | None
    rejected: list[ShipmentLine]
    order_id: str
    order_status: str
    allocations: list[AllocationLine] = Field(description="The order's allocations after re-routing.")


@router.post("/{node_id}/shipments", status_code=201, response_model=ShipmentView,
             summary="A warehouse shipped (part of) an allocation (admin)")
def post_shipment(node_id: NodeIdPath, body: ShipmentBody, service: ServiceDep, response: Response, _: AdminDep,
                  idempotency_key: IdempotencyKey = None) -> dict:
    status, view = service.shipments.ship(node_id, body.model_dump(mode="json"), idempotency_key, utc_now())
    response.status_code = status
    return view


@router.post("/{node_id}/allocations/{allocation_id}/reject", response_model=RejectionView,
             summary="A warehouse cannot fill (the rest of) an allocation: it is routed again elsewhere (admin)")
def reject_allocation(node_id: NodeIdPath, allocation_id: AllocationIdPath, body: WarehouseReject,
                      service: ServiceDep, _: AdminDep, idempotency_key: IdempotencyKey = None) -> dict:
    return service.shipments.reject(node_id, allocation_id, body.reason, body.note, idempotency_key, utc_now())
