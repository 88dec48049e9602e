"""The product catalog, published to the stores over CATALOG."""

from typing import Annotated

from fastapi import APIRouter, Path, Response

from central.api.deps import AdminDep, CursorQuery, LimitQuery, ReadDep, ServiceDep
from central.api.responses import ProductPage, ProductView
from shared.contract.errors import InvalidInput
from shared.contract.models import Product, Sku
from shared.runtime.clock import utc_now

router = APIRouter(prefix="/v1/products", tags=["products"])
SkuPath = Annotated[str, Path(min_length=1, max_length=64, description="Free text up to 64 characters.")]


class ProductBody(Product):
    sku: Sku | None = None  # the path names the SKU; a body may repeat it


@router.put("/{sku}", summary="Create or replace a product; it is published to every store (admin)",
            response_model=ProductView, responses={201: {"model": ProductView, "description": "Created (200: replaced)"}})
def put_product(sku: SkuPath, body: ProductBody, service: ServiceDep, response: Response, _: AdminDep) -> dict:
    sku = sku.strip()
    if body.sku is not None and body.sku != sku:
        raise InvalidInput(f"The body's sku {body.sku!r} differs from the path's {sku!r}; "
                                "send the same SKU or leave it out of the body.")
    created, view = service.catalog.save_product(Product(**body.model_dump(exclude={"sku"}), sku=sku), utc_now())
    response.status_code = 201 if created else 200
    return view


@router.get("", summary="Products by SKU (read)", response_model=ProductPage)
def list_products(service: ServiceDep, _: ReadDep, cursor: CursorQuery = None, limit: LimitQuery = 100) -> dict:
    items, next_cursor = service.catalog.products(cursor, limit)
    return {"items": items, "next_cursor": next_cursor}
