"""`/v1/fulfilments/{id}/label`: the shipping label a ship-from-store order will print, seen before it ships."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from edge.api.deps import AssociateDep, EdgeDep
from shared.contract.errors import InvalidInput

router = APIRouter(tags=["fulfilments"])


class LabelPreview(BaseModel):
    allocation_id: str
    order_id: str
    status: str = Field(description="The fulfilment's status now: the label prints when a packed order ships.")
    ship_to: list[str] = Field(description="The ship-to block as the label prints it, line by line.")
    text: str = Field(description="What the whole label says, as a person reads it.")
    zpl: str = Field(description="The ZPL that will go to the label printer.")


@router.get("/fulfilments/{allocation_id}/label", response_model=LabelPreview,
            summary="The shipping label this order will print, for a look before it ships")
def label_preview(edge: EdgeDep, _: AssociateDep, allocation_id: Annotated[str, Path(max_length=100)],
                  carrier: Annotated[str, Query(max_length=50)] = "",
                  tracking_number: Annotated[str, Query(max_length=100)] = "") -> dict:
    fulfilment = edge.fulfilments.get(allocation_id)
    if fulfilment["type"] != "ship":
        raise InvalidInput(f"Order {fulfilment['order_id']} is a pickup: it has no shipping label.")
    shown = {**fulfilment, "carrier": carrier or fulfilment["carrier"] or "",
             "tracking_number": tracking_number or fulfilment["tracking_number"] or ""}
    zpl, text, ship_to = edge.printing.label_preview(shown)
    return {"allocation_id": allocation_id, "order_id": fulfilment["order_id"], "status": fulfilment["status"],
            "ship_to": ship_to, "text": text, "zpl": zpl}
