"""Walk-in receipts of every store: what was sold, and what came back of it at any store (head office's view)."""

from typing import Annotated

from fastapi import APIRouter, Path

from central.api.deps import ReadDep, ServiceDep
from central.store import receipts as store_receipts
from shared.contract.errors import NotFound

router = APIRouter(prefix="/v1/receipts", tags=["receipts"])


@router.get("/{receipt_number}", summary="A store's receipt with its returns at any store and refund conflicts (read)")
async def get_receipt(service: ServiceDep, _: ReadDep,
                      receipt_number: Annotated[str, Path(max_length=40)]) -> dict:
    with service.db.read() as conn:
        view = store_receipts.receipt_view(conn, receipt_number)
    if view is None:
        raise NotFound(f"No store has recorded receipt {receipt_number} (or its sale has not reached head office "
                       "yet).", receipt_number=receipt_number)
    return view
