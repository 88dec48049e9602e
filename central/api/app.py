"""`create_app(settings)`: the head-office API with its service started in the lifespan.

Routes that touch SQLite are plain `def`: FastAPI runs them in its thread pool, off the event loop that
runs ingest, heartbeats and requests."""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from central.api.routes import (
    atp,
    audit,
    credit_notes,
    exports,
    health,
    imports,
    keys,
    metrics,
    nodes,
    order_changes,
    orders,
    products,
    receipts,
    reports,
    routing,
    safety_stock,
    shipments,
    stores,
    supply,
    tokens,
    transfers,
    webhooks,
)
from central.bootstrap import CentralService
from central.settings import CentralSettings
from central.version import VERSION
from shared.runtime.memory import start_up_kept
from shared.web.body_limit import BodySizeLimit
from shared.web.metrics import HttpMetrics, http_latency
from shared.web.problems import install_problem_handlers
from shared.web.request_ids import RequestIds


def create_app(settings: CentralSettings, *, with_nats: bool = True) -> FastAPI:
    """The head-office app; `with_nats=False` serves the API from SQLite without any NATS link or loop."""

    registry = CollectorRegistry()  # this app's own: never the client's global one

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        service = CentralService(settings, with_nats=with_nats, registry=registry)
        app.state.service = service
        await service.start()
        try:
            with start_up_kept():
                yield
        finally:
            await service.stop()

    app = FastAPI(title="omnistore central", version=VERSION, lifespan=lifespan, docs_url="/docs",
                  description="Head office: stores, warehouses, catalog, network ATP, orders and routing. "
                              "Errors are problem+json.")
    install_problem_handlers(app)
    # CSV imports take files: a larger limit of their own, for that route alone (docs/imports.md).
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       larger={("POST", "/v1/imports/"): settings.import_max_body_bytes})
    app.add_middleware(HttpMetrics, histogram=http_latency(registry))
    app.add_middleware(RequestIds)  # outermost: every answer and log line of a request carries its id
    app.state.metrics_registry = registry
    for module in (
        health,
        metrics,
        stores,
        audit,
        nodes,
        shipments,
        products,
        atp,
        orders,
        order_changes,
        receipts,
        reports,
        credit_notes,
        routing,
        supply,
        transfers,
        tokens,
        keys,
        webhooks,
        imports,
        exports,
        safety_stock,
    ):
        app.include_router(module.router)
    return app
