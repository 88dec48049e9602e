"""`POST /v1/returns`: goods coming back over the counter, with a store receipt, an online order (from central,
or offline from its signed receipt token) or (with a manager) without."""

import asyncio
from dataclasses import replace
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import Field, model_validator

from edge.api.answers import created
from edge.api.deps import AssociateDep, EdgeDep, IdempotencyKey
from edge.api.responses import ReturnOut
from edge.domain.returns import refuse_other_currency
from edge.services.access import ManagerApproval
from edge.services.order_tokens import offline_order
from edge.services.returns import KeptElsewhere, OrderedLine, ReturnIn, ReturnLineIn
from edge.sync.other_receipts import CentralReceipt
from shared.contract.errors import CentralUnreachable
from shared.contract.models import Disposition, PositiveQty, Strict

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
    receipt_number: str | None = Field(default=None, max_length=40, description="The store receipt; neither this "
                                                                                "nor order_id = no receipt (needs "
                                                                                "a manager)")
    order_id: str | None = Field(default=None, min_length=1, max_length=100,
                                 description="An online order instead of a store receipt; its lines come from head "
                                             "office")
    receipt_token: str | None = Field(default=None, max_length=4000,
                                      description="The signed receipt token (QR code) of an online order: used "
                                                  "when head office cannot be asked; the store's own fulfilment of "
                                                  "the order keeps one too")
    lines: list[ReturnLineBody] = Field(min_length=1, max_length=200)
    refund_to: Literal["original", "store_credit"] = Field(
        default="original", description="original: the sale's tenders (an online order: its online payment)")
    manager: ManagerApproval | None = None

    @model_validator(mode="after")
    def _one_original(self) -> "ReturnBody":
        if self.receipt_number is not None and self.order_id is not None:
            raise ValueError("give either receipt_number or order_id, not both")
        return self


@router.post("/returns", summary="Take a return and refund it", status_code=201, response_model=ReturnOut,
             responses={403: {"description": "manager_required"}, 404: {"description": "not_found, unknown_sku"},
                        503: {"description": "central_unreachable: an online order while head office is away, "
                                              "and no receipt token; another store's receipt while head office "
                                              "is away"},
                        422: {"description": "return_exceeds_sold, invalid_receipt_token, validation_error, "
                                             "idempotency_mismatch, currency_mismatch"}})
async def post_return(body: ReturnBody, edge: EdgeDep, associate: AssociateDep,
                      key: IdempotencyKey = None) -> JSONResponse:
    ret = ReturnIn(receipt_number=body.receipt_number, refund_to=body.refund_to, manager=body.manager,
                   lines=[ReturnLineIn(line.sku or line.barcode, line.qty, line.reason, line.disposition)
                          for line in body.lines],
                   request=body.model_dump(mode="json"), order_id=body.order_id)
    if body.order_id is not None:
        # A retry answers what was recorded, even if head office cannot be asked any more.
        replayed = await asyncio.to_thread(edge.returns.replay, key, ret.request)
        if replayed is not None:
            return created(replayed)
        try:
            known = await edge.online_orders.fetch(body.order_id)
            order = KeptElsewhere(lines=tuple(OrderedLine(line.sku, line.allocated, line.returned, line.unit_price)
                                               for line in known.lines), currency=known.currency)
        except CentralUnreachable:
            order = await asyncio.to_thread(offline_order, edge.db, body.order_id, body.receipt_token)
            if order is None:
                raise
        ret = replace(ret, elsewhere=order)
    elif body.receipt_number is not None and edge.sales.is_other_stores(body.receipt_number):
        replayed = await asyncio.to_thread(edge.returns.replay, key, ret.request)
        if replayed is not None:
            return created(replayed)
        ret = replace(ret, elsewhere=kept_elsewhere(await edge.other_receipts.fetch(body.receipt_number),
                                                    edge.settings.currency))
    outcome = await asyncio.to_thread(edge.returns.record, ret, associate, key, edge.clock())
    return created(outcome)


def kept_elsewhere(receipt: CentralReceipt, currency: str) -> KeptElsewhere:
    """Another store's receipt as a return here needs it; refused when it was paid in another currency."""
    refuse_other_currency(receipt.receipt_number, receipt.store_id, receipt.currency, currency)
    return KeptElsewhere(lines=tuple(OrderedLine(line.sku, line.qty, line.returned, line.unit_price)
                                     for line in receipt.lines),
                         currency=receipt.currency,
                         paid=tuple((t.type, t.paid, t.refunded) for t in receipt.tenders))
