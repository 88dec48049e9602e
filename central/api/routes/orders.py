"""Orders (DESIGN §6–§8): place, list, follow, cancel."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field, field_validator

from central.api.addresses import AddressBody
from central.api.deps import (
    CursorQuery,
    IdempotencyKey,
    LimitQuery,
    OrdersDep,
    ReadDep,
    ServiceDep,
)
from central.api.responses import OrderPage, OrderView
from central.domain.orders import OrderStatus
from shared.contract.errors import InvalidInput
from shared.contract.models import Line, Minor, Moment, Strict
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/orders", tags=["orders"])
OrderIdPath = Annotated[str, Path(min_length=1, max_length=64, description="The order's id.")]


class CustomerBody(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(None, max_length=40)


class ShipDelivery(Strict):
    type: Literal["ship"]
    address: AddressBody

    @field_validator("address", mode="before")
    @classmethod
    def _structured(cls, value):
        if isinstance(value, str):
            raise ValueError("must be an object {name, line1, line2?, city, region?, postal_code, country, phone?, "
                             "lat?, lon?}; a one-line address is not accepted")
        return value


class PickupDelivery(Strict):
    type: Literal["pickup"]
    store_id: str = Field(pattern=STORE_ID.pattern, description="The store the customer collects from.")


Delivery = Annotated[ShipDelivery | PickupDelivery, Field(discriminator="type")]


def _one_line_per_sku(lines: list[Line]) -> list[Line]:
    seen = set()
    for line in lines:
        if line.sku in seen:
            raise ValueError(f"SKU {line.sku!r} appears more than once; put its whole quantity on one line")
        seen.add(line.sku)
    return lines


class RoutedBody(BaseModel):
    lines: list[Line] = Field(min_length=1, max_length=100)
    delivery: Delivery
    allow_split: bool | None = Field(None, description="May the order ship from several nodes? Default: yes for "
                                                       "ship, no for pickup.")

    _lines = field_validator("lines")(_one_line_per_sku)


class PaymentBody(Strict):
    tender: str = Field(min_length=1, max_length=30, pattern=r"^[a-z][a-z0-9_]*$",
                        description="How the customer paid, e.g. card or gift_card.")
    amount: Minor = Field(description="Minor units; must be the order's total at catalog prices.")
    reference: str | None = Field(None, max_length=100, description="The payment provider's reference.")


class OrderBody(RoutedBody, Strict):
    channel: str = Field(min_length=1, max_length=50, description="Where the order came from, e.g. web.")
    customer: CustomerBody
    payment: PaymentBody | None = Field(None, description="What was paid; default: the whole total, tender "
                                                          "`online`.")


class CancelBody(Strict):
    reason: str = Field("requested by the customer", min_length=1, max_length=200)


@router.post("", status_code=201, summary="Place an order; it is routed at once (orders)", response_model=OrderView)
def place_order(body: OrderBody, service: ServiceDep, response: Response, _: OrdersDep,
                idempotency_key: IdempotencyKey = None) -> dict:
    status, answer = service.orders.place(body.model_dump(mode="json"), idempotency_key, utc_now())
    response.status_code = status
    return answer


@router.get("", summary="Orders, newest first; found by customer, status, store, channel and date (read)",
            response_model=OrderPage)
def list_orders(service: ServiceDep, _: ReadDep, cursor: CursorQuery = None, limit: LimitQuery = 100,
                status: Annotated[OrderStatus | None, Query()] = None,
                store: Annotated[str | None, Query(description="Orders with an allocation at this node.")] = None,
                channel: Annotated[str | None, Query(max_length=50)] = None,
                email: Annotated[str | None, Query(min_length=3, max_length=254,
                                                   description="The customer's email, in any case of A–Z.")] = None,
                phone: Annotated[str | None, Query(min_length=3, max_length=40,
                                                   description="The customer's phone; spaces, dots, dashes and "
                                                               "brackets are ignored.")] = None,
                name: Annotated[str | None, Query(min_length=1, max_length=200,
                                                  description="The start of the customer's name, in any case of A–Z.")] = None,
                created_from: Annotated[Moment | None, Query(description="Inclusive.")] = None,
                created_to: Annotated[Moment | None, Query(description="Exclusive.")] = None) -> dict:
    if created_from and created_to and created_from > created_to:
        raise InvalidInput("created_from is after created_to; give a range that starts before it ends.",
                           created_from=str(created_from), created_to=str(created_to))
    filters = {"status": status.value if status else None, "store": store, "channel": channel, "email": email,
               "phone": phone, "name": name, "created_from": created_from, "created_to": created_to}
    items, next_cursor = service.orders.listing(filters, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{order_id}", summary="One order with its whole history and routing decisions (read)",
            response_model=OrderView)
def get_order(order_id: OrderIdPath, service: ServiceDep, _: ReadDep) -> dict:
    return service.orders.view(order_id)


@router.post("/{order_id}/cancel", summary="Cancel an order: cancel_requested until every store confirms (orders)",
             response_model=OrderView)
def cancel_order(order_id: OrderIdPath, service: ServiceDep, _: OrdersDep, body: CancelBody | None = None) -> dict:
    return service.orders.cancel(order_id, (body or CancelBody()).reason, utc_now())
