"""`POST /v1/returns`: goods coming back over the counter, with a store receipt or (with a manager) without."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from edge.api.deps import AssociateDep, EdgeDep, IdempotencyKey
from edge.auth import ManagerApproval
from edge.returns_service import ReturnIn, ReturnLineIn
from shared.models import Disposition, PositiveQty, Strict

router = APIRouter(tags=["returns"])


class ReturnLineBody(Strict):
    sku: str | None = Field(default=None, min_length=1, max_length=64)
    barcode: str | None = Field(default=None, min_length=1, max_length=64)
    qty: PositiveQty
    reason: str = Field(min_length=1, max_length=100, description="Why the customer brings it back")
    disposition: Disposition = Field(description="restock (back on the shelf), damaged, or write_off")

    @model_validator(mode="after")
    def _one_code(self) -> "ReturnLineBody":
        if (self.sku is None) == (self.barcode is None):
            raise ValueError("give either sku or barcode for each line")
        return self


class ReturnBody(Strict):
    receipt_number: str | None = Field(default=None, max_length=40, description="The store receipt; omitted = no "
                                                                                "receipt (needs a manager)")
    lines: list[ReturnLineBody] = Field(min_length=1, max_length=200)
    refund_to: Literal["original", "store_credit"] = "original"
    manager: ManagerApproval | None = None


@router.post("/returns", summary="Take a return and refund it", status_code=201,
             responses={403: {"description": "manager_required"}, 404: {"description": "not_found, unknown_sku"},
                        422: {"description": "return_exceeds_sold, validation_error, idempotency_mismatch"}})
def post_return(body: ReturnBody, edge: EdgeDep, associate: AssociateDep, key: IdempotencyKey = None) -> JSONResponse:
    ret = ReturnIn(receipt_number=body.receipt_number, refund_to=body.refund_to, manager=body.manager,
                   lines=[ReturnLineIn(line.sku or line.barcode, line.qty, line.reason, line.disposition)
                          for line in body.lines],
                   request=body.model_dump(mode="json"))
    outcome = edge.returns.record(ret, associate, key, edge.clock())
    return JSONResponse(outcome.body, status_code=outcome.status)
