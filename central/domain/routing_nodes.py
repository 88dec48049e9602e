"""The nodes as routing sees them: one `NodeOption` a node, or the whole network as arrays (`NodeTable`).

Routing looks at every node for every order: at 2,000 nodes a Python pass over node objects costs more than the
decision itself, so routing works on columns (one array per attribute, nodes in id order) and turns to Python
only for the few nodes a plan or its explanation names.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np


def ship_capability(node_type: str) -> str:
    """The capability a node of this type needs to send parcels to customers."""
    return "ship_from_store" if node_type == "store" else "ship"


@dataclass(frozen=True)
class NodeOption:
    """A node as routing sees it: where it is, what it may do, what it may still promise."""

    node_id: str
    node_type: str                      # store | warehouse
    lat: float
    lon: float
    capabilities: frozenset[str]        # pickup, ship_from_store (stores); ship (warehouses)
    fresh: bool
    atp: dict[str, int] = field(default_factory=dict, hash=False)
    capacity_left: int | None = None    # ship-from-store allocations left today; None = no limit


@dataclass(frozen=True, eq=False)
class NodeTable:
    """Every node as columns, in node id order (position i is the i-th smallest id)."""

    ids: list[str]
    types: list[str]
    lat: np.ndarray                     # degrees
    lon: np.ndarray
    can_ship: np.ndarray                # to customers: ship_from_store (stores), ship (warehouses)
    pickup: np.ndarray
    fresh: np.ndarray
    capacity_left: np.ndarray           # ship-from-store allocations left today; inf = no limit
    atp: Mapping[str, np.ndarray]       # per SKU, what each node may still promise; a SKU not in it: 0 everywhere
    position: dict[str, int] = field(init=False)
    is_store: np.ndarray = field(init=False)
    phi: np.ndarray = field(init=False)         # latitude, radians
    cos_phi: np.ndarray = field(init=False)
    lam: np.ndarray = field(init=False)         # longitude, radians

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", {node_id: i for i, node_id in enumerate(self.ids)})
        object.__setattr__(self, "is_store", np.array([t == "store" for t in self.types], dtype=bool))
        object.__setattr__(self, "phi", np.radians(self.lat))
        object.__setattr__(self, "cos_phi", np.cos(self.phi))
        object.__setattr__(self, "lam", np.radians(self.lon))

    @classmethod
    def of(cls, nodes: Iterable[NodeOption]) -> "NodeTable":
        nodes = sorted(nodes, key=lambda n: n.node_id)
        skus = {sku for n in nodes for sku in n.atp}
        return cls([n.node_id for n in nodes], [n.node_type for n in nodes],
                   np.array([n.lat for n in nodes], dtype=float), np.array([n.lon for n in nodes], dtype=float),
                   np.array([ship_capability(n.node_type) in n.capabilities for n in nodes], dtype=bool),
                   np.array(["pickup" in n.capabilities for n in nodes], dtype=bool),
                   np.array([n.fresh for n in nodes], dtype=bool),
                   np.array([np.inf if n.capacity_left is None else n.capacity_left for n in nodes], dtype=float),
                   {sku: np.array([n.atp.get(sku, 0) for n in nodes], dtype=np.int64) for sku in skus})

    def __len__(self) -> int:
        return len(self.ids)

    def atp_of(self, sku: str) -> np.ndarray:
        found = self.atp.get(sku)
        return found if found is not None else np.zeros(len(self.ids), dtype=np.int64)
