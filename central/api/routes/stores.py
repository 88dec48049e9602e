"""Stores: registration (which also creates the store's NATS consumers) and their sync state."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import Field

from central import nodes
from central.api.deps import AdminDep, CursorQuery, LimitQuery, ReadDep, ServiceDep
from shared.clock import utc_now
from shared.models import Strict
from shared.problems import NotFound
from shared.subjects import STORE_ID

router = APIRouter(prefix="/v1/stores", tags=["stores"])
StoreIdPath = Annotated[str, Path(pattern=STORE_ID.pattern, description="Store id, e.g. S001.")]


class StoreBody(Strict):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    capabilities: list[Literal["pickup", "ship_from_store"]] = ["pickup", "ship_from_store"]
    ship_capacity_per_day: int | None = Field(None, ge=0, description="Ship-from-store allocations a day at most.")


@router.put("/{store_id}", summary="Register or update a store (admin)")
async def put_store(store_id: StoreIdPath, body: StoreBody, service: ServiceDep, response: Response,
                    _: AdminDep) -> dict:
    with service.db.write() as conn:
        created = nodes.save_node(conn, store_id, "store", body.model_dump(), utc_now())
    service.consumers.request(store_id)
    response.status_code = 201 if created else 200
    return _view(service, store_id)


@router.get("", summary="Stores with their sync state (read)")
async def list_stores(service: ServiceDep, _: ReadDep, cursor: CursorQuery = None, limit: LimitQuery = 100) -> dict:
    with service.db.read() as conn:
        items, next_cursor = nodes.list_stores(conn, utc_now(), service.settings, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{store_id}", summary="One store with its sync state (read)")
async def get_store(store_id: StoreIdPath, service: ServiceDep, _: ReadDep) -> dict:
    return _view(service, store_id)


def _view(service, store_id: str) -> dict:
    with service.db.read() as conn:
        node = nodes.get_node(conn, store_id)
        sync = conn.execute("SELECT * FROM store_sync WHERE store_id=?", (store_id,)).fetchone()
    if (node is None and sync is None) or (node is not None and node["type"] != "store"):
        raise NotFound(f"No store {store_id} is registered or has been heard from.")
    return nodes.store_view(node, sync, utc_now(), service.settings, store_id)
