"""Cycle counts of many SKUs in one transaction, and the ledger that explains a SKU's levels.

A count's events are cut into chunks of at most 500 SKUs (DESIGN §4), so a whole-store count never
produces an event too big to publish."""

import sqlite3
from collections.abc import Callable

from pydantic import BaseModel

from edge.domain.stock import StockRuleBroken, count
from edge.services.stock import CREATED, Outcome, known_product
from edge.store.ledger import close_tasks, read_levels, record_movement, stock_level
from edge.store.outbox import SNAPSHOT_CHUNK_SKUS, append_event
from shared.contract.errors import InvalidInput
from shared.contract.events import StockCounted
from shared.runtime.clock import to_text
from shared.runtime.sqlite import Database
from shared.web import idempotency

SCOPE = "stock.count"


class CountLine(BaseModel):
    sku: str
    counted: int
    previous: int
    variance: int


class StockCountChunk(StockCounted):
    """`stock.counted` for up to 500 SKUs: `counts` lists them all and `stock` carries their levels; `sku`
    and `counted` repeat the first count, for readers of the one-SKU shape."""

    counts: list[CountLine]
    chunk: int
    chunks: int


class CountService:
    def __init__(self, db: Database, on_commit: Callable[[], None] = lambda: None):
        self._db, self._on_commit = db, on_commit

    def count(self, counts: list[tuple[str, int]], *, reference: str | None, actor: str, key: str | None,
              now) -> Outcome:
        request = {"counts": [{"sku": s, "counted": c} for s, c in counts], "reference": reference}
        with self._db.write() as conn:
            status, body, made = idempotency.once(conn, SCOPE, key, request, CREATED,
                                                      lambda: self._count(conn, counts, reference, actor, now))
        if made:
            self._on_commit()
        return Outcome(status, body)

    def _count(self, conn: sqlite3.Connection, counts: list[tuple[str, int]], reference: str | None, actor: str,
               now) -> dict:
        seen: dict[str, int] = {}
        for code, counted in counts:
            sku = known_product(conn, code)["sku"]
            if sku in seen:
                raise InvalidInput(f"{sku} is counted twice in this request; add the shelves up and send one "
                                        "number per SKU.")
            seen[sku] = counted
        lines, changes = [], {}
        for sku, counted in seen.items():
            levels = read_levels(conn, sku)
            try:
                changes[sku] = count(levels, counted)
            except StockRuleBroken as e:
                raise InvalidInput(f"{sku}: {e}") from e
            lines.append(CountLine(sku=sku, counted=counted, previous=levels.on_hand,
                                   variance=counted - levels.on_hand))
        chunks = [lines[i:i + SNAPSHOT_CHUNK_SKUS] for i in range(0, len(lines), SNAPSHOT_CHUNK_SKUS)]
        seqs, at = [], to_text(now)
        for n, chunk in enumerate(chunks, start=1):
            payload = StockCountChunk(sku=chunk[0].sku, counted=chunk[0].counted, reference=reference,
                                      stock=[stock_level(c.sku, changes[c.sku].levels) for c in chunk],
                                      counts=chunk, chunk=n, chunks=len(chunks))
            row = append_event(conn, "stock.counted", payload, actor=actor, at=now)
            seqs.append(row.seq)
            for line in chunk:
                change = changes[line.sku]
                record_movement(conn, line.sku, change.movement, change.levels, reason="count", reference=reference,
                                actor=actor, row=row, even_unmoved=True)
                close_tasks(conn, "count", sku=line.sku, at=at)
        return {"reference": reference, "items": [line.model_dump() for line in lines],
                "variance_units": sum(abs(line.variance) for line in lines), "seqs": seqs, "occurred_at": at}


def ledger_page(db: Database, sku_or_gtin: str, before_id: int | None, limit: int) -> dict:
    """A SKU's ledger, newest first: every movement with its reason, reference, actor and event."""
    with db.read() as conn:
        sku = known_product(conn, sku_or_gtin)["sku"]
        rows = conn.execute("SELECT id, on_hand_delta, reserved_delta, damaged_delta, reason, reference, actor, "
                            "event_id, at FROM stock_ledger WHERE sku = ? AND id < ? ORDER BY id DESC LIMIT ?",
                            (sku, before_id if before_id is not None else 2**62, limit + 1)).fetchall()
    items = [{"id": r["id"], "at": r["at"], "reason": r["reason"], "reference": r["reference"], "actor": r["actor"],
              "on_hand_delta": r["on_hand_delta"], "reserved_delta": r["reserved_delta"],
              "damaged_delta": r["damaged_delta"], "event_id": r["event_id"]} for r in rows[:limit]]
    return {"sku": sku, "items": items, "next_cursor": str(items[-1]["id"]) if len(rows) > limit else None}
