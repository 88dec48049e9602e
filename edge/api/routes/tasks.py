"""`GET /v1/tasks`: jobs the store's books opened for associates (counts, put-backs, orders to accept)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from edge.api.deps import AssociateDep, EdgeDep

router = APIRouter(tags=["tasks"])


@router.get("/tasks", summary="Open (or done) tasks, oldest first")
def list_tasks(edge: EdgeDep, _: AssociateDep, kind: Literal["count", "put_back", "accept"] | None = None,
               status: Literal["open", "done"] = "open",
               cursor: Annotated[str | None, Query(pattern=r"^[0-9]+$", max_length=20)] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    edge.fulfilments.expire_due(edge.clock())
    with edge.db.read() as conn:
        rows = conn.execute("SELECT * FROM tasks WHERE status = ? AND (? IS NULL OR kind = ?) AND id > ? "
                            "ORDER BY id LIMIT ?", (status, kind, kind, int(cursor or 0), limit + 1)).fetchall()
    items = [{"id": r["id"], "kind": r["kind"], "sku": r["sku"], "allocation_id": r["allocation_id"],
              "reference": r["reference"], "note": r["note"], "status": r["status"], "created_at": r["created_at"],
              "closed_at": r["closed_at"]} for r in rows[:limit]]
    return {"items": items, "next_cursor": str(items[-1]["id"]) if len(rows) > limit else None}
