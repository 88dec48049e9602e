"""Safety stock per SKU (a default) and per node × SKU: units held back from promising (ATP)."""

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from central.api.deps import AdminDep, ReadDep, ServiceDep
from central.domain.safety_stock import SafetyStock
from shared.contract.models import Qty, Strict
from shared.contract.subjects import STORE_ID

router = APIRouter(prefix="/v1/safety-stock", tags=["safety stock"])
SkuPath = Annotated[str, Path(min_length=1, max_length=64, description="Free text up to 64 characters.")]
NodeIdPath = Annotated[str, Path(pattern=STORE_ID.pattern, description="Store or warehouse id.")]


class SafetyStockBody(Strict):
    qty: Qty


class NodeFigure(BaseModel):
    node_id: str
    qty: int


class SafetyStockView(BaseModel):
    sku: str
    default: int | None = Field(description="The SKU's default for nodes without their own figure; None: the "
                                            "policy's holds.")
    policy_default: int = Field(description="The routing policy's safety_stock_default, the last fallback.")
    nodes: list[NodeFigure]


@router.get("/{sku}", response_model=SafetyStockView, summary="A SKU's safety stock: its default and each node's (read)")
def get_safety_stock(sku: SkuPath, service: ServiceDep, _: ReadDep) -> dict:
    return service.safety_stock.view(sku)


@router.put("/{sku}", response_model=SafetyStockView,
            summary="Set a SKU's default safety stock for nodes without their own figure (admin)")
def put_default(sku: SkuPath, body: SafetyStockBody, service: ServiceDep, _: AdminDep) -> dict:
    return service.safety_stock.set(SafetyStock(sku=sku, qty=body.qty))


@router.delete("/{sku}", response_model=SafetyStockView,
               summary="Forget a SKU's default: the policy's holds again (admin)")
def delete_default(sku: SkuPath, service: ServiceDep, _: AdminDep) -> dict:
    return service.safety_stock.clear(sku, None)


@router.put("/{sku}/nodes/{node_id}", response_model=SafetyStockView,
            summary="Set one node's safety stock of a SKU (admin)")
def put_node_figure(sku: SkuPath, node_id: NodeIdPath, body: SafetyStockBody, service: ServiceDep,
                    _: AdminDep) -> dict:
    return service.safety_stock.set(SafetyStock(sku=sku, node_id=node_id, qty=body.qty))


@router.delete("/{sku}/nodes/{node_id}", response_model=SafetyStockView,
               summary="Forget one node's figure: the SKU's default holds for it again (admin)")
def delete_node_figure(sku: SkuPath, node_id: NodeIdPath, service: ServiceDep, _: AdminDep) -> dict:
    return service.safety_stock.clear(sku, node_id)
