"""What central holds of one store, for `omnistore audit` to compare with what the store holds (read)."""

from fastapi import APIRouter

from central.api.deps import CursorQuery, LimitQuery, ReadDep, ServiceDep
from central.api.routes.stores import StoreIdPath
from shared.contract.audit import EventPage, FulfilmentPage, LevelPage, ReceiptPage

router = APIRouter(prefix="/v1/audit/stores/{store_id}", tags=["audit"])


@router.get("/events", response_model=EventPage,
            summary="The store's events central applied, by epoch and seq, with its watermark (read)")
def applied_events(store_id: StoreIdPath, service: ServiceDep, _: ReadDep, cursor: CursorQuery = None,
                   limit: LimitQuery = 1000) -> EventPage:
    return service.audit.events(store_id, cursor, limit)


@router.get("/receipts", response_model=ReceiptPage,
            summary="The store's walk-in receipts central recorded, by number (read)")
def receipts(store_id: StoreIdPath, service: ServiceDep, _: ReadDep, cursor: CursorQuery = None,
             limit: LimitQuery = 1000) -> ReceiptPage:
    return service.audit.receipts(store_id, cursor, limit)


@router.get("/levels", response_model=LevelPage, summary="The store's stock levels as central has them (read)")
def levels(store_id: StoreIdPath, service: ServiceDep, _: ReadDep, cursor: CursorQuery = None,
           limit: LimitQuery = 1000) -> LevelPage:
    return service.audit.levels(store_id, cursor, limit)


@router.get("/allocations", response_model=FulfilmentPage,
            summary="Allocations at the store, each line with its order's ordered and live allocated units (read)")
def allocations(store_id: StoreIdPath, service: ServiceDep, _: ReadDep, cursor: CursorQuery = None,
                limit: LimitQuery = 1000) -> FulfilmentPage:
    return service.audit.allocations(store_id, cursor, limit)
