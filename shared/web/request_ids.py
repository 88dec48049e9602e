"""Every request has an id: the caller's `X-Request-ID` when it is a sensible one, else a new one. It is answered in
the response's `X-Request-ID` header and stamped on every log line of the request (`shared/runtime/logs.py`), so a
head-office integration, a load balancer or a counter terminal can follow one request through the logs.

Only ids of 1 to 128 visible ASCII characters are taken from the caller: anything else (too long, spaces, control
characters, non-ASCII) would let a caller forge log lines or bloat them, so it is replaced by a fresh id.
"""

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.runtime.ids import uuid7
from shared.runtime.logs import REQUEST_ID

HEADER = "X-Request-ID"
MAX_LENGTH = 128
_ACCEPTABLE = re.compile(rb"[\x21-\x7e]{1,%d}" % MAX_LENGTH)


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's id when acceptable, else a new UUIDv7."""
    for name, value in headers:
        if name.lower() == b"x-request-id" and _ACCEPTABLE.fullmatch(value):
            return value.decode("ascii")
    return uuid7()


class RequestIds:
    """Outermost middleware: the id is set before anything else runs, so even a refused body's answer carries it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope.get("headers", []))
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(n, v) for n, v in message.get("headers", []) if n.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode("ascii"))]}
            await send(message)

        await self.app(scope, receive, send_with_id)
        # Not reset when the app raised: the server's error handler, outside every middleware, answers and logs the
        # request next, in the same task, and its line and answer carry the id too. The server runs each request in a
        # task of its own, so the id ends with it.
        REQUEST_ID.reset(token)
