"""`/v1/transfers`: stock head office moves between nodes — the transfers this store ships and those it receives."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field, StrictBool

from edge.api.deps import AssociateDep, EdgeDep, IdempotencyKey
from edge.api.responses import TransferOut, TransferPage
from edge.domain.transfers import REJECT_REASONS, Direction, Status
from shared.contract.models import Qty, Sku, Strict

router = APIRouter(tags=["transfers"])
TransferId = Annotated[str, Path(max_length=100)]


class CountedLine(Strict):
    sku: Sku = Field(description="SKU or barcode (GTIN) of a unit the transfer carries")
    qty: Qty = Field(description="Units counted (0 or more)")


class ShipIn(Strict):
    lines: list[CountedLine] = Field(max_length=1000, description="Units shipped per SKU; a SKU not named ships none")
    carrier: str | None = Field(default=None, min_length=1, max_length=50)
    tracking_number: str | None = Field(default=None, min_length=1, max_length=100)
    confirmed_short: StrictBool = Field(default=False, description="The associate confirmed shipping fewer units "
                                                                   "than asked (else 409 short_shipment_unconfirmed)")


class RejectIn(Strict):
    reason: Literal[REJECT_REASONS] = Field(description="not_found also takes the units off on-hand and opens a "
                                                        "count; damaged moves them to the damaged pile")


class ReceiveIn(Strict):
    lines: list[CountedLine] = Field(max_length=1000, description="Units counted in per SKU; a SKU not named: none")
    confirmed_difference: StrictBool = Field(default=False, description="The associate confirmed a count that differs "
                                                                        "from what was shipped (else 409 "
                                                                        "receipt_difference_unconfirmed)")


def _pairs(lines: list[CountedLine]) -> list[tuple[str, int]]:
    return [(line.sku, line.qty) for line in lines]


@router.get("/transfers", summary="Transfers of this store: to send (out) and to receive (in)",
            response_model=TransferPage)
def list_transfers(edge: EdgeDep, _: AssociateDep, direction: Direction | None = None, status: Status | None = None,
                   open: Annotated[bool, Query(description="Only those waiting at the counter (reserved, "
                                                           "in transit)")] = False,
                   cursor: Annotated[str | None, Query(max_length=100)] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    statuses = (str(status),) if status is not None else None
    if open:
        statuses = tuple(s for s in (Status.RESERVED, Status.IN_TRANSIT) if statuses is None or s in statuses)
    return edge.transfers.page(direction and str(direction), statuses, cursor, limit)


@router.get("/transfers/{transfer_id}", summary="One transfer", response_model=TransferOut)
def get_transfer(edge: EdgeDep, _: AssociateDep, transfer_id: TransferId) -> dict:
    return edge.transfers.get(transfer_id)


@router.post("/transfers/{transfer_id}/ship", summary="Shipped: the units leave, the transfer slip prints",
             response_model=TransferOut)
def ship(body: ShipIn, edge: EdgeDep, associate: AssociateDep, transfer_id: TransferId,
         key: IdempotencyKey = None) -> dict:
    return edge.transfers.ship(transfer_id, _pairs(body.lines), carrier=body.carrier,
                               tracking_number=body.tracking_number, confirmed_short=body.confirmed_short,
                               actor=associate.id, key=key, now=edge.clock())


@router.post("/transfers/{transfer_id}/reject", summary="None of it can be sent", response_model=TransferOut)
def reject(body: RejectIn, edge: EdgeDep, associate: AssociateDep, transfer_id: TransferId,
           key: IdempotencyKey = None) -> dict:
    return edge.transfers.reject(transfer_id, body.reason, actor=associate.id, key=key, now=edge.clock())


@router.post("/transfers/{transfer_id}/receive", summary="Counted in: the units go on the shelf",
             response_model=TransferOut)
def receive(body: ReceiveIn, edge: EdgeDep, associate: AssociateDep, transfer_id: TransferId,
            key: IdempotencyKey = None) -> dict:
    return edge.transfers.receive(transfer_id, _pairs(body.lines), confirmed_difference=body.confirmed_difference,
                                  actor=associate.id, key=key, now=edge.clock())
