"""Finding open pickups and ship-from-store orders by what the associate scans or types (edge.domain.finding)."""

import json

from edge.domain import finding as rules
from edge.services.fulfilment import fulfilment_view
from shared.runtime.sqlite import Database


def find_fulfilments(db: Database, q: str, limit: int = 20) -> dict:
    with db.read() as conn:
        rows = conn.execute("SELECT * FROM fulfilments").fetchall()
    candidates = [rules.Candidate(r["allocation_id"], r["order_id"], r["status"],
                                  (json.loads(r["customer"]) if r["customer"] else {}).get("name") or "",
                                  r["pickup_code_hash"]) for r in rows]
    matched_by, ids = rules.find(q, candidates)
    by_id = {r["allocation_id"]: r for r in rows}
    return {"matched_by": matched_by, "items": [fulfilment_view(by_id[i]) for i in ids[:limit]]}
