"""`GET /v1/tasks`: jobs the store's books opened for associates (counts, put-backs, orders to accept)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from edge.api.deps import AssociateDep, EdgeDep, NumberCursor
from edge.api.responses import TaskPage
from edge.store.ledger import task_page

router = APIRouter(tags=["tasks"])


class TaskOut(BaseModel):
    id: int
    kind: Literal["count", "put_back", "accept"]
    sku: str | None
    allocation_id: str | None
    reference: str | None
    note: str | None
    status: Literal["open", "done"]
    created_at: str
    closed_at: str | None


@router.get("/tasks", summary="Open (or done) tasks, oldest first", response_model=TaskPage)
def list_tasks(edge: EdgeDep, _: AssociateDep, kind: Literal["count", "put_back", "accept"] | None = None,
               status: Literal["open", "done"] = "open",
               cursor: NumberCursor = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    edge.fulfilments.expire_due(edge.clock())
    with edge.db.read() as conn:
        return task_page(conn, status, kind, int(cursor or 0), limit)


@router.post("/tasks/{task_id}/done", response_model=TaskOut,
             summary="A put-back is done: the units of a cancelled or expired order are back on the shelf")
def put_back_done(edge: EdgeDep, _: AssociateDep, task_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict:
    return edge.fulfilments.put_back_done(task_id, edge.clock())
