"""Transfers between nodes at head office (docs/transfers.md): the request and its `transfer.send`, the cancel and
its `transfer.cancel`, the stores' `transfer.*` events applied by ingest (a shipment sends `transfer.inbound` to the
receiver and puts its units in transit as inbound supply; a receipt serves the backorders that claimed them and
opens a discrepancy when it differs from the shipment), a warehouse's receipt, and a discrepancy resolved."""

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from central.domain import transfers as rules
from central.domain.policy import RoutingPolicy
from central.domain.transfers import TransferStatus
from central.services.supply import Supply
from central.services.waiting_orders import WaitingOrders
from central.store import commands
from central.store import supply as supply_store
from central.store import transfers as transfer_store
from central.store.nodes import get_node
from shared.contract.errors import InvalidInput, InvalidTransition, NotFound
from shared.contract.events import (
    EventEnvelope,
    TransferEvent,
    TransferReceived,
    TransferShipped,
)
from shared.runtime.clock import from_text, to_text
from shared.runtime.ids import uuid7
from shared.runtime.sqlite import Database
from shared.web import idempotency

log = logging.getLogger(__name__)
SOURCE = "api"


class Transfers:
    def __init__(self, db: Database, supply: Supply, waiting: WaitingOrders, policy: Callable[[], RoutingPolicy],
                 wake: Callable[[], None]):
        self._db, self._supply, self._waiting, self._policy, self._wake = db, supply, waiting, policy, wake

    # ---- head office -----------------------------------------------------------------------------

    def create(self, body: dict, key: str | None, now: datetime) -> tuple[int, dict]:
        with self._db.write() as conn:
            status, view, made = idempotency.once(conn, "transfers", key, body, 201,
                                                  lambda: self._create(conn, body, now))
        if made:
            self._wake()
        return status, view

    def _create(self, conn: sqlite3.Connection, body: dict, now: datetime) -> dict:
        nodes = {field: get_node(conn, body[field]) for field in ("from_node", "to_node")}
        facts = {field: rules.NodeFacts(row["id"], row["type"]) if row is not None else None
                 for field, row in nodes.items()}
        unknown = [line["sku"] for line in body["lines"]
                   if conn.execute("SELECT 1 FROM products WHERE sku=?", (line["sku"],)).fetchone() is None]
        rules.check_request(facts["from_node"], facts["to_node"], body["from_node"], body["to_node"], unknown)
        transfer_id = "TR-" + uuid7()
        lines = {line["sku"]: line["qty"] for line in body["lines"]}
        transfer_store.insert(conn, transfer_id, body["from_node"], body["to_node"], body.get("reference"),
                              body.get("expected_at") and to_text(from_text(body["expected_at"])), lines, now)
        transfer_store.add_history(conn, transfer_id, "requested", TransferStatus.REQUESTED, SOURCE, now,
                                   lines=body["lines"])
        receiver = nodes["to_node"]
        commands.enqueue(conn, body["from_node"], "transfer.send", {
            "transfer_id": transfer_id, "to_node": receiver["id"], "to_name": receiver["name"],
            "lines": body["lines"], "reference": body.get("reference")}, now)
        return transfer_store.view(conn, transfer_id)

    def view(self, transfer_id: str) -> dict:
        with self._db.read() as conn:
            return self._existing(conn, transfer_id)

    def listing(self, filters: dict, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        with self._db.read() as conn:
            return transfer_store.listing(conn, filters, cursor, limit)

    def cancel(self, transfer_id: str, reason: str | None, now: datetime) -> dict:
        """Head office's cancel: the sender is told; the transfer is cancelled once the sender confirms. Asked
        again, the same answer; once shipped, too late."""
        with self._db.write() as conn:
            transfer = self._row(conn, transfer_id)
            status = rules.cancel(transfer["status"], transfer_id)
            if status != transfer["status"]:
                reason = reason or "cancelled by head office"
                transfer_store.update(conn, transfer_id, now, status=status, cancel_reason=reason)
                transfer_store.add_history(conn, transfer_id, "cancel_requested", status, SOURCE, now, reason=reason)
                commands.enqueue(conn, transfer["from_node"], "transfer.cancel",
                                 {"transfer_id": transfer_id, "reason": reason}, now)
                self._wake()
            return transfer_store.view(conn, transfer_id)

    def receive_at_warehouse(self, transfer_id: str, body: dict, key: str | None, now: datetime) -> tuple[int, dict]:
        """A warehouse has no agent: head office (or its system) says what arrived there."""
        with self._db.write() as conn:
            status, view, made = idempotency.once(conn, f"transfer:{transfer_id}:receipt", key, body, 200,
                                                  lambda: self._receive_at_warehouse(conn, transfer_id, body, now))
        if made:
            self._wake()
        return status, view

    def _receive_at_warehouse(self, conn: sqlite3.Connection, transfer_id: str, body: dict, now: datetime) -> dict:
        transfer = self._row(conn, transfer_id)
        receiver = get_node(conn, transfer["to_node"])
        if receiver["type"] != "warehouse":
            raise InvalidTransition(f"Transfer {transfer_id} goes to the store {receiver['id']}: the store receives "
                                    "it at its counter.", status=transfer["status"])
        if transfer["status"] != TransferStatus.SHIPPED:
            raise InvalidTransition(f"Transfer {transfer_id} is {transfer['status']}: only a shipped transfer can "
                                    "be received.", status=transfer["status"])
        units = {line["sku"]: line["qty"] for line in body["lines"]}
        unknown = sorted(sku for sku in units
                         if conn.execute("SELECT 1 FROM products WHERE sku=?", (sku,)).fetchone() is None)
        if unknown:
            raise InvalidInput(f"No product has the SKU {', '.join(unknown)}; count in only known products.",
                               field="lines", skus=unknown)
        self._received(conn, transfer, units, SOURCE, now)
        transfer_store.add_history(conn, transfer_id, "received", TransferStatus.RECEIVED, SOURCE, now,
                                   lines=body["lines"])
        return transfer_store.view(conn, transfer_id)

    def resolve(self, transfer_id: str, note: str, now: datetime) -> dict:
        with self._db.write() as conn:
            transfer = self._row(conn, transfer_id)
            if transfer["discrepancy"] is None:
                raise InvalidTransition(f"Transfer {transfer_id} has no discrepancy to resolve: what was received "
                                        "matches what was shipped (or it is not received yet).",
                                        status=transfer["status"])
            if transfer["discrepancy"] == "open":
                transfer_store.update(conn, transfer_id, now, discrepancy="resolved", resolution_note=note,
                                      resolved_at=to_text(now))
                transfer_store.add_history(conn, transfer_id, "discrepancy_resolved", transfer["status"], SOURCE,
                                           now, note=note)
            return transfer_store.view(conn, transfer_id)

    # ---- the stores' events (ingest's hook, inside its batch transaction) --------------------------

    def apply(self, conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload: BaseModel,
              now: datetime) -> None:
        """A failure here undoes only this event's effect on its transfer (the levels it carries stay)."""
        if not isinstance(payload, (TransferEvent, TransferShipped, TransferReceived)):
            return
        conn.execute("SAVEPOINT transfer_event")
        try:
            self._apply(conn, store_id, envelope, payload, now)
        except Exception:
            conn.execute("ROLLBACK TO transfer_event")
            log.exception("store %s event %s (seq %s) could not be applied to its transfer", store_id, envelope.type,
                          envelope.seq)
        finally:
            conn.execute("RELEASE transfer_event")

    def _apply(self, conn: sqlite3.Connection, store_id: str, envelope: EventEnvelope, payload, now: datetime):
        transfer = transfer_store.get(conn, payload.transfer_id)
        party = "to_node" if envelope.type == "transfer.received" else "from_node"
        if transfer is None or transfer[party] != store_id:
            log.warning("store %s sent %s for transfer %s, which is not its to answer", store_id, envelope.type,
                        payload.transfer_id)
            return
        if transfer_store.has_event(conn, transfer["id"], envelope.id):
            return  # applied already
        step = rules.on_event(transfer["status"], envelope.type)
        source = f"store:{store_id}"
        detail = {"occurred_at": to_text(envelope.occurred_at)}
        if payload.lines:
            detail["lines"] = [line.model_dump() for line in payload.lines]
        for name in ("reason", "carrier", "tracking_number"):
            if getattr(payload, name, None):
                detail[name] = getattr(payload, name)
        if step.note:
            detail["note"] = step.note
        if step.applies:
            fields = {"status": step.status}
            if transfer["answered_at"] is None:
                fields["answered_at"] = to_text(now)
            transfer_store.update(conn, transfer["id"], now, **fields)
            if isinstance(payload, TransferShipped):
                self._shipped(conn, transfer, payload, now)
            elif isinstance(payload, TransferReceived):
                self._received(conn, transfer, rules.units_by_sku(payload.lines), source, now)
        if step.cancel_too_late:
            transfer_store.add_history(conn, transfer["id"], "cancel_too_late", step.status, source, now,
                                       note=step.note, reason=transfer["cancel_reason"])
        kind = envelope.type.removeprefix("transfer.") + ("" if step.applies else "_recorded_only")
        transfer_store.add_history(conn, transfer["id"], kind, step.status, source, now, event_id=envelope.id,
                                   **detail)

    def _shipped(self, conn: sqlite3.Connection, transfer: sqlite3.Row, payload: TransferShipped,
                 now: datetime) -> None:
        """The shipped units are in transit: inbound supply at the receiver, and the receiving store is told."""
        units = rules.units_by_sku(payload.lines)
        transfer_store.set_line_units(conn, transfer["id"], "shipped", units)
        due = rules.expected_at(from_text(transfer["expected_at"]) if transfer["expected_at"] else None, now,
                                self._policy().transfer_transit_s)
        transfer_store.update(conn, transfer["id"], now, shipped_at=to_text(now), carrier=payload.carrier,
                              tracking_number=payload.tracking_number)
        in_transit = {sku: qty for sku, qty in units.items() if qty > 0}
        if in_transit:
            supply_store.insert(conn, transfer["id"], transfer["to_node"], transfer["reference"], due, in_transit,
                                now, kind="transfer")
        receiver = get_node(conn, transfer["to_node"])
        if receiver is not None and receiver["type"] == "store":
            sender = get_node(conn, transfer["from_node"])
            commands.enqueue(conn, receiver["id"], "transfer.inbound", {
                "transfer_id": transfer["id"], "from_node": transfer["from_node"],
                "from_name": sender["name"] if sender is not None else transfer["from_node"],
                "lines": [{"sku": sku, "qty": qty} for sku, qty in sorted(in_transit.items())],
                "carrier": payload.carrier, "tracking_number": payload.tracking_number,
                "expected_at": to_text(due)}, now)
            self._wake()

    def _received(self, conn: sqlite3.Connection, transfer: sqlite3.Row, units: dict[str, int], source: str,
                  now: datetime) -> None:
        """Units counted in at the receiver: they serve the backorders that claimed them, oldest first (as a purchase
        order's receipt does); claims on units that did not come are released; a difference opens the discrepancy."""
        transfer_id = transfer["id"]
        transfer_store.set_line_units(conn, transfer_id, "received", units)
        transfer_store.update(conn, transfer_id, now, status=TransferStatus.RECEIVED, received_at=to_text(now))
        supply = supply_store.get(conn, transfer_id)
        if supply is not None and supply["status"] == "open":
            lines = supply_store.lines_of(conn, transfer_id)
            for line in lines:
                arrived = units.get(line["sku"], 0)
                due = max(0, line["qty"] - line["received"])
                supply_store.receive(conn, transfer_id, line["sku"], arrived)
                if min(arrived, due):
                    self._waiting.serve_supply(conn, transfer_id, transfer["to_node"], line["sku"], min(arrived, due),
                                               now, source)
            supply_store.set_status(conn, transfer_id, "received", now)
            self._supply.release_claims(conn, transfer_id, [line["sku"] for line in lines],
                                        f"transfer {transfer_id} arrived short", source, now)
        shipped = {r["sku"]: r["shipped"] for r in transfer_store.lines_of(conn, transfer_id)}
        if rules.discrepancy(shipped, units):
            transfer_store.update(conn, transfer_id, now, discrepancy="open")
        self._wake()

    @staticmethod
    def _row(conn: sqlite3.Connection, transfer_id: str) -> sqlite3.Row:
        row = transfer_store.get(conn, transfer_id)
        if row is None:
            raise NotFound(f"No transfer {transfer_id}.")
        return row

    def _existing(self, conn: sqlite3.Connection, transfer_id: str) -> dict:
        self._row(conn, transfer_id)
        return transfer_store.view(conn, transfer_id)
