"""`GET /metrics`: central's figures for Prometheus (read scope).

A token is needed because central's API faces beyond the head office's own network (web shops, marketplaces) and
these figures are business facts (orders in each status, how far each store is behind). Prometheus sends a read
token with `authorization: {credentials_file: …}` in its scrape config (docs/central.md, "Metrics")."""

from fastapi import APIRouter, Request, Response

from central.api.deps import ReadDep
from shared.web.metrics import OPENAPI_RESPONSE, exposition

router = APIRouter(tags=["operations"])


@router.get("/metrics", summary="Figures for Prometheus, in its text format (read)", response_class=Response,
            responses=OPENAPI_RESPONSE)
def metrics(request: Request, _: ReadDep) -> Response:
    return exposition(request.app.state.metrics_registry)
