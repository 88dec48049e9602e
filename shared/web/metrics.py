"""Prometheus metrics of a part's HTTP API (the official client), one registry per app.

Each app has its own `CollectorRegistry`, never the client's global default: several apps run in one process in
tests, and a part's figures must never mix with another's. Figures that come from SQLite are computed when
Prometheus scrapes (`ScrapeCollector`: one cheap query each), not kept up to date on every write.

Request latency is labelled by the route's path template (`/v1/orders/{order_id}`), never by the raw URL: one series
per route, whatever ids the requests carry. A request no route took (404, or a body refused before routing) is
labelled `<unmatched>`.
"""

import logging
import time
from collections.abc import Callable, Iterable

from fastapi import Response
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

UNMATCHED = "<unmatched>"
# Seconds; from a cached read (a few ms) to a long import or report.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Prometheus's text format 0.0.4: what every Prometheus server and scraper reads.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
OPENAPI_RESPONSE = {200: {"description": "The figures in Prometheus's text exposition format (0.0.4).",
                          "content": {"text/plain": {"schema": {"type": "string"}}}}}


def http_latency(registry: CollectorRegistry) -> Histogram:
    return Histogram("omnistore_http_request_duration_seconds",
                     "Time to answer an HTTP request, by method, route (its path template) and status code.",
                     ["method", "route", "status"], registry=registry, buckets=HTTP_BUCKETS)


class HttpMetrics:
    """ASGI middleware: times every HTTP request into `histogram`, labelled after the router has matched it."""

    def __init__(self, app: ASGIApp, histogram: Histogram):
        self.app, self.histogram = app, histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an app that raised before answering is answered 500 by the server

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.histogram.labels(scope["method"], route_template(scope), str(status)).observe(
                time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The path template of the route that took the request (the router writes it into the scope), prefix included.

    A route of an included router may know only its own part (`/sales/{receipt}` under `/v1`): the prefix is then the
    fixed part of the path before the first place the route's own pattern matches the rest."""
    route = scope.get("route")
    template, pattern = getattr(route, "path", None), getattr(route, "path_regex", None)
    if not template:
        return UNMATCHED
    path = scope.get("path", "")
    if pattern is None or pattern.match(path):
        return template
    for i, char in enumerate(path):
        if char == "/" and pattern.match(path[i:]):
            return path[:i] + template
    return template


class ScrapeCollector(Collector):
    """Figures read at scrape time by `read` (which yields metric families). A read that fails is logged and leaves
    its figures out of this scrape, so the other figures still reach Prometheus and the endpoint never answers 5xx."""

    def __init__(self, read: Callable[[], Iterable[Metric]]):
        self._read = read

    def collect(self) -> Iterable[Metric]:
        try:
            families = list(self._read())
        except Exception:
            log.exception("metrics: figures left out of this scrape")
            return []
        return families


def exposition(registry: CollectorRegistry) -> Response:
    return Response(generate_latest(registry), media_type=CONTENT_TYPE)
