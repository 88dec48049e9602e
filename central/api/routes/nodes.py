"""Warehouses (DCs) and their ERP/WMS stock feed (DESIGN §5)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import Field, StrictInt, field_validator

from central.api.deps import AdminDep, ServiceDep
from central.api.responses import WarehouseFeedView, WarehouseView
from shared.contract.models import Moment, Sku, Strict
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/nodes", tags=["nodes"])
NodeIdPath = Annotated[str, Path(pattern=STORE_ID.pattern, description="Node id, e.g. DC1.")]


class WarehouseBody(Strict):
    type: Literal["warehouse"] = Field(description="Stores register with PUT /v1/stores/{id}.")
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    capabilities: list[Literal["ship"]] = ["ship"]


class FeedItem(Strict):
    sku: Sku
    available: StrictInt = Field(ge=0, le=1_000_000_000)


class StockFeed(Strict):
    as_of: Moment = Field(description="When the ERP/WMS counted these figures (with a UTC offset).")
    items: list[FeedItem] = Field(max_length=200_000, description="The warehouse's whole stock; it replaces the "
                                                                   "previous feed.")

    @field_validator("items")
    @classmethod
    def _one_line_per_sku(cls, items: list[FeedItem]) -> list[FeedItem]:
        seen = set()
        for item in items:
            if item.sku in seen:
                raise ValueError(f"SKU {item.sku!r} appears more than once")
            seen.add(item.sku)
        return items


@router.put("/{node_id}", summary="Register or update a warehouse (admin)", response_model=WarehouseView,
            responses={201: {"model": WarehouseView, "description": "Created (200: replaced)"}})
def put_node(node_id: NodeIdPath, body: WarehouseBody, service: ServiceDep, response: Response,
             _: AdminDep) -> dict:
    created, view = service.nodes.register_warehouse(node_id, body.model_dump(), utc_now())
    response.status_code = 201 if created else 200
    return view


@router.put("/{node_id}/stock", summary="A warehouse's stock feed from the ERP/WMS (admin)",
            response_model=WarehouseFeedView)
def put_stock(node_id: NodeIdPath, body: StockFeed, service: ServiceDep, _: AdminDep) -> dict:
    view = service.nodes.feed_warehouse(node_id, body.as_of, {i.sku: i.available for i in body.items}, utc_now())
    return {**view, "items": len(body.items)}
