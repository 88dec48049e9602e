"""Changing a placed order (head office): cancel or reduce a line before it is picked, move a held pickup to
another store."""

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path
from pydantic import BaseModel, ConfigDict, Field

from central.api.deps import OrdersDep, ServiceDep
from shared.contract.models import Sku, Strict
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/orders", tags=["orders"])
OrderIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The order's id.")]
SkuPath = Annotated[Sku, Path(description="The SKU of the order line.")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                              description="The same key and body answer the original result.")]
Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]


class LineCancelBody(Strict):
    qty: int | None = Field(None, ge=1, le=1_000_000, description="Units to cancel; omitted: every unit still "
                                                                  "open (the whole line).")
    reason: Text = "requested by the customer"


class CustomerAgreement(Strict):
    recorded_by: Text = Field(description="Who at head office spoke with the customer.")
    channel: Literal["phone", "email", "chat", "in_store"] = Field(description="How the customer agreed.")
    note: Annotated[str, Field(max_length=500, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")] | None = None


class MoveBody(Strict):
    store_id: str = Field(pattern=STORE_ID.pattern, description="The pickup store the customer now collects from.")
    customer_agreement: CustomerAgreement


class LineView(BaseModel):
    sku: str
    qty: int = Field(description="Units ordered.")
    unit_price: int | None
    allocated: int = Field(description="Units a live allocation covers.")
    cancelled: int = Field(description="Units given up (refund due).")
    unfilled: int = Field(description="Units still waiting for a node.")
    returned: int


class RefundDue(BaseModel):
    sku: str
    qty: int
    amount: int = Field(description="Minor units, the order's currency.")
    reason: str
    source: str
    at: str


class ChangedOrder(BaseModel):
    """The order after the change (the whole view of GET /v1/orders/{id}; the main fields are listed here)."""

    model_config = ConfigDict(extra="allow")

    id: str
    status: str
    status_reason: str | None
    delivery: dict
    currency: str | None
    lines: list[LineView]
    total: int | None
    refund_due: int = Field(description="Sum of the refunds due, minor units.")
    net_charge: int | None = Field(description="Total minus the refunds due.")
    refunds_due: list[RefundDue]
    allocations: list[dict]
    pickup_code: str | None = Field(None, description="A move's new pickup code: shown in this answer only.")


@router.post("/{order_id}/lines/{sku}/cancel", response_model=ChangedOrder,
             summary="Cancel a line, or some of its units, while nothing of it is picked (orders)")
def cancel_line(order_id: OrderIdPath, sku: SkuPath, service: ServiceDep, _: OrdersDep,
                body: LineCancelBody | None = None, idempotency_key: IdempotencyKey = None) -> dict:
    body = body or LineCancelBody()
    return service.order_changes.cancel_line(order_id, sku, body.qty, body.reason, idempotency_key, utc_now())


@router.post("/{order_id}/move", response_model=ChangedOrder,
             summary="Move a pickup order waiting for stock, or whose store is offline too long, to another "
                     "pickup store; a new pickup code is shown once (orders)")
def move_order(order_id: OrderIdPath, body: MoveBody, service: ServiceDep, _: OrdersDep,
               idempotency_key: IdempotencyKey = None) -> dict:
    return service.order_changes.move(order_id, body.store_id, body.customer_agreement.model_dump(),
                                      idempotency_key, utc_now())
