"""An online order's lines for a return at the counter, asked of central over `omni.req.<store>.order`.

Offline, the order comes from its signed receipt token instead (`edge.order_tokens`); this module only says
that central could not be asked, and the route falls back to the token when there is one."""

import logging
from collections.abc import Callable

from pydantic import ValidationError

from edge.central_requests import NoAnswer, ask_central
from shared import subjects
from shared.events import OrderRequest
from shared.models import Lenient
from shared.nats_link import NatsLink
from shared.problems import CentralUnreachable, NotFound

log = logging.getLogger(__name__)


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
        try:
            body = await ask_central(self._link(), subjects.order_request(self._store_id),
                                     OrderRequest(order_id=order_id).model_dump_json().encode(), self._timeout)
        except NoAnswer as e:
            log.info("order %s for a return: %s", order_id, e)
            raise CentralUnreachable(
                f"Head office cannot be reached to look up order {order_id}; scan the receipt token (the QR code "
                "on the customer's order confirmation) to take the return offline, or try again once the store "
                "is back online.", order_id=order_id) from e
        if isinstance(body, dict) and body.get("code") == "not_found":
            raise NotFound(f"Head office has no order {order_id!r}; check the order number on the customer's "
                           "confirmation.", order_id=order_id)
        try:
            return CentralOrder.model_validate(body)
        except ValidationError as e:
            code = body.get("code") if isinstance(body, dict) else None
            log.warning("central's answer about order %s is unusable (%s): %s", order_id, code, e)
            raise CentralUnreachable(f"Head office did not give the details of order {order_id} "
                                     f"({code or 'unexpected answer'}); try again shortly.", order_id=order_id) from e
