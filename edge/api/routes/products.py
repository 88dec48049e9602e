"""`GET /v1/products`: the store's catalog, searched by SKU prefix, name or barcode, a page at a time."""

from typing import Annotated

from fastapi import APIRouter, Query

from edge.api.deps import AssociateDep, EdgeDep
from edge.api.responses import ProductPage
from edge.store.products import decode_cursor, search_products
from shared.contract.errors import InvalidInput

router = APIRouter(tags=["catalog"])


@router.get("/products", summary="Search the catalog", response_model=ProductPage)
def get_products(edge: EdgeDep, _: AssociateDep,
                 q: Annotated[str | None, Query(max_length=100, description="SKU prefix, part of the name (any case), "
                                                                             "or an exact GTIN")] = None,
                 cursor: Annotated[str | None, Query(max_length=200,
                                                     description="next_cursor of the previous page")] = None,
                 limit: Annotated[int, Query(ge=1, le=200, description="Products per page")] = 50) -> dict:
    try:
        after = decode_cursor(cursor) if cursor else None
    except ValueError as e:
        raise InvalidInput(f"{e}; start again without a cursor.") from e
    q = q.strip() if q else None
    with edge.db.read() as conn:
        items, next_cursor = search_products(conn, q, after, limit)
    return {"items": items, "next_cursor": next_cursor}
