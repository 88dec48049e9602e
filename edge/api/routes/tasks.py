"""`GET /v1/tasks`: jobs the store's books opened for associates (counts, put-backs, orders to accept)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from edge.api.deps import AssociateDep, EdgeDep, NumberCursor
from edge.api.responses import TaskPage
from edge.store.ledger import task_page

router = APIRouter(tags=["tasks"])


@router.get("/tasks", summary="Open (or done) tasks, oldest first", response_model=TaskPage)
def list_tasks(edge: EdgeDep, _: AssociateDep, kind: Literal["count", "put_back", "accept"] | None = None,
               status: Literal["open", "done"] = "open",
               cursor: NumberCursor = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    edge.fulfilments.expire_due(edge.clock())
    with edge.db.read() as conn:
        return task_page(conn, status, kind, int(cursor or 0), limit)
