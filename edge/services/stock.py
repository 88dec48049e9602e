"""Stock operations as units of work: receive, adjust and count. One transaction holds the rule, the levels,
the ledger, the event and the idempotency record; the publisher is woken after the commit (a receive never waits
on the network).

A count's events are cut into chunks of at most 500 SKUs (DESIGN §4), so a whole-store count never produces an
event too big to publish."""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from edge.domain.stock import (
    AdjustReason,
    Change,
    Levels,
    StockRuleBroken,
    adjust,
    count,
    receive,
)
from edge.store.ledger import (
    close_tasks,
    read_levels,
    record_movement,
    record_movements,
    stock_level,
)
from edge.store.outbox import SNAPSHOT_CHUNK_SKUS, append_event
from edge.store.products import find_product
from shared.contract.errors import InvalidInput, UnknownSku
from shared.contract.events import StockAdjusted, StockCounted, StockReceived
from shared.runtime.clock import to_text, utc_now
from shared.runtime.sqlite import Database
from shared.web import idempotency

COUNT_SCOPE = "stock.count"


@dataclass(frozen=True)
class Outcome:
    """A unit of work's answer: the body of what was recorded, and whether it is the answer already recorded for
    an earlier try of the same request (same Idempotency-Key and body) rather than a new change."""

    body: dict
    replayed: bool = False


def once(conn: sqlite3.Connection, scope: str, key: str | None, request: dict, make: Callable[[], dict]) -> Outcome:
    """`make()`'s answer recorded under the Idempotency-Key in the caller's transaction, or the answer recorded
    before. The key's table keeps the answer as the web layer gives it back; every request it guards here records
    something new, so that answer is "created"."""
    _, body, made = idempotency.once(conn, scope, key, request, idempotency.CREATED, make)
    return Outcome(body, replayed=not made)


def once_written(conn: sqlite3.Connection, scope: str, key: str | None, request: dict,
                 make: Callable[[], tuple[dict, str]]) -> Outcome:
    """As `once`, for a change that writes its answer's JSON itself (a sale keeps it as its receipt's body): the key's
    record takes that JSON as it is instead of writing the answer out again."""
    _, body, made = idempotency.once(conn, scope, key, request, idempotency.CREATED, make, written=True)
    return Outcome(body, replayed=not made)


def replayed(conn: sqlite3.Connection, scope: str, key: str | None, request: dict) -> Outcome | None:
    """The answer already recorded for this Idempotency-Key and body, if any."""
    answer = idempotency.replay(conn, scope, key, request)
    return Outcome(answer[1], replayed=True) if answer is not None else None


def levels_body(sku: str, name: str, levels: Levels) -> dict:
    return {"sku": sku, "name": name, "on_hand": levels.on_hand, "reserved": levels.reserved,
            "damaged": levels.damaged, "available": levels.available}


def known_product(conn: sqlite3.Connection, sku_or_gtin: str) -> sqlite3.Row:
    product = find_product(conn, sku_or_gtin)
    if product is None:
        raise UnknownSku(f"No product with SKU or barcode {sku_or_gtin!r} is in this store's catalog; "
                         "check the code, or wait for the catalog to reach the store.", sku=sku_or_gtin)
    return product


class StockService:
    """Receive and adjust stock; `on_commit` is called after each committed change (to wake the publisher)."""

    def __init__(self, db: Database, on_commit: Callable[[], None] = lambda: None,
                 clock: Callable[[], datetime] = utc_now):
        self._db = db
        self._on_commit = on_commit
        self._clock = clock

    def levels(self, sku_or_gtin: str) -> dict:
        with self._db.read() as conn:
            product = known_product(conn, sku_or_gtin)
            return levels_body(product["sku"], product["name"], read_levels(conn, product["sku"]))

    def receive(self, *, sku: str, qty: int, reference: str, actor: str, idempotency_key: str | None) -> Outcome:
        request = {"sku": sku, "qty": qty, "reference": reference}

        def event(product_sku: str, change: Change) -> tuple[str, StockReceived]:
            return "stock.received", StockReceived(sku=product_sku, qty=qty, reference=reference,
                                                   stock=[stock_level(product_sku, change.levels)])

        return self._change("stock.receive", request, idempotency_key, sku, actor,
                            rule=lambda levels: receive(levels, qty), event=event, reason="delivery",
                            reference=reference)

    def adjust(self, *, sku: str, delta: int, reason: AdjustReason, note: str | None, actor: str,
               idempotency_key: str | None) -> Outcome:
        request = {"sku": sku, "delta": delta, "reason": str(reason), "note": note}

        def event(product_sku: str, change: Change) -> tuple[str, StockAdjusted]:
            return "stock.adjusted", StockAdjusted(sku=product_sku, delta=delta, reason=str(reason), reference=note,
                                                   stock=[stock_level(product_sku, change.levels)])

        return self._change("stock.adjust", request, idempotency_key, sku, actor,
                            rule=lambda levels: adjust(levels, delta, reason), event=event, reason=str(reason),
                            reference=note)

    def _change(self, scope: str, request: dict, key: str | None, sku_or_gtin: str, actor: str, *,
                rule: Callable[[Levels], Change], event: Callable, reason: str, reference: str | None) -> Outcome:
        now = self._clock()  # read once, before the transaction: the event, ledger and tasks share it

        def apply(conn: sqlite3.Connection) -> dict:
            product = known_product(conn, sku_or_gtin)
            sku = product["sku"]
            try:
                change = rule(read_levels(conn, sku))
            except StockRuleBroken as e:
                raise InvalidInput(str(e)) from e
            type_, payload = event(sku, change)
            row = append_event(conn, type_, payload, actor=actor, at=now)
            record_movement(conn, sku, change.movement, change.levels, reason=reason, reference=reference, actor=actor,
                            row=row)
            return {**levels_body(sku, product["name"], change.levels), "seq": row.seq, "event_id": row.id,
                    "occurred_at": to_text(now)}

        with self._db.write() as conn:
            outcome = once(conn, scope, key, request, lambda: apply(conn))
        if not outcome.replayed:
            self._on_commit()
        return outcome


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
    """Cycle counts of many SKUs in one transaction; a count closes the SKUs' open count tasks."""

    def __init__(self, db: Database, on_commit: Callable[[], None] = lambda: None):
        self._db, self._on_commit = db, on_commit

    def count(self, counts: list[tuple[str, int]], *, reference: str | None, actor: str, key: str | None,
              now: datetime) -> Outcome:
        request = {"counts": [{"sku": s, "counted": c} for s, c in counts], "reference": reference}
        with self._db.write() as conn:
            outcome = once(conn, COUNT_SCOPE, key, request, lambda: self._count(conn, counts, reference, actor, now))
        if not outcome.replayed:
            self._on_commit()
        return outcome

    def _count(self, conn: sqlite3.Connection, counts: list[tuple[str, int]], reference: str | None, actor: str,
               now: datetime) -> dict:
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
            # Recorded even without a variance: "counted, and right" is an answer the ledger should give.
            record_movements(conn, [(c.sku, changes[c.sku].movement, changes[c.sku].levels) for c in chunk],
                             reason="count", reference=reference, actor=actor, row=row)
            for line in chunk:
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
