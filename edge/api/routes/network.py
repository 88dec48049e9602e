"""`GET /v1/network/atp/{sku}`: what the whole network can promise of a product, from central or last known."""

from fastapi import APIRouter

from edge.api.deps import AssociateDep, EdgeDep
from edge.api.responses import NetworkAtp
from shared.contract.models import Sku

router = APIRouter(tags=["network"])


@router.get("/network/atp/{sku}", summary="Network available-to-promise of a SKU", response_model=NetworkAtp,
            responses={404: {"description": "unknown_sku"},
                       503: {"description": "central_unreachable: offline and never known"}})
async def get_network_atp(sku: Sku, edge: EdgeDep, _: AssociateDep) -> dict:
    """Central's figures when it answers within `atp_timeout_s` (`source: "central"`); otherwise the last
    figures it gave (`source: "last_known"`, `as_of` says when)."""
    return await edge.network_atp.lookup(sku)
