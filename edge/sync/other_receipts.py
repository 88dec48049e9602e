"""Another store's walk-in receipt, for a return here: asked of central over `omni.req.<store>.receipt`.

Central knows every store's sales and what came back of them anywhere; without central, a receipt of another
store cannot be checked, so the return waits (or is taken without a receipt, with a manager)."""

from collections.abc import Callable

from edge.sync.requests import look_up
from shared.contract import subjects
from shared.contract.events import ReceiptRequest
from shared.contract.models import Lenient
from shared.runtime.nats_link import NatsLink


class CentralReceiptLine(Lenient):
    """A line of another store's receipt as head office reports it (not the printed receipt's line)."""

    line_no: int
    sku: str
    qty: int
    unit_price: int
    returned: int = 0  # units central has recorded as returned, at any store


class CentralReceiptTender(Lenient):
    n: int
    type: str
    paid: int
    refunded: int = 0


class CentralReceipt(Lenient):
    receipt_number: str
    store_id: str
    currency: str
    occurred_at: str
    total: int
    lines: list[CentralReceiptLine]
    tenders: list[CentralReceiptTender]


class OtherStoreReceipts:
    def __init__(self, link: Callable[[], NatsLink | None], store_id: str, timeout: float):
        self._link, self._store_id, self._timeout = link, store_id, timeout

    async def fetch(self, number: str) -> CentralReceipt:
        return await look_up(
            self._link(), subjects.receipt_request(self._store_id), ReceiptRequest(receipt_number=number),
            CentralReceipt, self._timeout, what=f"receipt {number}", receipt_number=number,
            unreachable=f"Receipt {number} is not from this store, and head office, which knows the other stores' "
                        "sales, cannot be reached now; try again once the store is online, or take the return "
                        "without a receipt (a manager approves).",
            not_found=f"No store has recorded a sale with receipt number {number!r}; check the number on the "
                      "receipt (a sale made offline elsewhere may not have reached head office yet).")
