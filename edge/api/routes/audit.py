"""What the store holds, for `omnistore audit` to compare with head office (managers only)."""

from typing import Annotated

from fastapi import APIRouter, Query

from edge.api.deps import EdgeDep, ManagerDep
from edge.store import audit
from edge.store.epochs import read_epoch
from shared.contract.audit import (
    EventPage,
    FulfilmentPage,
    LevelPage,
    ReceiptPage,
    TransferHoldingPage,
    event_cursor,
    next_key,
)

router = APIRouter(prefix="/audit", tags=["audit"])
Cursor = Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]


@router.get("/events", response_model=EventPage,
            summary="Every event the store numbered that it still holds, by epoch and seq, published or not")
def events(edge: EdgeDep, _: ManagerDep, cursor: Cursor = None, limit: Limit = 1000) -> EventPage:
    with edge.db.read() as conn:
        items = audit.events(conn, event_cursor(cursor), limit)
        epoch, last_seq = read_epoch(conn), audit.last_seq(conn)
    last = items[-1] if len(items) == limit else None
    return EventPage(items=items, next_cursor=f"{last['epoch']}:{last['seq']}" if last else None, epoch=epoch,
                     last_seq=last_seq)


@router.get("/receipts", response_model=ReceiptPage, summary="The store's walk-in receipts, by number")
def receipts(edge: EdgeDep, _: ManagerDep, cursor: Cursor = None, limit: Limit = 1000) -> ReceiptPage:
    with edge.db.read() as conn:
        items = audit.receipts(conn, cursor or "", limit)
    return ReceiptPage(items=items, next_cursor=next_key(items, "receipt_number", limit))


@router.get("/levels", response_model=LevelPage, summary="The store's stock levels, by SKU")
def levels(edge: EdgeDep, _: ManagerDep, cursor: Cursor = None, limit: Limit = 1000) -> LevelPage:
    with edge.db.read() as conn:
        items = audit.levels(conn, cursor or "", limit)
    return LevelPage(items=items, next_cursor=next_key(items, "sku", limit))


@router.get("/fulfilments", response_model=FulfilmentPage,
            summary="The store's fulfilments, by allocation id, with the units each holds in reserved")
def fulfilments(edge: EdgeDep, _: ManagerDep, cursor: Cursor = None, limit: Limit = 1000) -> FulfilmentPage:
    with edge.db.read() as conn:
        items = audit.fulfilments(conn, cursor or "", limit)
    return FulfilmentPage(items=items, next_cursor=next_key(items, "allocation_id", limit))


@router.get("/transfers", response_model=TransferHoldingPage,
            summary="The transfers between nodes this store knows, by id, with the units each holds in reserved")
def transfers(edge: EdgeDep, _: ManagerDep, cursor: Cursor = None, limit: Limit = 1000) -> TransferHoldingPage:
    with edge.db.read() as conn:
        items = audit.transfers(conn, cursor or "", limit)
    return TransferHoldingPage(items=items, next_cursor=next_key(items, "transfer_id", limit))
