"""Asking central a question over core NATS request/reply (`omni.req.<store>.…`), never waiting long: the
counter answers from what it knows when central cannot be asked."""

import json
import logging
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from shared.contract.errors import CentralUnreachable, NotFound
from shared.runtime.nats_link import NatsLink

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class NoAnswer(Exception):
    """Central could not be asked, or did not answer within the timeout."""


async def ask_central(link: NatsLink | None, subject: str, request: bytes, timeout: float) -> object:
    """Central's JSON answer (a problem body has a `code`); `NoAnswer` when offline, unanswered or not JSON."""
    if link is None or not link.online:
        raise NoAnswer("the NATS link is down")
    try:
        msg = await link.nc.request(subject, request, timeout=timeout)
    except Exception as e:  # no responders, a timeout, a link that dropped meanwhile: all mean "not now"
        raise NoAnswer(f"central did not answer: {type(e).__name__} {e}") from e
    try:
        return json.loads(msg.data)
    except ValueError as e:
        raise NoAnswer("central's answer is not JSON") from e


async def look_up(link: NatsLink | None, subject: str, request: BaseModel, model: type[M],
                                timeout: float, *, what: str, unreachable: str, not_found: str, **ids: str) -> M:
    """Central's record of `what` (an order, a receipt) as `model`: `CentralUnreachable` with the sentence
    `unreachable` when central cannot be asked or answers nonsense, `NotFound` with `not_found` when it has none."""
    try:
        body = await ask_central(link, subject, request.model_dump_json().encode(), timeout)
    except NoAnswer as e:
        log.info("%s: %s", what, e)
        raise CentralUnreachable(unreachable, **ids) from e
    if isinstance(body, dict) and body.get("code") == "not_found":
        raise NotFound(not_found, **ids)
    try:
        return model.model_validate(body)
    except ValidationError as e:
        code = body.get("code") if isinstance(body, dict) else None
        log.warning("central's answer about %s is unusable (%s): %s", what, code, e)
        raise CentralUnreachable(f"Head office did not give the details of {what} "
                                 f"({code or 'unexpected answer'}); try again shortly.", **ids) from e
