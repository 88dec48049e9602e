"""Asking central a question over core NATS request/reply (`omni.req.<store>.…`), never waiting long: the
counter answers from what it knows when central cannot be asked."""

import json

from shared.nats_link import NatsLink


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
