"""Available to promise per SKU, with the per-node breakdown (DESIGN §5)."""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from central.api.deps import ReadDep, ServiceDep
from central.store.atp import atp_view
from shared.contract.errors import UnknownSku
from shared.contract.models import Sku, Strict
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/atp", tags=["atp"])


class AtpQuery(Strict):
    skus: list[Sku] = Field(min_length=1, max_length=500, description="SKUs to look up at once.")


@router.get("/{sku}", summary="Network and per-node ATP of a SKU (read)")
async def get_atp(sku: Annotated[str, Path(min_length=1, max_length=64)], service: ServiceDep, _: ReadDep) -> dict:
    with service.db.read() as conn:
        return atp_view(conn, sku.strip(), utc_now(), service.settings, service.policy.safety_stock_default)


@router.post("/query", summary="ATP of many SKUs at once; unknown SKUs are listed, not fatal (read)")
async def query_atp(body: AtpQuery, service: ServiceDep, _: ReadDep) -> dict:
    items, unknown = [], []
    now = utc_now()
    with service.db.read() as conn:
        for sku in dict.fromkeys(body.skus):
            try:
                items.append(atp_view(conn, sku, now, service.settings, service.policy.safety_stock_default))
            except UnknownSku:
                unknown.append(sku)
    return {"items": items, "unknown_skus": unknown}
