"""`GET /v1/fulfilments/find`: an open pickup or ship-from-store order by pickup code, order number (a bag tag's QR)
or part of the customer's name — what the counter scans or types from any screen."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from edge.api.deps import AssociateDep, EdgeDep
from edge.services.finding import find_fulfilments

router = APIRouter(tags=["fulfilments"])


class FoundFulfilment(BaseModel):
    """A fulfilment as `GET /v1/fulfilments` lists it."""

    model_config = ConfigDict(extra="allow")
    allocation_id: str
    order_id: str
    type: str
    status: str
    lines: list[dict]
    customer: dict | None = None
    pickup_by: str | None = None
    at_risk: bool = False


class Found(BaseModel):
    matched_by: Literal["pickup_code", "order_number", "customer_name"] | None = Field(
        description="How the text matched; null: nothing open matched")
    items: list[FoundFulfilment]


@router.get("/fulfilments/find", summary="Find an open pickup or ship-from-store order by pickup code, order "
            "number (bag tag QR) or part of the customer's name", response_model=Found)
def find(edge: EdgeDep, _: AssociateDep, q: Annotated[str, Query(min_length=1, max_length=200)]) -> dict:
    return find_fulfilments(edge.db, q)
