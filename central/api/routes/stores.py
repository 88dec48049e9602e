"""Stores: registration and their sync state."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field, StrictInt

from central.api.deps import AdminDep, CursorQuery, LimitQuery, ReadDep, ServiceDep
from central.api.responses import StorePage, StoreView
from shared.contract.models import Strict
from shared.contract.subjects import STORE_ID
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/stores", tags=["stores"])
StoreIdPath = Annotated[str, Path(pattern=STORE_ID.pattern, description="Store id, e.g. S001.")]


class StoreBody(Strict):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    capabilities: list[Literal["pickup", "ship_from_store"]] = ["pickup", "ship_from_store"]
    ship_capacity_per_day: StrictInt | None = Field(None, ge=0, le=100_000, description="Ship-from-store allocations a day at most.")


@router.put("/{store_id}", summary="Register or update a store (admin)", response_model=StoreView,
            responses={201: {"model": StoreView, "description": "Created (200: replaced)"}})
def put_store(store_id: StoreIdPath, body: StoreBody, service: ServiceDep, response: Response,
              _: AdminDep) -> dict:
    created, view = service.nodes.register_store(store_id, body.model_dump(), utc_now())
    response.status_code = 201 if created else 200
    return view


@router.get("", summary="Stores with their sync state (read)", response_model=StorePage)
def list_stores(service: ServiceDep, _: ReadDep, cursor: CursorQuery = None, limit: LimitQuery = 100) -> dict:
    items, next_cursor = service.nodes.stores(utc_now(), cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/{store_id}", summary="One store with its sync state (read)", response_model=StoreView)
def get_store(store_id: StoreIdPath, service: ServiceDep, _: ReadDep) -> dict:
    return service.nodes.store(store_id, utc_now())


class EventConflict(BaseModel):
    """An event that arrived at an (epoch, seq) another event of the store had filled: kept, not applied."""

    epoch: str
    seq: int
    event_id: str
    met_event_id: str = Field(description="The event at that place: applied, or waiting there first.")
    type: str | None
    received_at: str
    event: str = Field(description="The event as it arrived (JSON).")


class EventConflictPage(BaseModel):
    items: list[EventConflict]
    next_cursor: str | None


@router.get("/{store_id}/conflicts", response_model=EventConflictPage,
            summary="Events that met another event of the store at one (epoch, seq): a second publisher (read)")
def list_conflicts(store_id: StoreIdPath, service: ServiceDep, _: ReadDep, cursor: CursorQuery = None,
                   limit: LimitQuery = 100) -> dict:
    items, next_cursor = service.nodes.conflicts(store_id, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}
