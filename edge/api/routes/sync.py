"""`GET /v1/sync/status`: is the store online, and how much has not reached central yet."""

from fastapi import APIRouter

from edge.api.deps import AssociateDep, EdgeDep
from edge.api.responses import SyncStatus
from edge.store import outbox

router = APIRouter(tags=["sync"])


@router.get("/sync/status", summary="Link to central and the outbox backlog", response_model=SyncStatus)
def get_sync_status(edge: EdgeDep, _: AssociateDep) -> dict:
    with edge.db.read() as conn:
        counts = outbox.counters(conn)
        printers = edge.printing.status(conn)
    return {"store_id": edge.settings.store_id, "epoch": edge.epoch, "online": edge.online,
            "backlog": counts.backlog, "oldest_unsent_at": counts.oldest_unsent_at, "last_seq": counts.last_seq,
            "last_acked_seq": counts.last_acked_seq, "applied_seq": counts.applied_seq, "printers": printers}
