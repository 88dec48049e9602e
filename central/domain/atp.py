"""Available to promise (DESIGN §5), per node and for the network."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np


@dataclass(frozen=True)
class NodeStock:
    """One node's figures for one SKU, as central knows them."""

    node_id: str
    node_type: str
    on_hand: int
    reserved: int
    pending: int        # allocated to the node and not yet accepted there
    safety_stock: int
    fresh: bool
    as_of: datetime | None


def atp_of(on_hand: int, reserved: int, pending: int, safety_stock: int, fresh: bool) -> int:
    """What may still be promised from a node: nothing from a stale node, never below zero."""
    if not fresh:
        return 0
    return max(0, on_hand - reserved - pending - safety_stock)


def atps_of(on_hand: np.ndarray, reserved: np.ndarray, pending: np.ndarray, safety_stock: np.ndarray,
            fresh: np.ndarray) -> np.ndarray:
    """`atp_of` of many nodes at once (routing reads every node for every order)."""
    return np.where(fresh, np.maximum(0, on_hand - reserved - pending - safety_stock), 0)


def node_atp(stock: NodeStock) -> int:
    return atp_of(stock.on_hand, stock.reserved, stock.pending, stock.safety_stock, stock.fresh)


@dataclass(frozen=True)
class NetworkAtp:
    atp: int
    on_hand: int   # every node central knows of, fresh or not
    reserved: int


def network_atp(nodes: Iterable[NodeStock]) -> NetworkAtp:
    nodes = list(nodes)
    return NetworkAtp(atp=sum(node_atp(n) for n in nodes), on_hand=sum(n.on_hand for n in nodes),
                      reserved=sum(n.reserved for n in nodes))
