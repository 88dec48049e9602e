"""Fulfilments (allocations) at the store: central's assign/cancel commands, and each associate step as one
transaction with its stock movements, ledger rows, tasks and the DESIGN §6 event."""

import json
import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

from pydantic import ValidationError

from edge.domain import fulfilment as rules
from edge.domain import shortfalls
from edge.domain.errors import WrongPickupCode
from edge.domain.stock import Change
from edge.printing.service import Printing
from edge.services.fulfilment_papers import queue_step_paper
from edge.store import pickup_codes
from edge.store.ledger import (
    close_task,
    close_tasks,
    open_task,
    read_levels,
    record_movement,
    stock_level,
    task_view,
)
from edge.store.outbox import append_event
from shared.contract.errors import (
    InsufficientStock,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from shared.contract.events import (
    CatalogPolicy,
    FulfilmentAssign,
    FulfilmentCancel,
    FulfilmentEvent,
    Parcel,
    PickupEvent,
    ShipmentPacked,
    ShipmentShipped,
)
from shared.contract.models import FulfilmentStatus as S
from shared.contract.models import FulfilmentType, Line, RejectReason
from shared.runtime.clock import from_text, to_text
from shared.runtime.sqlite import Database

log = logging.getLogger(__name__)

SYSTEM = "system"


def read_policy(conn: sqlite3.Connection) -> CatalogPolicy:
    row = conn.execute("SELECT value FROM catalog_settings WHERE key = 'policy'").fetchone()
    try:
        return CatalogPolicy.model_validate_json(row["value"]) if row else CatalogPolicy()
    except ValidationError:
        # Kept before its values had ranges (a hold of a billion days): the defaults serve until central's next.
        log.error("the stored policy from head office is out of range; the defaults apply until the next one")
        return CatalogPolicy()


def fulfilment_view(row: sqlite3.Row) -> dict:
    loads = lambda v: json.loads(v) if v else None  # noqa: E731
    return {"allocation_id": row["allocation_id"], "order_id": row["order_id"], "type": row["type"],
            "status": row["status"], "lines": loads(row["lines"]), "held": loads(row["held"]),
            "picked": loads(row["picked"]), "shortages": loads(row["shortages"]), "customer": loads(row["customer"]),
            "ship_to": loads(row["ship_to"]), "accept_by": row["accept_by"], "pickup_by": row["pickup_by"],
            "parcels": loads(row["parcels"]), "carrier": row["carrier"], "tracking_number": row["tracking_number"],
            "reason": row["reason"], "at_risk": bool(row["at_risk"]), "receipt_token": row["receipt_token"],
            "assigned_at": row["assigned_at"], "updated_at": row["updated_at"]}


def _ship_to(cmd: FulfilmentAssign) -> str | None:
    """The address to keep: as central sent it, under the customer's name where an older order's names nobody."""
    return cmd.ship_to.for_customer(cmd.customer.name).model_dump_json(exclude_defaults=True) if cmd.ship_to else None


class Fulfilments:
    def __init__(self, db: Database, on_commit: Callable[[], None] = lambda: None, printing: Printing | None = None):
        self._db, self._on_commit, self._printing = db, on_commit, printing

    # ---- central's commands (inside the inbox's transaction) -------------------------------------------

    def assign(self, conn: sqlite3.Connection, cmd: FulfilmentAssign, cmd_seq: int, now: datetime) -> str:
        if conn.execute("SELECT 1 FROM fulfilments WHERE allocation_id = ?", (cmd.allocation_id,)).fetchone():
            return "already assigned"
        at = to_text(now)
        conn.execute(
            "INSERT INTO fulfilments (allocation_id, order_id, type, status, lines, customer, ship_to, "
            "pickup_code_hash, receipt_token, accept_by, cmd_seq, assigned_at, updated_at) "
            "VALUES (?, ?, ?, 'assigned', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cmd.allocation_id, cmd.order_id, str(cmd.type), json.dumps([ln.model_dump() for ln in cmd.lines]),
             cmd.customer.model_dump_json(), _ship_to(cmd),
             cmd.pickup_code_hash, cmd.receipt_token, to_text(cmd.accept_by), cmd_seq, at, at))
        early = conn.execute("SELECT reason FROM early_cancels WHERE allocation_id = ?",
                             (cmd.allocation_id,)).fetchone()
        if early is not None:  # the cancel overtook its assign: it still wins
            self._move(conn, cmd.allocation_id, S.CANCELLED, SYSTEM, now, reason=early["reason"])
            return "cancelled by an earlier cancel"
        if rules.accept_expired(cmd.accept_by, now):
            self._move(conn, cmd.allocation_id, S.REJECTED, SYSTEM, now, reason=RejectReason.ACCEPT_EXPIRED)
            return "rejected: accept_by had passed"
        wanted = rules.totals([(ln.sku, ln.qty) for ln in cmd.lines])
        if read_policy(conn).auto_accept and rules.stock_is_there({s: read_levels(conn, s) for s in wanted}, wanted):
            self._move(conn, cmd.allocation_id, S.ACCEPTED, SYSTEM, now)
            return "accepted automatically"
        open_task(conn, "accept", allocation_id=cmd.allocation_id, at=at, reference=cmd.order_id)
        return "waiting for an associate"

    def cancel(self, conn: sqlite3.Connection, cmd: FulfilmentCancel, now: datetime) -> str:
        row = conn.execute("SELECT status FROM fulfilments WHERE allocation_id = ?", (cmd.allocation_id,)).fetchone()
        if row is None:
            conn.execute("INSERT OR IGNORE INTO early_cancels (allocation_id, order_id, reason, received_at) "
                         "VALUES (?, ?, ?, ?)", (cmd.allocation_id, cmd.order_id, cmd.reason, to_text(now)))
            return "remembered until its assign arrives"
        if S(row["status"]) in rules.FINAL:
            return f"not cancelled: already {row['status']}"
        self._move(conn, cmd.allocation_id, S.CANCELLED, SYSTEM, now, reason=cmd.reason)
        return "cancelled"

    # ---- reading ----------------------------------------------------------------------------------------

    def page(self, type_: str | None, status: str | None, after: str | None, limit: int) -> dict:
        rows = self._db_read("SELECT * FROM fulfilments WHERE (? IS NULL OR type = ?) AND (? IS NULL OR status = ?) "
                             "AND allocation_id > ? ORDER BY allocation_id LIMIT ?",
                             (type_, type_, status, status, after or "", limit + 1))
        items = [fulfilment_view(r) for r in rows[:limit]]
        return {"items": items, "next_cursor": items[-1]["allocation_id"] if len(rows) > limit else None}

    def get(self, allocation_id: str) -> dict:
        rows = self._db_read("SELECT * FROM fulfilments WHERE allocation_id = ?", (allocation_id,))
        if not rows:
            raise NotFound(f"No fulfilment {allocation_id!r} has reached this store; check the order on the list.")
        return fulfilment_view(rows[0])

    def _db_read(self, sql: str, params: tuple) -> list[sqlite3.Row]:
        with self._db.read() as conn:
            return conn.execute(sql, params).fetchall()

    # ---- an associate's steps -----------------------------------------------------------------------------

    def act(self, allocation_id: str, target: S, actor: str, now: datetime, **details) -> dict:
        """Move the fulfilment to `target` (200 when it is there already); 409 when the state does not allow it."""
        if self.expire_due(now, allocation_id):  # committed on its own: a refused step must not undo it
            with self._db.read() as conn:
                row = self._row(conn, allocation_id)
            if target != S(row["status"]):
                raise InvalidTransition(f"Fulfilment {allocation_id} became {row['status']} ({row['reason']}) "
                                        "before this step: its deadline had passed.", status=row["status"])
        problem = None
        with self._db.write() as conn:
            # A wrong code is counted in the transaction that checked the lock, so requests arriving together
            # are weighed one after another and none slips past a lock another has just set.
            conn.execute("SAVEPOINT step")
            try:
                self._move(conn, allocation_id, target, actor, now, **details)
            except WrongPickupCode as wrong:
                conn.execute("ROLLBACK TO step")
                problem = pickup_codes.count_wrong_code(conn, allocation_id, now, wrong)
            conn.execute("RELEASE step")
            answer = fulfilment_view(self._row(conn, allocation_id)) if problem is None else None
        if problem is not None:
            raise problem
        self._on_commit()
        return answer

    def put_back_done(self, task_id: int, now: datetime) -> dict:
        """An associate put a cancelled or expired order's units back on the shelf: its put-back task closes (the
        books released them when the order ended; nothing else moves). Repeating it answers the closed task."""
        with self._db.write() as conn:
            task = task_view(conn, task_id)
            if task is None:
                raise NotFound(f"No task {task_id}; refresh the list.")
            if task["kind"] != "put_back":
                raise InvalidTransition(f"Task {task_id} is a {task['kind']} task: a count closes with a count of its "
                                        "SKU, an accept task when the order is accepted or rejected.",
                                        status=task["status"])
            close_task(conn, task_id, to_text(now))
            return task_view(conn, task_id)

    def expire_due(self, now: datetime, only: str | None = None) -> int:
        """Reject what was not accepted by `accept_by`, and expire pickups not collected in time."""
        with self._db.write() as conn:
            done = self._expire_due(conn, now, only)
        if done:
            self._on_commit()
        return done

    def _expire_due(self, conn: sqlite3.Connection, now: datetime, only: str | None = None) -> int:
        at = to_text(now)
        late = conn.execute("SELECT allocation_id FROM fulfilments WHERE status = 'assigned' AND accept_by <= ? "
                            "AND (? IS NULL OR allocation_id = ?)", (at, only, only)).fetchall()
        gone = conn.execute("SELECT allocation_id FROM fulfilments WHERE status = 'ready' AND pickup_by <= ? "
                            "AND (? IS NULL OR allocation_id = ?)", (at, only, only)).fetchall()
        for r in late:
            self._move(conn, r["allocation_id"], S.REJECTED, SYSTEM, now, reason=RejectReason.ACCEPT_EXPIRED)
        for r in gone:
            self._move(conn, r["allocation_id"], S.EXPIRED, SYSTEM, now)
        return len(late) + len(gone)

    def _row(self, conn: sqlite3.Connection, allocation_id: str) -> sqlite3.Row:
        row = conn.execute("SELECT * FROM fulfilments WHERE allocation_id = ?", (allocation_id,)).fetchone()
        if row is None:
            raise NotFound(f"No fulfilment {allocation_id!r} has reached this store; check the order on the list.")
        return row

    def _move(self, conn: sqlite3.Connection, allocation_id: str, target: S, actor: str, now: datetime,
              **details) -> None:
        """Carry out the step to `target` as edge.domain.fulfilment.STEPS describes it, with its inputs."""
        row = self._row(conn, allocation_id)
        type_, current = FulfilmentType(row["type"]), S(row["status"])
        try:
            if not rules.transition(type_, current, target):
                return
        except rules.TransitionRefused as e:
            raise InvalidTransition(f"{e} Refresh the list to see where it stands.", status=str(current)) from e
        step = rules.STEPS[target]
        wanted = rules.totals([(ln["sku"], ln["qty"]) for ln in json.loads(row["lines"])])
        held = json.loads(row["held"])
        fields = self._inputs(conn, row, step, actor, now, wanted, **details)
        short = fields.get("shortages", {})
        shortfall = shortfalls.NOTHING
        if target == S.REJECTED:
            shortfall = shortfalls.of_rejection(fields["reason"], held, wanted)
        elif target == S.PICKED:
            shortfall = shortfalls.of_short_pick(short)
        at = to_text(now)
        for sku in shortfall.count:  # before the movement: this task, naming the order, is the one that stays open
            open_task(conn, "count", sku=sku, reference=row["order_id"], at=at, note=shortfall.note)
        plan = rules.stock_plan(step.stock, wanted=wanted, held=held, short=short, then=shortfall.rules)
        changes = rules.apply_plan({sku: read_levels(conn, sku) for sku in plan}, plan)
        self._finish(conn, row, step, actor, now, changes,
                     held=rules.held_after(step.stock, wanted=wanted, held=held, short=short), **fields)
        if step.closes_accept_task:
            close_tasks(conn, "accept", allocation_id=allocation_id, at=at)
        if current in step.put_back_from:
            open_task(conn, "put_back", allocation_id=allocation_id, reference=row["order_id"], at=at)

    def _inputs(self, conn: sqlite3.Connection, row: sqlite3.Row, step: rules.Step, actor: str, now: datetime,
                wanted: dict[str, int], *, reason: str | None = None, picked: dict[str, int] | None = None,
                code: str = "", parcels: list[int] | None = None, carrier: str = "",
                tracking_number: str = "") -> dict:
        """What a step needs of the associate (checked here) and records on the fulfilment and its event."""
        if step.default_reason is not None:
            return {"reason": str(reason if reason is not None else step.default_reason)}
        if step.target == S.ACCEPTED:
            levels = {sku: read_levels(conn, sku) for sku in wanted}
            if actor != SYSTEM and not rules.stock_is_there(levels, wanted):
                short = [s for s, q in wanted.items() if levels[s].on_hand - levels[s].reserved < q]
                raise InsufficientStock(f"The books do not hold enough free units of {', '.join(short)}; count "
                                        "the shelf, or reject with not_found.")
        elif step.target == S.PICKED:
            picked = dict(wanted) if picked is None else picked
            try:
                shortages = rules.shortages(wanted, picked)
            except rules.FulfilmentRuleBroken as e:
                raise InvalidInput(str(e)) from e
            if not any(picked.values()):
                raise InvalidInput("Nothing was picked: reject the fulfilment with reason not_found instead.")
            return {"shortages": shortages, "picked": [{"sku": s, "qty": q} for s, q in picked.items() if q]}
        elif step.target == S.READY:
            return {"pickup_by": to_text(rules.pickup_deadline(now, read_policy(conn).pickup_hold_days))}
        elif step.target == S.COLLECTED:
            pickup_codes.refuse_while_locked(row, now)
            if not rules.pickup_code_matches(code, row["pickup_code_hash"]):
                raise WrongPickupCode("That pickup code does not match this order; ask the customer for the code "
                                      "in their confirmation message.")
        elif step.target == S.PACKED:
            if not parcels:
                raise InvalidInput("Give the weight of each parcel in grams (parcels: [{weight_g}]).")
            return {"parcels": [{"weight_g": w} for w in parcels]}
        elif step.target == S.SHIPPED:
            return {"carrier": carrier, "tracking_number": tracking_number}
        return {}

    # ---- shared plumbing ------------------------------------------------------------------------------------

    def _finish(self, conn, row, step: rules.Step, actor: str, now: datetime, changes: dict[str, Change], *,
                held: dict | None, **fields) -> None:
        aid, order, target = row["allocation_id"], row["order_id"], step.target
        levels = [stock_level(sku, change.levels) for sku, change in changes.items()]
        lines = [Line(**ln) for ln in (fields.get("picked") or json.loads(row["lines"]))]
        event_type = step.event_type
        if event_type.startswith("fulfilment."):
            payload = FulfilmentEvent(allocation_id=aid, order_id=order, lines=lines, reason=fields.get("reason"),
                                      shortages=[Line(sku=s, qty=q) for s, q in fields.get("shortages", {}).items()],
                                      stock=levels)
        elif event_type.startswith("pickup."):
            payload = PickupEvent(allocation_id=aid, order_id=order, stock=levels,
                                  pickup_by=from_text(fields["pickup_by"]) if "pickup_by" in fields else None,
                                  collected_by=actor if target == S.COLLECTED else None)
        elif event_type == "shipment.packed":
            payload = ShipmentPacked(allocation_id=aid, order_id=order, parcels=[Parcel(**p) for p in fields["parcels"]],
                                     stock=levels)
        else:
            payload = ShipmentShipped(allocation_id=aid, order_id=order, carrier=fields["carrier"],
                                      tracking_number=fields["tracking_number"], stock=levels)
        event = append_event(conn, event_type, payload, actor=actor, at=now)
        ledger_reason = step.ledger_reason if step.ledger_reason is not None else fields["reason"]
        for sku, change in changes.items():
            record_movement(conn, sku, change.movement, change.levels, reason=ledger_reason, reference=order,
                            actor=actor, row=event)
        columns = {"status": str(target), "updated_at": to_text(now)}
        if held is not None:
            columns["held"] = json.dumps(held)
        for name in ("reason", "pickup_by", "carrier", "tracking_number"):
            if name in fields:
                columns[name] = fields[name]
        for name in ("shortages", "picked", "parcels"):
            if name in fields:
                columns[name] = json.dumps(fields[name])
        assignments = ", ".join(f"{name} = ?" for name in columns)
        conn.execute(f"UPDATE fulfilments SET {assignments} WHERE allocation_id = ?", (*columns.values(), aid))
        if self._printing is not None:
            queue_step_paper(self._printing, conn, step.paper, fulfilment_view(self._row(conn, aid)), now)
