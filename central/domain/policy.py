"""The routing policy (DESIGN §7): data, set through the API and published to the stores.

Stores read the fields they know from `omni.catalog.policy` (`pickup_hold_days`, `auto_accept`,
`accept_timeout_s`, `credit_note_valid_days`) and ignore the rest; central uses all of them.
"""

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from central.domain.freshness import (
    HEARTBEAT_INTERVAL_S,
    MISSED_HEARTBEATS,
    STALE_AFTER_S,
)
from shared.contract.events import MAX_ACCEPT_TIMEOUT_S, MAX_PICKUP_HOLD_DAYS
from shared.contract.models import MAX_QTY

# Costs are compared, never charged: any ranking a business wants fits well inside these, and every sum of them
# stays a finite float. Infinity and NaN are refused (they would poison every comparison of plans).
MAX_COST = 1_000_000.0
MAX_COST_PER_KM = 10_000.0
DAY_S = 86_400.0


class NodeTypeCost(BaseModel):
    """A preference per node type, added to each shipment from such a node (lower is preferred)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    store: float = Field(1.0, ge=0, le=MAX_COST, description="Added per shipment from a store.")
    warehouse: float = Field(0.0, ge=0, le=MAX_COST, description="Added per shipment from a warehouse (DC).")


class ShortageRerouting(BaseModel):
    """Per delivery type: are units a store could not pick routed to another node (True), or given up with
    their refund due on the order (False)?"""

    model_config = ConfigDict(extra="forbid")

    ship: bool = Field(True, description="Ship orders: the missing units go to another node.")
    pickup: bool = Field(False, description="Pickup orders: the customer collects what was picked; the rest is "
                                            "refunded.")


class RoutingPolicy(BaseModel):
    """Weights and timings of order routing; costs are in abstract units, compared, never charged."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    base_cost_per_shipment: float = Field(5.0, ge=0, le=MAX_COST,
                                          description="Cost of any one shipment (parcel, handling).")
    cost_per_km: float = Field(0.05, ge=0, le=MAX_COST_PER_KM,
                               description="Cost per km, node to customer, as the crow flies.")
    split_penalty: float = Field(4.0, ge=0, le=MAX_COST, description="Added per shipment beyond the first.")
    node_type_cost: NodeTypeCost = Field(default_factory=NodeTypeCost)
    exhaustive_limit: StrictInt = Field(4096, ge=1, le=1_000_000,
                                        description="Plans tried exhaustively at most; beyond, best single node then "
                                                    "a greedy split among the top K.")
    top_k: StrictInt = Field(5, ge=1, le=100, description="Nodes the bounded search splits among.")
    stale_after_s: float = Field(STALE_AFTER_S, gt=0, le=DAY_S, description=(
        f"A store whose last heartbeat is older is stale: its ATP is 0 and routing passes it by. Default: "
        f"{MISSED_HEARTBEATS} heartbeat intervals of {HEARTBEAT_INTERVAL_S} s."))
    accept_timeout_s: StrictInt = Field(900, ge=1, le=MAX_ACCEPT_TIMEOUT_S,
                                        description="A store must accept an assignment within this long.")
    accept_margin_s: float = Field(60, ge=0, le=DAY_S,
                                   description="Central re-routes only after accept_by plus this margin (clock "
                                               "skew): by then the store has rejected it itself.")
    safety_stock_default: StrictInt = Field(0, ge=0, le=MAX_QTY, description="Units held back per node and SKU "
                                                                             "without their own safety stock.")
    pickup_hold_days: StrictInt = Field(7, ge=1, le=MAX_PICKUP_HOLD_DAYS,
                                        description="Days a ready pickup waits for the customer.")
    auto_accept: bool = Field(True, description="Stores accept an assignment they can fill without asking.")
    credit_note_valid_days: StrictInt | None = Field(None, ge=1, le=3650,
                                               description="Days a credit note issued by a return stays valid; "
                                                           "none: it never expires.")
    reroute_shortages: ShortageRerouting = Field(default_factory=ShortageRerouting,
                                                 description="What happens to units a store could not pick.")
    allow_backorders: bool = Field(False, description="An order no node can fill today may claim units of an open "
                                                      "purchase order (inbound supply) and wait for them in "
                                                      "`awaiting_stock`; off: it waits backordered with no claim.")
    allow_preorders: bool = Field(False, description="An order of a product not released yet is taken as a "
                                                     "preorder: it claims inbound supply and is routed from the "
                                                     "release on; off: such an order is refused (not_released).")
    transfer_transit_s: float = Field(2 * DAY_S, gt=0, le=60 * DAY_S,
                                      description="Units a store shipped to another node are expected there this "
                                                  "long after shipping, unless the transfer gave its own date.")
    move_after_offline_s: float = Field(1800, ge=1, le=30 * 86400,
                                        description="A pickup store silent for longer lets head office move its "
                                                    "pickup orders to another store.")
