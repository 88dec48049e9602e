"""Transfers between nodes at the store: central's send/inbound/cancel commands, and the associate's ship, reject
and receive, each one transaction with its stock movements, ledger rows, count tasks, paper and event (the
rules: edge.domain.transfers). Nothing here waits on the network: the events wait in the outbox."""

import sqlite3
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from edge.domain import fulfilment as stock_rules
from edge.domain import transfers as rules
from edge.domain.errors import ReceiptDifferenceUnconfirmed, ShortShipmentUnconfirmed
from edge.domain.shortfalls import Shortfall
from edge.domain.transfers import Direction, Status
from edge.printing.service import Printing
from edge.store import transfers as rows
from edge.store.ledger import open_task, read_levels, record_movement, stock_level
from edge.store.outbox import append_event
from shared.contract.errors import InvalidInput, InvalidTransition, NotFound
from shared.contract.events import (
    TransferCancel,
    TransferEvent,
    TransferInbound,
    TransferReceived,
    TransferSend,
    TransferShipped,
)
from shared.contract.models import Line
from shared.runtime.clock import to_text
from shared.runtime.sqlite import Database
from shared.web import idempotency

SYSTEM = "system"
STEP_ANSWER = 200  # a step answers the transfer, also when an Idempotency-Key replays it


def _wire(units: dict[str, int]) -> list[Line]:
    """Lines as messages carry them: units of each SKU, none for a SKU with none."""
    return [Line(sku=sku, qty=qty) for sku, qty in sorted(units.items()) if qty > 0]


def _by_sku(transfer: dict, lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Counted lines named by SKU: a line may name a unit by its barcode (GTIN) instead."""
    skus = {line["gtin"]: line["sku"] for line in transfer["lines"] if line["gtin"]}
    return [(skus.get(code, code), qty) for code, qty in lines]


class Transfers:
    def __init__(self, db: Database, store_id: str, on_commit: Callable[[], None] = lambda: None,
                 printing: Printing | None = None):
        self._db, self._store_id, self._on_commit, self._printing = db, store_id, on_commit, printing

    # ---- central's commands (inside the inbox's transaction) -------------------------------------------------

    def send(self, conn: sqlite3.Connection, cmd: TransferSend, cmd_seq: int, now: datetime) -> str:
        """Record the transfer to send and reserve what was asked at once (`transfer.accepted`)."""
        if rows.read(conn, cmd.transfer_id) is not None:
            return "already known"
        asked = stock_rules.totals([(line.sku, line.qty) for line in cmd.lines])
        rows.insert(conn, cmd.transfer_id, direction=Direction.OUT, status=Status.RESERVED, other_node=cmd.to_node,
                    other_name=cmd.to_name, units=asked, held=True, cmd_seq=cmd_seq, at=to_text(now),
                    ship_to=cmd.ship_to.model_dump_json(exclude_defaults=True) if cmd.ship_to else None,
                    reference=cmd.reference, ship_by=to_text(cmd.ship_by) if cmd.ship_by else None)
        self._move(conn, cmd.transfer_id, rules.reserve_plan(asked), "reserve", SYSTEM, now,
                   lambda stock: ("transfer.accepted", TransferEvent(transfer_id=cmd.transfer_id, lines=_wire(asked),
                                                                     stock=stock)))
        return "reserved"

    def inbound(self, conn: sqlite3.Connection, cmd: TransferInbound, cmd_seq: int, now: datetime) -> str:
        """Record the transfer on its way here; nothing moves until it is counted in."""
        if rows.read(conn, cmd.transfer_id) is not None:
            return "already known"
        shipped = stock_rules.totals([(line.sku, line.qty) for line in cmd.lines])
        rows.insert(conn, cmd.transfer_id, direction=Direction.IN, status=Status.IN_TRANSIT, other_node=cmd.from_node,
                    other_name=cmd.from_name, units=shipped, held=False, cmd_seq=cmd_seq, at=to_text(now),
                    carrier=cmd.carrier, tracking_number=cmd.tracking_number,
                    expected_at=to_text(cmd.expected_at) if cmd.expected_at else None)
        return "in transit"

    def cancel(self, conn: sqlite3.Connection, cmd: TransferCancel, now: datetime) -> str:
        """Release what the transfer holds (`transfer.cancelled`); once shipped it is too late and nothing happens.
        A cancel for a transfer this store never saw is recorded and confirmed, so a late send stays ignored."""
        transfer = rows.read(conn, cmd.transfer_id)
        if transfer is None:
            rows.insert(conn, cmd.transfer_id, direction=Direction.OUT, status=Status.CANCELLED, other_node="",
                        other_name="", units={}, held=False, cmd_seq=None, at=to_text(now), reason=cmd.reason)
            append_event(conn, "transfer.cancelled", TransferEvent(transfer_id=cmd.transfer_id, reason=cmd.reason),
                         actor=SYSTEM, at=now)
            return "cancelled before it arrived"
        if not rules.cancel_applies(Status(transfer["status"])):
            return f"not cancelled: already {transfer['status']}"
        held = self._held(transfer)
        plan, _ = rules.release_plan(held)
        self._move(conn, cmd.transfer_id, plan, "release", SYSTEM, now,
                   lambda stock: ("transfer.cancelled", TransferEvent(transfer_id=cmd.transfer_id, lines=_wire(held),
                                                                      reason=cmd.reason, stock=stock)))
        rows.release(conn, cmd.transfer_id)
        rows.update(conn, cmd.transfer_id, status=Status.CANCELLED, at=to_text(now), reason=cmd.reason)
        return "cancelled"

    # ---- reading ------------------------------------------------------------------------------------------------

    def page(self, direction: str | None, statuses: tuple[str, ...] | None, after: str | None, limit: int) -> dict:
        with self._db.read() as conn:
            found = rows.page(conn, direction, statuses, after or "", limit)
        items = [self.view(t) for t in found[:limit]]
        return {"items": items, "next_cursor": items[-1]["transfer_id"] if len(found) > limit else None}

    def get(self, transfer_id: str) -> dict:
        with self._db.read() as conn:
            return self.view(self._row(conn, transfer_id))

    def view(self, transfer: dict) -> dict:
        """The transfer as the API answers it: both ends named, its lines with what was shipped and received."""
        here = {"node": self._store_id}
        there = {"node": transfer["other_node"], "name": transfer["other_name"]}
        sender, receiver = (here, there) if transfer["direction"] == Direction.OUT else (there, here)
        lines = [{key: line[key] for key in ("sku", "name", "gtin", "qty", "shipped", "received")}
                 for line in transfer["lines"]]
        view = {"transfer_id": transfer["transfer_id"], "direction": transfer["direction"],
                "status": transfer["status"], "from_node": sender["node"], "from_name": sender.get("name"),
                "to_node": receiver["node"], "to_name": receiver.get("name"), "lines": lines,
                "units": sum(line["qty"] for line in lines)}
        for key in ("ship_to", "reference", "ship_by", "expected_at", "carrier", "tracking_number", "reason",
                    "done_by", "created_at", "updated_at"):
            view[key] = transfer[key]
        return view

    def open_counts(self) -> dict:
        """Transfers waiting at the counter: to send (reserved) and to receive (in transit)."""
        with self._db.read() as conn:
            found = dict(conn.execute("SELECT direction, COUNT(*) FROM transfers WHERE status IN (?, ?) "
                                      "GROUP BY direction", (Status.RESERVED, Status.IN_TRANSIT)).fetchall())
        return {"to_send": found.get(Direction.OUT, 0), "to_receive": found.get(Direction.IN, 0)}

    # ---- an associate's steps -----------------------------------------------------------------------------------

    def ship(self, transfer_id: str, lines: list[tuple[str, int]], *, carrier: str | None,
             tracking_number: str | None, confirmed_short: bool, actor: str, key: str | None, now: datetime) -> dict:
        request = {"transfer_id": transfer_id, "lines": lines, "carrier": carrier,
                   "tracking_number": tracking_number, "confirmed_short": confirmed_short}

        def make(conn: sqlite3.Connection) -> dict:
            transfer = self._step_row(conn, transfer_id, Direction.OUT, Status.SHIPPED)
            asked = {line["sku"]: line["qty"] for line in transfer["lines"]}
            shipped = self._counted(lambda: rules.shipment(asked, _by_sku(transfer, lines)))
            short = [d for d in rules.differences(asked, shipped) if d.missing > 0]
            if short and not confirmed_short:
                raise ShortShipmentUnconfirmed(
                    f"Transfer {transfer_id} would leave {rules.short_sentence(short)} behind. Scan the missing "
                    "units, or confirm a short shipment (the units not shipped leave on-hand and their SKUs are "
                    "counted).", short=[{"sku": d.sku, "asked": d.expected, "shipped": d.counted} for d in short])
            plan, shortfall = rules.ship_plan(self._held(transfer), shipped)
            self._count_tasks(conn, shortfall, transfer_id, now)
            self._move(conn, transfer_id, plan, "shipped", actor, now,
                       lambda stock: ("transfer.shipped", TransferShipped(
                           transfer_id=transfer_id, to_node=transfer["other_node"], lines=_wire(shipped),
                           carrier=carrier, tracking_number=tracking_number, stock=stock)))
            rows.set_counts(conn, transfer_id, "shipped", shipped)
            rows.update(conn, transfer_id, status=Status.SHIPPED, at=to_text(now), carrier=carrier,
                        tracking_number=tracking_number, done_by=actor)
            answer = self.view(self._row(conn, transfer_id))
            if self._printing is not None:
                self._printing.transfer_shipped(conn, answer, now)
            return answer

        return self._once("transfer.ship", key, request, make)

    def reject(self, transfer_id: str, reason: str, *, actor: str, key: str | None, now: datetime) -> dict:
        """The store can send none of it: the reservation ends, and the reason does to the units what a
        fulfilment's rejection would (edge.domain.shortfalls)."""
        request = {"transfer_id": transfer_id, "reason": reason}

        def make(conn: sqlite3.Connection) -> dict:
            transfer = self._step_row(conn, transfer_id, Direction.OUT, Status.REJECTED)
            held = self._held(transfer)
            plan, shortfall = rules.release_plan(held, reason)
            self._count_tasks(conn, shortfall, transfer_id, now)
            self._move(conn, transfer_id, plan, reason, actor, now,
                       lambda stock: ("transfer.rejected", TransferEvent(
                           transfer_id=transfer_id, lines=_wire(held), reason=reason, stock=stock)))
            rows.release(conn, transfer_id)
            rows.update(conn, transfer_id, status=Status.REJECTED, at=to_text(now), reason=reason, done_by=actor)
            return self.view(self._row(conn, transfer_id))

        return self._once("transfer.reject", key, request, make)

    def receive(self, transfer_id: str, lines: list[tuple[str, int]], *, confirmed_difference: bool, actor: str,
                key: str | None, now: datetime) -> dict:
        request = {"transfer_id": transfer_id, "lines": lines, "confirmed_difference": confirmed_difference}

        def make(conn: sqlite3.Connection) -> dict:
            transfer = self._step_row(conn, transfer_id, Direction.IN, Status.RECEIVED)
            shipped = {line["sku"]: line["qty"] for line in transfer["lines"]}
            received = self._counted(lambda: rules.counted(shipped, _by_sku(transfer, lines), what="received"))
            found = rules.differences(shipped, received)
            if found and not confirmed_difference:
                raise ReceiptDifferenceUnconfirmed(
                    f"Transfer {transfer_id}: {rules.difference_sentence(found)}. Count again, or confirm the "
                    "difference (head office follows it up).",
                    differences=[{"sku": d.sku, "shipped": d.expected, "received": d.counted, "missing": d.missing}
                                 for d in found])
            self._move(conn, transfer_id, rules.receive_plan(received), "received", actor, now,
                       lambda stock: ("transfer.received", TransferReceived(
                           transfer_id=transfer_id, from_node=transfer["other_node"], lines=_wire(received),
                           stock=stock)))
            rows.set_counts(conn, transfer_id, "received", received)
            rows.update(conn, transfer_id, status=Status.RECEIVED, at=to_text(now), done_by=actor)
            return self.view(self._row(conn, transfer_id))

        return self._once("transfer.receive", key, request, make)

    # ---- shared plumbing ----------------------------------------------------------------------------------------

    def _once(self, scope: str, key: str | None, request: dict, make: Callable[[sqlite3.Connection], dict]) -> dict:
        with self._db.write() as conn:
            _, answer, made = idempotency.once(conn, scope, key, request, STEP_ANSWER, lambda: make(conn))
        if made:
            self._on_commit()
        return answer

    def _row(self, conn: sqlite3.Connection, transfer_id: str) -> dict:
        transfer = rows.read(conn, transfer_id)
        if transfer is None:
            raise NotFound(f"No transfer {transfer_id!r} has reached this store; check the transfer number on the "
                           "list.")
        return transfer

    def _step_row(self, conn: sqlite3.Connection, transfer_id: str, direction: Direction, target: Status) -> dict:
        transfer = self._row(conn, transfer_id)
        if transfer["direction"] != direction:
            doing = "receives" if direction == Direction.OUT else "sends"
            raise InvalidTransition(f"Transfer {transfer_id} is one this store {doing}; it cannot be "
                                    f"{target.value} here.", status=transfer["status"])
        try:
            rules.check_step(Status(transfer["status"]), target)
        except rules.TransitionRefused as e:
            raise InvalidTransition(f"Transfer {transfer_id}: {e}", status=transfer["status"]) from e
        return transfer

    @staticmethod
    def _counted(count: Callable[[], dict[str, int]]) -> dict[str, int]:
        try:
            return count()
        except rules.TransferRuleBroken as e:
            raise InvalidInput(str(e)) from e

    @staticmethod
    def _held(transfer: dict) -> dict[str, int]:
        return {line["sku"]: line["held"] for line in transfer["lines"] if line["held"]}

    @staticmethod
    def _count_tasks(conn: sqlite3.Connection, shortfall: Shortfall, transfer_id: str, now: datetime) -> None:
        """Before the movement: the task naming this transfer is the one that stays open."""
        for sku in shortfall.count:
            open_task(conn, "count", sku=sku, reference=transfer_id, at=to_text(now), note=shortfall.note)

    @staticmethod
    def _move(conn: sqlite3.Connection, transfer_id: str, plan: rules.Plan, reason: str, actor: str, now: datetime,
              event: Callable[[list], tuple[str, BaseModel]]) -> None:
        """The plan's movements, one event carrying the resulting levels, and the ledger rows that point at it."""
        changes = stock_rules.apply_plan({sku: read_levels(conn, sku) for sku in plan}, plan)
        type_, payload = event([stock_level(sku, change.levels) for sku, change in changes.items()])
        row = append_event(conn, type_, payload, actor=actor, at=now)
        for sku, change in changes.items():
            record_movement(conn, sku, change.movement, change.levels, reason=reason, reference=transfer_id,
                            actor=actor, row=row)

