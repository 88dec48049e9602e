"""Routing: try a plan without allocating, and the policy (DESIGN §7)."""

from fastapi import APIRouter
from pydantic import Field

from central.api.deps import AdminDep, ReadDep, ServiceDep
from central.api.responses import RoutingPlan
from central.api.routes.orders import RoutedBody
from central.domain.policy import RoutingPolicy
from shared.contract.models import Strict
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/routing", tags=["routing"])


class SimulateBody(RoutedBody, Strict):
    exclude: list[str] = Field([], max_length=100, description="Nodes to leave out, as a re-route would.")


@router.post("/simulate", summary="The plan an order would get now, with its explanation; allocates nothing (read)",
             response_model=RoutingPlan)
def simulate(body: SimulateBody, service: ServiceDep, _: ReadDep) -> dict:
    return service.orders.simulate(body.model_dump(mode="json"), utc_now())


@router.get("/policy", summary="The routing policy in force (read)")
async def get_policy(service: ServiceDep, _: ReadDep) -> RoutingPolicy:
    return service.catalog.policy  # in memory: no database


@router.put("/policy", summary="Replace the routing policy; published on omni.catalog.policy (admin)")
def put_policy(body: RoutingPolicy, service: ServiceDep, _: AdminDep) -> RoutingPolicy:
    return service.catalog.set_policy(body, utc_now())
