"""`/v1/sales`: walk-in sales at the counter, and their receipts."""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from edge.api.answers import created
from edge.api.deps import (
    AssociateDep,
    EdgeDep,
    IdempotencyHeader,
    SignInDep,
    idempotency_key,
)
from edge.api.responses import SaleOut
from edge.domain.sales import TenderIn
from edge.services.access import ManagerApproval
from edge.services.fulfilment_papers import product_names
from edge.services.sales import SaleIn, SaleLineIn
from shared.contract.models import Minor, PositiveQty, Strict

router = APIRouter(tags=["sales"])


class SaleLineBody(Strict):
    sku: str | None = Field(default=None, min_length=1, max_length=64, description="SKU (or give barcode)")
    barcode: str | None = Field(default=None, min_length=1, max_length=64, description="GTIN as scanned")
    qty: PositiveQty
    price_override: Minor | None = Field(default=None, description="Unit price instead of the catalog's; needs a "
                                                                   "manager and override_reason")
    override_reason: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_code(self) -> "SaleLineBody":
        if (self.sku is None) == (self.barcode is None):
            raise ValueError("give either sku or barcode for each line")
        return self


class TenderBody(Strict):
    type: Literal["cash", "card", "store_credit"]
    amount: Minor
    reference: str | None = Field(default=None, min_length=1, max_length=100,
                                  description="Card terminal reference, or the credit note number")


class SaleBody(Strict):
    lines: list[SaleLineBody] = Field(min_length=1, max_length=500)
    tenders: list[TenderBody] = Field(default=[], max_length=20)
    manager: ManagerApproval | None = Field(default=None, description="A manager approving an override or a sale "
                                                                      "of reserved units")


class SaleCheckBody(Strict):
    lines: list[SaleLineBody] = Field(min_length=1, max_length=500)
    manager: ManagerApproval | None = Field(default=None, description="The manager approving the basket")


class SaleApproval(BaseModel):
    total: int = Field(description="The basket's total in minor units")
    currency: str
    needs_manager: list[str] = Field(description="Why a manager must approve, in an associate's words; empty: no one")
    approved_by: str | None = Field(description="The manager who approves (checked like a sign-in), if one was needed")


@router.post("/sales/approval", summary="Before the money: whether a basket needs a manager, and whether the one "
             "given approves it (nothing is recorded; the sale checks again)", response_model=SaleApproval,
             responses={403: {"description": "manager_required: why, in an associate's words"},
                        404: {"description": "unknown_sku"}, 422: {"description": "validation_error"},
                        429: {"description": "too_many_attempts"}})
def check_sale(body: SaleCheckBody, edge: EdgeDep, associate: AssociateDep) -> dict:
    lines = [SaleLineIn(line.sku or line.barcode, line.qty, line.price_override, line.override_reason)
             for line in body.lines]
    return edge.sales.check(lines, body.manager, associate, edge.clock())


@router.post("/sales", summary="Record a walk-in sale", status_code=201, response_model=SaleOut,
             responses={403: {"description": "manager_required"}, 422: {"description": "validation_error, "
                        "tender_mismatch, idempotency_mismatch, credit_note_refused (unknown, currency, expired, "
                        "insufficient: head office's sentence)"}, 503: {"description": "central_unreachable (store "
                        "credit while offline)"}})
def post_sale(body: SaleBody, signed_in: SignInDep, key: IdempotencyHeader = None) -> JSONResponse:
    associate = signed_in.associate()  # here, not as a dependency: one hand-off to the thread pool, not two
    edge = signed_in.edge  # the sign-in carries the agent's state: one dependency fewer to solve on the event loop
    sale = SaleIn(lines=[SaleLineIn(line.sku or line.barcode, line.qty, line.price_override, line.override_reason)
                         for line in body.lines],
                  tenders=[TenderIn(t.type, t.amount, t.reference) for t in body.tenders],
                  manager=body.manager, request=body.model_dump(mode="json"))
    outcome = edge.sales.record(sale, associate, idempotency_key(associate, key), edge.clock())
    return created(outcome)


@router.get("/sales/{receipt}", summary="A sale's receipt by its number (another store's from head office)",
            response_model=SaleOut,
            responses={404: {"description": "not_found"},
                       503: {"description": "central_unreachable: another store's receipt while head office is "
                                            "away"}})
async def get_sale(edge: EdgeDep, _: AssociateDep, receipt: Annotated[str, Path(max_length=40)]) -> dict:
    if not edge.sales.is_other_stores(receipt):
        return await asyncio.to_thread(edge.sales.receipt, receipt)
    other = await edge.other_receipts.fetch(receipt)
    with edge.db.read() as conn:
        names = product_names(conn, [line.model_dump() for line in other.lines])
    return {"receipt_number": other.receipt_number, "sold_at": other.store_id, "currency": other.currency,
            "occurred_at": other.occurred_at, "total": other.total,
            "lines": [{**line.model_dump(), "name": names.get(line.sku, line.sku)} for line in other.lines],
            "tenders": [{"type": t.type, "amount": t.paid, "refunded": t.refunded} for t in other.tenders]}
