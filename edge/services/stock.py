"""Stock operations as units of work: one transaction holds the rule, the levels, the ledger, the event
and the idempotency record; the publisher is woken after the commit (a receive never waits on the network)."""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from edge.domain.stock import (
    AdjustReason,
    Change,
    Levels,
    StockRuleBroken,
    adjust,
    receive,
)
from edge.store.ledger import read_levels, record_movement, stock_level
from edge.store.outbox import append_event
from edge.store.products import find_product
from shared.contract.errors import InvalidInput, UnknownSku
from shared.contract.events import StockAdjusted, StockReceived
from shared.runtime.clock import to_text, utc_now
from shared.runtime.sqlite import Database
from shared.web import idempotency

CREATED = 201


@dataclass(frozen=True)
class Outcome:
    """An answer for the API: its HTTP status and body (a replay answers the original's)."""

    status: int
    body: dict


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
            status, body, made = idempotency.once(conn, scope, key, request, CREATED, lambda: apply(conn))
        if made:
            self._on_commit()
        return Outcome(status, body)
