"""An online order's lines for a return at the counter, asked of central over `omni.req.<store>.order`.

Offline, the order comes from its signed receipt token instead (`edge.services.order_tokens`); this module only says
that central could not be asked, and the route falls back to the token when there is one."""

from collections.abc import Callable

from edge.sync.requests import look_up
from shared.contract import subjects
from shared.contract.events import OrderRequest
from shared.contract.models import Lenient
from shared.runtime.nats_link import NatsLink


class OrderLine(Lenient):
    sku: str
    qty: int
    unit_price: int | None = None  # what the customer paid a unit (older centrals do not say)
    allocated: int = 0  # units of the order's live allocations: what central counts as sold
    returned: int = 0   # units central has recorded as returned


class CentralOrder(Lenient):
    """The part of central's order view a return needs."""

    id: str
    currency: str | None = None
    lines: list[OrderLine]


class OnlineOrders:
    def __init__(self, link: Callable[[], NatsLink | None], store_id: str, timeout: float):
        self._link, self._store_id, self._timeout = link, store_id, timeout

    async def fetch(self, order_id: str) -> CentralOrder:
        return await look_up(
            self._link(), subjects.order_request(self._store_id), OrderRequest(order_id=order_id), CentralOrder,
            self._timeout, what=f"order {order_id}", order_id=order_id,
            unreachable=f"Head office cannot be reached to look up order {order_id}; scan the receipt token (the QR "
                        "code on the customer's order confirmation) to take the return offline, or try again once "
                        "the store is back online.",
            not_found=f"Head office has no order {order_id!r}; check the order number on the customer's "
                      "confirmation.")
