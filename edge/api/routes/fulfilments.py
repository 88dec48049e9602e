"""`/v1/fulfilments`: BOPIS and ship-from-store work central assigned to this store, step by step."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field, StrictInt

from edge.api.deps import AssociateDep, EdgeDep
from edge.api.responses import FulfilmentOut, FulfilmentPage
from shared.contract.models import (
    FulfilmentStatus,
    FulfilmentType,
    Qty,
    RejectReason,
    Sku,
    Strict,
)

router = APIRouter(tags=["fulfilments"])
AllocationId = Annotated[str, Path(max_length=100)]


class RejectIn(Strict):
    reason: RejectReason = Field(description="not_found also takes the missing units off on-hand and opens a count")


class PickedLine(Strict):
    sku: Sku
    qty: Qty


class PickIn(Strict):
    lines: list[PickedLine] | None = Field(default=None, description="Units picked per SKU; omitted = everything. "
                                                                      "Fewer than ordered are shortages")


class CollectIn(Strict):
    pickup_code: str = Field(min_length=1, max_length=64, description="The code the customer shows or tells")


class ParcelIn(Strict):
    weight_g: StrictInt = Field(gt=0, le=100_000)


class PackIn(Strict):
    parcels: list[ParcelIn] = Field(min_length=1, max_length=50)


class ShipIn(Strict):
    carrier: str = Field(min_length=1, max_length=50)
    tracking_number: str = Field(min_length=1, max_length=100)


@router.get("/fulfilments", summary="Fulfilments at this store, by type and status", response_model=FulfilmentPage)
def list_fulfilments(edge: EdgeDep, _: AssociateDep, type: FulfilmentType | None = None,
                     status: FulfilmentStatus | None = None,
                     cursor: Annotated[str | None, Query(max_length=100)] = None,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    edge.fulfilments.expire_due(edge.clock())
    return edge.fulfilments.page(type and str(type), status and str(status), cursor, limit)


@router.get("/fulfilments/{allocation_id}", summary="One fulfilment", response_model=FulfilmentOut)
def get_fulfilment(edge: EdgeDep, _: AssociateDep, allocation_id: AllocationId) -> dict:
    return edge.fulfilments.get(allocation_id)


def _act(edge, associate, allocation_id: str, target: FulfilmentStatus, **details) -> dict:
    return edge.fulfilments.act(allocation_id, target, associate.id, edge.clock(), **details)


@router.post("/fulfilments/{allocation_id}/accept", summary="Accept: reserves the units", response_model=FulfilmentOut)
def accept(edge: EdgeDep, associate: AssociateDep, allocation_id: AllocationId) -> dict:
    return _act(edge, associate, allocation_id, FulfilmentStatus.ACCEPTED)


@router.post("/fulfilments/{allocation_id}/reject", summary="Reject with a reason", response_model=FulfilmentOut)
def reject(body: RejectIn, edge: EdgeDep, associate: AssociateDep, allocation_id: AllocationId) -> dict:
    return _act(edge, associate, allocation_id, FulfilmentStatus.REJECTED, reason=body.reason)


@router.post("/fulfilments/{allocation_id}/pick", summary="Picked (with shortages, if any)",
             response_model=FulfilmentOut)
def pick(edge: EdgeDep, associate: AssociateDep, allocation_id: AllocationId, body: PickIn | None = None) -> dict:
    picked = None
    if body is not None and body.lines is not None:
        picked = {}
        for line in body.lines:
            picked[line.sku] = picked.get(line.sku, 0) + line.qty
    return _act(edge, associate, allocation_id, FulfilmentStatus.PICKED, picked=picked)


@router.post("/fulfilments/{allocation_id}/ready", summary="Ready for pickup (bag on the pickup shelf)",
             response_model=FulfilmentOut)
def ready(edge: EdgeDep, associate: AssociateDep, allocation_id: AllocationId) -> dict:
    return _act(edge, associate, allocation_id, FulfilmentStatus.READY)


@router.post("/fulfilments/{allocation_id}/collect", summary="Handed to the customer, checked by pickup code",
             response_model=FulfilmentOut)
def collect(body: CollectIn, edge: EdgeDep, associate: AssociateDep, allocation_id: AllocationId) -> dict:
    return _act(edge, associate, allocation_id, FulfilmentStatus.COLLECTED, code=body.pickup_code)


@router.post("/fulfilments/{allocation_id}/pack", summary="Packed into parcels", response_model=FulfilmentOut)
def pack(body: PackIn, edge: EdgeDep, associate: AssociateDep, allocation_id: AllocationId) -> dict:
    return _act(edge, associate, allocation_id, FulfilmentStatus.PACKED, parcels=[p.weight_g for p in body.parcels])


@router.post("/fulfilments/{allocation_id}/ship", summary="Handed to the carrier", response_model=FulfilmentOut)
def ship(body: ShipIn, edge: EdgeDep, associate: AssociateDep, allocation_id: AllocationId) -> dict:
    return _act(edge, associate, allocation_id, FulfilmentStatus.SHIPPED, carrier=body.carrier,
                tracking_number=body.tracking_number)
