"""`GET /healthz`: is the agent up, and which store and version is it (no sign-in needed)."""

from fastapi import APIRouter

from edge.api.deps import EdgeDep
from edge.api.responses import Health
from edge.settings import version

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The agent is up", response_model=Health)
def healthz(edge: EdgeDep) -> dict:
    return {"status": "ok", "store_id": edge.settings.store_id, "store_name": edge.settings.store_name,
            "version": version()}
