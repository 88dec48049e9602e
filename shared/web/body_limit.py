"""A request body above the limit is refused before anything parses it, token or not (413 problem+json).

An ASGI middleware in front of the whole app: a declared `Content-Length` over the limit is answered at once;
a body without one (chunked) is read up to the limit and refused as soon as it goes past, so no route, no
authentication and no JSON parser ever sees an oversized body.

A route that takes files (central's CSV imports) may be given a larger limit of its own: it holds only for that
method and path prefix, and only for a request that carries a bearer token (the route checks it), so the rest of
the API, and anyone without a token, keep the general limit.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.web.problems import too_large_response

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 larger: dict[tuple[str, str], int] | None = None):
        """`larger`: (method, path prefix) → the limit of those routes instead."""
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    def _limit(self, scope: Scope) -> int:
        if self.larger and any(name == b"authorization" and value.lower().startswith(b"bearer ")
                               for name, value in scope.get("headers", ())):
            for (method, prefix), limit in self.larger.items():
                if scope["method"] == method and scope["path"].startswith(prefix):
                    return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > max_bytes:
            await too_large_response(max_bytes, scope["path"])(scope, receive, send)
            return
        # Read the body here, bounded, and hand the app exactly what arrived.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replaying([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > max_bytes:
                await too_large_response(max_bytes, scope["path"])(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replaying(chunks, None, receive), send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replaying(chunks: list[bytes], after: Message | None, server: Receive) -> Receive:
    """A `receive` giving the app the whole body once, then what the server says next (e.g. a disconnect)."""
    pending: list[Message] = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}] \
        if after is None else [after]

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        return await server()

    return receive
