"""`GET /metrics`: the store's figures for Prometheus, without a sign-in, like /healthz.

The agent's API listens on the loopback address or the store's LAN, never the internet, and a scraper cannot hold an
associate's sign-in (a PIN, lapsing after inactivity). The figures are counts only (backlog, print queues, sales made,
online), with no names, amounts or receipts (docs/edge.md, "Metrics")."""

from fastapi import APIRouter, Request, Response

from shared.web.metrics import OPENAPI_RESPONSE, exposition

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Figures for Prometheus, in its text format (no sign-in)", response_class=Response,
            responses=OPENAPI_RESPONSE)
def metrics(request: Request) -> Response:
    return exposition(request.app.state.metrics_registry)
