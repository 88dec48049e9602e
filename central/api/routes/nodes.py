"""Warehouses (DCs) and their ERP/WMS stock feed (DESIGN §5)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import AwareDatetime, Field, field_validator

from central import nodes, projection
from central.api.deps import AdminDep, ServiceDep
from shared.clock import from_text, utc_now
from shared.models import Sku, Strict
from shared.problems import NotFound
from shared.subjects import STORE_ID

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
    available: int = Field(ge=0)


class StockFeed(Strict):
    as_of: AwareDatetime = Field(description="When the ERP/WMS counted these figures (with a UTC offset).")
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


@router.put("/{node_id}", summary="Register or update a warehouse (admin)")
async def put_node(node_id: NodeIdPath, body: WarehouseBody, service: ServiceDep, response: Response,
                   _: AdminDep) -> dict:
    now = utc_now()
    with service.db.write() as conn:
        created = nodes.save_node(conn, node_id, "warehouse", body.model_dump(), now)
        node = nodes.get_node(conn, node_id)
    response.status_code = 201 if created else 200
    return nodes.warehouse_view(node, now, service.settings)


@router.put("/{node_id}/stock", summary="A warehouse's stock feed from the ERP/WMS (admin)")
async def put_stock(node_id: NodeIdPath, body: StockFeed, service: ServiceDep, _: AdminDep) -> dict:
    now = utc_now()
    with service.db.write() as conn:
        node = nodes.get_node(conn, node_id)
        if node is None:
            raise NotFound(f"No node {node_id} is registered; register it with PUT /v1/nodes/{node_id} first.")
        if node["type"] != "warehouse":
            raise nodes.NodeTypeConflict(f"{node_id} is a store: its stock comes from its own events, not a feed.")
        if node["stock_as_of"] and from_text(node["stock_as_of"]) > body.as_of:
            raise nodes.StaleFeed(f"A feed as of {node['stock_as_of']} is already applied; this one is older.",
                                  current_as_of=node["stock_as_of"])
        projection.replace_warehouse_levels(conn, node_id, {i.sku: i.available for i in body.items}, body.as_of, now)
        node = nodes.get_node(conn, node_id)
    service.waiting.stock_changed()  # orders waiting for stock may get it from this warehouse now
    return {**nodes.warehouse_view(node, now, service.settings), "items": len(body.items)}
