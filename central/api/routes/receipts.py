"""Walk-in receipts of every store: what was sold, and what came back of it at any store (head office's view)."""

from typing import Annotated

from fastapi import APIRouter, Path

from central.api.deps import ReadDep, ServiceDep
from central.api.responses import ReceiptView

router = APIRouter(prefix="/v1/receipts", tags=["receipts"])


@router.get("/{receipt_number}", summary="A store's receipt with its returns at any store and refund conflicts (read)",
            response_model=ReceiptView)
def get_receipt(service: ServiceDep, _: ReadDep, receipt_number: Annotated[str, Path(max_length=40)]) -> dict:
    return service.lookups.receipt(receipt_number)
