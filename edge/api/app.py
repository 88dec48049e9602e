"""`create_app(settings)`: the store's local API over the running agent (`edge.bootstrap`), on one event loop."""

import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from edge.api.routes import (
    audit,
    finding,
    health,
    labels,
    login,
    metrics,
    network,
    products,
    returns,
    sales,
    stock,
    sync,
    tasks,
    transfers,
)
from edge.api.routes import fulfilments as fulfilment_routes
from edge.api.routes import printing as print_routes
from edge.bootstrap import running_edge
from edge.services.metrics import EdgeMetrics
from edge.settings import EdgeSettings, version
from shared.runtime.clock import utc_now
from shared.runtime.memory import limit_malloc_arenas
from shared.web.body_limit import BodySizeLimit
from shared.web.metrics import HttpMetrics, http_latency
from shared.web.problems import install_problem_handlers
from shared.web.request_ids import RequestIds

log = logging.getLogger(__name__)


def create_app(settings: EdgeSettings, *, with_nats: bool = True, clock: Callable[[], datetime] = utc_now) -> FastAPI:
    """The edge agent's app; `with_nats=False` serves the API without any NATS link (offline from the start)."""
    limit_malloc_arenas()  # before any thread starts: the agent runs for months, its memory must not creep up

    registry = CollectorRegistry()  # this app's own: never the client's global one

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        async with running_edge(settings, with_nats=with_nats, clock=clock) as state:
            app.state.edge = state
            figures = EdgeMetrics(registry, state.db, settings.store_id,
                                  [p.name for p in state.printing.settings.printers], lambda: state.online, clock)
            try:
                yield
            finally:
                figures.close()

    app = FastAPI(title=f"omnistore edge agent — {settings.store_name}", version=version(), lifespan=lifespan,
                  description="The local API of one store: sign-in, catalog, stock, sales, returns, "
                              "fulfilments, transfers, printing, network ATP, sync status.")
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HttpMetrics, histogram=http_latency(registry))
    app.add_middleware(RequestIds)  # outermost: every answer and log line of a request carries its id
    app.state.metrics_registry = registry
    app.include_router(health.router)
    app.include_router(metrics.router)
    # finding before fulfilment_routes: /fulfilments/find is not an allocation id
    for module in (login, products, stock, sales, returns, finding, fulfilment_routes, labels, tasks, print_routes,
                   network, sync, audit, transfers):
        app.include_router(module.router, prefix="/v1")
    return app
