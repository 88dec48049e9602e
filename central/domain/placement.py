"""An order routed on a read snapshot, outside the one writer, and whether that decision still holds when the order
is written (DESIGN §7, optimistic placement).

Routing reads every node; the writer only needs to know that what the plan takes at its few chosen nodes is still
there. A plan holds when every shipment's node is still a candidate for the order (registered, fresh, able to ship
or to hand over, a ship-from-store allocation left today) and every line still fits its node's ATP, each taken by
the same rules routing used (`NodeTable`). Otherwise the order is routed again.
"""

from dataclasses import dataclass

from central.domain.policy import RoutingPolicy
from central.domain.routing import RouteRequest, RoutingPlan
from central.domain.routing_nodes import NodeTable


class PlanOutdated(Exception):
    """The stock or the nodes a proposed plan relied on changed before it was written: route again."""


@dataclass(frozen=True)
class Proposal:
    """Where an order's lines go, decided on a snapshot: the plan, what it was decided from, and under which
    policy. `request` is None when no line was routable (every SKU a preorder)."""

    plan: RoutingPlan
    request: RouteRequest | None
    policy: RoutingPolicy
    preorders: frozenset[str]           # the SKUs not released yet when it was decided


def chosen_nodes(plan: RoutingPlan) -> list[str]:
    return sorted({shipment.node_id for shipment in plan.shipments})


def still_holds(proposal: Proposal, now_table: NodeTable, policy: RoutingPolicy, preorders: frozenset[str]) -> bool:
    """Whether the proposal may be written as it is, given its chosen nodes as they are now (`now_table` holds at
    least those), the policy now and the SKUs unreleased now."""
    if policy != proposal.policy or preorders != proposal.preorders:
        return False
    request = proposal.request
    for shipment in proposal.plan.shipments:
        i = now_table.position.get(shipment.node_id)
        if i is None or not now_table.fresh[i] or shipment.node_id in request.excluded:
            return False
        if request.delivery_type == "ship":
            if not now_table.can_ship[i] or now_table.capacity_left[i] <= 0:
                return False
        elif not now_table.pickup[i]:
            return False
        if any(now_table.atp_of(sku)[i] < qty for sku, qty in shipment.lines):
            return False
    return True
