"""Core request/reply from stores (DESIGN §4), answered in queue group "central":
`omni.req.<store>.atp` (a SKU's network ATP), `omni.req.<store>.order` (an online order, for a return) and
`omni.req.<store>.receipt` (another store's walk-in receipt, for a return) and `omni.req.<store>.credit`
(hold or release an amount of a credit note for a sale at the counter)."""

import asyncio
import json
import logging
from collections.abc import Callable

from nats.aio.msg import Msg
from pydantic import BaseModel, ValidationError

from central.domain.policy import RoutingPolicy
from central.settings import CentralSettings
from central.store import orders as order_store
from central.store import receipts as store_receipts
from central.store.atp import atp_view
from central.store.node_facts import NodeFacts
from shared.contract import subjects
from shared.contract.errors import DomainError, InvalidInput, NotFound
from shared.contract.events import (
    AtpRequest,
    CreditRequest,
    OrderRequest,
    ReceiptRequest,
)
from shared.runtime.clock import utc_now
from shared.runtime.nats_link import NatsLink
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)


class RequestResponder:
    """Answers every `omni.req.<store>.<kind>` through one subscription, so the reply rule below holds for every
    kind, including any added later: register its answer in `answers`."""

    def __init__(self, db: Database, link: NatsLink, settings: CentralSettings,
                 policy: Callable[[], RoutingPolicy] = RoutingPolicy,
                 credit: Callable[[str, CreditRequest], dict] | None = None, facts: NodeFacts | None = None):
        self._db, self._link, self._settings, self._policy = db, link, settings, policy
        self._facts = facts or NodeFacts(db)  # the nodes' facts in memory, for ATP
        self._credit = credit  # the credit notes' hold and release, each one transaction
        # kind -> answer(store_id, request bytes); the store id comes from the subject, never from the body
        self.answers: dict[str, Callable[[str, bytes], dict]] = {
            "atp": lambda _, data: self.answer_atp(data),
            "order": lambda _, data: self.answer_order(data),
            "receipt": lambda _, data: self.answer_receipt(data),
            "credit": self.answer_credit,
        }
        self.refused = 0  # requests whose reply subject was not the asking store's inbox

    async def subscribe(self) -> None:
        await self._link.nc.subscribe(subjects.REQUESTS_ALL, queue=subjects.CENTRAL_REQUEST_GROUP,
                                      cb=self._on_request)

    async def _on_request(self, msg: Msg) -> None:
        try:
            store_id, kind = subjects.store_of(msg.subject), subjects.request_kind(msg.subject)
        except ValueError:
            return
        if not subjects.reply_belongs_to(store_id, msg.reply):
            # Answering would write into whatever subject the requester named, with central's rights.
            self.refused += 1
            log.warning("request %s from %s refused: its reply subject %r is not the store's own inbox",
                        kind, store_id, msg.reply)
            return
        answer = self.answers.get(kind)
        if answer is None:
            body = InvalidInput(f"Head office does not answer {kind!r} requests.").as_dict()
        else:
            body = await asyncio.to_thread(answer, store_id, msg.data)
        await msg.respond(json.dumps(body).encode())

    def answer_atp(self, data: bytes) -> dict:
        """The body of GET /v1/atp/{sku}, or a problem body (with its `code`) the store can act on."""
        def view(conn, request: AtpRequest) -> dict:
            return atp_view(conn, request.sku, utc_now(), self._settings, self._policy().safety_stock_default,
                            self._facts)
        return self._answer(data, AtpRequest, "ATP", view)

    def answer_order(self, data: bytes) -> dict:
        """The order as GET /v1/orders/{id} shows it (without its history), or a problem body."""
        def view(conn, request: OrderRequest) -> dict:
            found = order_store.order_view(conn, request.order_id)
            if found is None:
                raise NotFound(f"No order {request.order_id}.", order_id=request.order_id)
            return found
        return self._answer(data, OrderRequest, "order", view)

    def answer_receipt(self, data: bytes) -> dict:
        """A walk-in receipt with what came back of it at every store, or a problem body."""
        def view(conn, request: ReceiptRequest) -> dict:
            found = store_receipts.receipt_view(conn, request.receipt_number)
            if found is None:
                raise NotFound(f"No store has recorded receipt {request.receipt_number} (or its sale has not "
                               "reached head office yet).", receipt_number=request.receipt_number)
            return found
        return self._answer(data, ReceiptRequest, "receipt", view)

    def answer_credit(self, store_id: str, data: bytes) -> dict:
        """The amounts held for the sale (or released), or a problem body: the store that asks is the one whose
        sale it is (its subject says so), so one store can never release another's hold."""
        try:
            request = CreditRequest.model_validate_json(data)
            if self._credit is None:
                raise NotFound("Store credit is not kept at this head office.")
            return self._credit(store_id, request)
        except ValidationError as e:
            return InvalidInput(f"The credit request is not valid: {e.errors()[0]['msg']}.").as_dict()
        except DomainError as problem:
            return problem.as_dict()

    def _answer(self, data: bytes, model: type[BaseModel], what: str, view: Callable) -> dict:
        try:
            request = model.model_validate_json(data)
            with self._db.read() as conn:
                return view(conn, request)
        except ValidationError as e:
            return InvalidInput(f"The {what} request is not valid: {e.errors()[0]['msg']}.").as_dict()
        except DomainError as problem:
            return problem.as_dict()
