"""Credit notes are head office's: a sale paid with store credit holds the amounts at central over
`omni.req.<store>.credit` before it is recorded, and releases them when it is not.

The sales service runs in a worker thread (a plain `def` route); the request runs on the agent's event loop."""

import asyncio
import logging
from collections.abc import Callable

from edge.sync.requests import NoAnswer, ask_central
from shared.contract import subjects
from shared.contract.errors import (
    CentralUnreachable,
    CreditNoteRefused,
    DomainError,
    InvalidInput,
)
from shared.contract.events import CreditAmount, CreditRequest
from shared.runtime.nats_link import NatsLink

log = logging.getLogger(__name__)
UNREACHABLE = ("Head office did not answer whether the credit note can pay this sale; nothing was taken from it. "
               "Try again, or take another tender.")


class CentralCreditNotes:
    def __init__(self, link: Callable[[], NatsLink | None], store_id: str, timeout: float,
                 loop: asyncio.AbstractEventLoop):
        self._link, self._store_id, self._timeout, self._loop = link, store_id, timeout, loop

    def hold(self, sale_id: str, currency: str, asked: dict[str, int]) -> None:
        request = CreditRequest(action="hold", sale_id=sale_id, currency=currency,
                                notes=[CreditAmount(number=n, amount=a) for n, a in asked.items()])
        try:
            body = self._ask(request)
        except NoAnswer as e:
            log.info("credit hold for sale %s: %s", sale_id, e)
            # A hold central made but could not answer lapses by itself (or the retry of this sale takes it).
            raise CentralUnreachable(UNREACHABLE) from e
        if isinstance(body, dict) and body.get("code"):
            raise _refusal(body)
        if not isinstance(body, dict) or body.get("sale_id") != sale_id:
            raise CentralUnreachable(UNREACHABLE)

    def release(self, sale_id: str) -> None:
        try:
            self._ask(CreditRequest(action="release", sale_id=sale_id))
        except NoAnswer as e:
            log.warning("credit hold of sale %s not released now (it lapses at head office): %s", sale_id, e)

    def _ask(self, request: CreditRequest) -> object:
        call = ask_central(self._link(), subjects.credit_request(self._store_id),
                           request.model_dump_json().encode(), self._timeout)
        future = asyncio.run_coroutine_threadsafe(call, self._loop)
        try:
            return future.result(self._timeout + 1)
        except NoAnswer:
            raise
        except Exception as e:  # the loop is stopping, or the wait ran out
            future.cancel()
            raise NoAnswer(f"{type(e).__name__} {e}") from e


def _refusal(body: dict) -> DomainError:
    """Central's problem body as the refusal the counter shows (its sentence, unchanged)."""
    extra = {k: v for k, v in body.items() if k not in ("code", "title", "detail", "type", "status", "instance")}
    detail = str(body.get("detail") or "Head office refused the credit note.")
    if body["code"] == CreditNoteRefused.code:
        return CreditNoteRefused(detail, **extra)
    if body["code"] == InvalidInput.code:
        return InvalidInput(detail, **extra)
    return CentralUnreachable(f"Head office could not check the credit note ({body['code']}): {detail}")
