"""Available to promise per SKU, with the per-node breakdown (DESIGN §5)."""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import Field

from central.api.deps import ReadDep, ServiceDep
from central.api.responses import AtpOfMany, SkuAtp
from shared.contract.models import Sku, Strict
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/atp", tags=["atp"])


class AtpQuery(Strict):
    skus: list[Sku] = Field(min_length=1, max_length=500, description="SKUs to look up at once.")


@router.get("/{sku}", summary="Network and per-node ATP of a SKU (read)", response_model=SkuAtp)
def get_atp(sku: Annotated[str, Path(min_length=1, max_length=64)], service: ServiceDep, _: ReadDep) -> dict:
    return service.lookups.atp(sku.strip(), utc_now())


@router.post("/query", summary="ATP of many SKUs at once; unknown SKUs are listed, not fatal (read)",
             response_model=AtpOfMany)
def query_atp(body: AtpQuery, service: ServiceDep, _: ReadDep) -> dict:
    return service.lookups.atp_of_many(body.skus, utc_now())
