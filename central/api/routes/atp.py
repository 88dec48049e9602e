"""Available to promise per SKU, with the per-node breakdown (DESIGN §5)."""

from typing import Annotated

from fastapi import APIRouter, Path

from central.api.deps import ReadDep, ServiceDep
from central.atp_query import atp_view
from shared.clock import utc_now

router = APIRouter(prefix="/v1/atp", tags=["atp"])


@router.get("/{sku}", summary="Network and per-node ATP of a SKU (read)")
async def get_atp(sku: Annotated[str, Path(min_length=1, max_length=64)], service: ServiceDep, _: ReadDep) -> dict:
    with service.db.read() as conn:
        return atp_view(conn, sku.strip(), utc_now(), service.settings)
