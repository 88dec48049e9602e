"""Liveness for load balancers and the demo: no token needed."""

from fastapi import APIRouter

from central.api.deps import ServiceDep
from central.api.responses import Health
from central.version import VERSION

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Is central up, and is its NATS link?", response_model=Health)
async def healthz(service: ServiceDep) -> dict:
    return {"status": "ok", "nats": "online" if service.link.online else "offline", "version": VERSION}
