"""Safety stock (issue 13 §3): units of a SKU a node holds back from promising."""

from pydantic import Field

from shared.contract.models import Qty, Sku, StoreId, Strict


class SafetyStock(Strict):
    """One figure: for one node, or (no node) the SKU's default for every node without its own."""

    sku: Sku
    node_id: StoreId | None = Field(None, description="Empty: the SKU's default for nodes without their own figure.")
    qty: Qty
