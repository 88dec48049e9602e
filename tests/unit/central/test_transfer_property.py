"""Transfers over random sequences of head office's requests and cancels and the stores' events (acceptance,
shipment in full or short, rejection, a cancel honoured or come too late, a receipt short or over, an event applied
again); central's own services in-process on a real SQLite file, the stores played by a small model that follows
the contract (docs/transfers.md).

Invariants, after every step:
- a moving unit is counted once: per SKU, the sender's `pending` is exactly the units of the transfers it has not
  answered, and pending + the sender's reserved is exactly the units of transfers not shipped, rejected or cancelled
  at the store; units in transit (inbound of kind `transfer`) are exactly those shipped and not received;
- the discrepancy of a received transfer is shipped − received for every SKU that differs, open when any does;
- a cancel never undoes a shipment: a transfer the store shipped stays shipped (or received) at central;
- applying an event again changes nothing.
"""

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from central.bootstrap import CentralService
from central.settings import CentralSettings
from central.store import projection
from central.store.supply import inbound_view
from shared.contract.errors import InvalidTransition
from shared.contract.events import EventEnvelope, parse_event
from shared.contract.models import Product
from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7
from tests.unit.central.atp_reference import node_stocks

START = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
SKUS = ("TEE", "HAT")
SENDER, RECEIVER = "S001", "S002"
SHELF = 40
EXAMPLES = int(os.environ.get("OMNISTORE_TRANSFER_PROPERTY_EXAMPLES", "25"))  # more: set it (e.g. 500)

quantities = st.dictionaries(st.sampled_from(range(len(SKUS))), st.integers(1, 4), min_size=1, max_size=2)
pick = st.integers(0, 7)
steps = st.lists(st.one_of(
    st.tuples(st.just("create"), quantities),
    st.tuples(st.just("create"), quantities),
    st.tuples(st.just("accept"), pick),
    st.tuples(st.just("cancel"), pick),
    st.tuples(st.just("honour_cancel"), pick),
    st.tuples(st.just("ship"), pick, st.integers(0, 2)),      # units left behind per SKU (a short shipment)
    st.tuples(st.just("reject"), pick),
    st.tuples(st.just("receive"), pick, st.integers(-2, 1)),  # units fewer (or more) than shipped per SKU
    st.tuples(st.just("replay"), st.integers(0, 40)),
), min_size=8, max_size=24)


@dataclass
class Moving:
    """One transfer as the stores know it."""

    id: str
    asked: dict[str, int]
    state: str = "unseen"  # unseen | reserved | shipped | received | rejected | cancelled
    cancel_asked: bool = False
    shipped: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)


class Stores:
    """The sending and receiving stores: their levels, and their events applied as ingest applies them."""

    def __init__(self, central: CentralService, skus: list[str]):
        self.central, self.skus = central, skus
        self.on_hand = {SENDER: dict.fromkeys(skus, SHELF), RECEIVER: dict.fromkeys(skus, 0)}
        self.reserved = dict.fromkeys(skus, 0)
        self.seq = {SENDER: 0, RECEIVER: 0}
        self.applied: list[tuple[str, EventEnvelope]] = []
        self.now = START
        for sku in skus:
            central.catalog.save_product(Product(sku=sku, name=sku, price=500, currency="EUR"), START)
            self.emit(SENDER, "stock.counted", {"sku": sku, "counted": SHELF, "reason": "count"}, [sku])
        self.applied.clear()

    def emit(self, store_id: str, type_: str, payload: dict, touched) -> None:
        self.seq[store_id] += 1
        stock = [{"sku": sku, "on_hand": self.on_hand[store_id][sku],
                  "reserved": self.reserved[sku] if store_id == SENDER else 0, "damaged": 0} for sku in touched]
        envelope = EventEnvelope(id=uuid7(), type=type_, store_id=store_id, epoch="e1", seq=self.seq[store_id],
                                 occurred_at=self.now, actor="system", payload={**payload, "stock": stock})
        self.apply(store_id, envelope, levels=True)
        self.applied.append((store_id, envelope))

    def apply(self, store_id: str, envelope: EventEnvelope, levels: bool) -> None:
        _, payload = parse_event(envelope.to_bytes())
        with self.central.db.write() as conn:
            if levels:
                projection.write_levels(conn, store_id, payload.stock, to_text(self.now), envelope.seq)
            self.central.transfers.apply(conn, store_id, envelope, payload, self.now)


def service(root: Path) -> CentralService:
    central = CentralService(CentralSettings(db_path=root / "central.db", admin_token="property-test-admin-01"),
                             with_nats=False)
    for store_id in (SENDER, RECEIVER):
        central.nodes.register_store(store_id, {"name": store_id, "address": "High St", "lat": 51.5, "lon": -0.1,
                                                "capabilities": ["pickup"], "ship_capacity_per_day": None}, START)
    return central


def lines(units: dict[str, int]) -> list[dict]:
    return [{"sku": sku, "qty": qty} for sku, qty in sorted(units.items())]


def run(step, stores: Stores, moving: list[Moving]) -> None:
    central, kind = stores.central, step[0]
    if kind == "create":
        asked = {stores.skus[i]: qty for i, qty in step[1].items()}
        _, view = central.transfers.create({"from_node": SENDER, "to_node": RECEIVER, "lines": lines(asked)},
                                           None, stores.now)
        moving.append(Moving(view["id"], asked))
        return
    if kind == "replay":
        if stores.applied:
            store_id, envelope = stores.applied[step[1] % len(stores.applied)]
            before = snapshot(central, stores.skus, moving)
            stores.apply(store_id, envelope, levels=False)
            assert snapshot(central, stores.skus, moving) == before, "an event applied again changed something"
            event("an event applied again")
        return
    eligible = [t for t in moving if ELIGIBLE[kind](t)]
    if not eligible:
        return
    t = eligible[step[1] % len(eligible)]
    if kind == "accept":
        accept(stores, t)
    elif kind == "cancel":
        try:
            central.transfers.cancel(t.id, None, stores.now)
        except InvalidTransition:
            assert t.state in ("shipped", "received", "rejected"), t
            event("a cancel refused")
            return
        if t.state in ("unseen", "reserved"):
            t.cancel_asked = True
    elif kind == "honour_cancel":
        if t.state == "unseen":  # commands come in order: the send first
            accept(stores, t)
        release(stores, t, "transfer.cancelled", "cancelled")
    elif kind == "reject":
        release(stores, t, "transfer.rejected", "rejected", reason="not_found")
    elif kind == "ship":
        t.shipped = {sku: max(0, qty - step[2]) for sku, qty in t.asked.items()}
        for sku, qty in t.asked.items():  # what was not shipped was not on the shelf: it leaves on-hand too
            stores.on_hand[SENDER][sku] -= qty
            stores.reserved[sku] -= qty
        t.state = "shipped"
        stores.emit(SENDER, "transfer.shipped", {"transfer_id": t.id, "to_node": RECEIVER,
                                                 "lines": lines({s: q for s, q in t.shipped.items() if q})},
                    t.asked)
        event("a cancel came too late" if t.cancel_asked else "shipped")
    elif kind == "receive":
        t.received = {sku: max(0, qty + step[2]) for sku, qty in t.shipped.items()}
        for sku, qty in t.received.items():
            stores.on_hand[RECEIVER][sku] += qty
        t.state = "received"
        stores.emit(RECEIVER, "transfer.received", {"transfer_id": t.id, "from_node": SENDER,
                                                    "lines": lines({s: q for s, q in t.received.items() if q})},
                    t.received)


# Which transfers each step can act on (the store follows the contract: it ships only what it reserved, ...).
ELIGIBLE = {
    "accept": lambda t: t.state == "unseen",
    "cancel": lambda t: True,
    "honour_cancel": lambda t: t.cancel_asked and t.state in ("unseen", "reserved"),
    "reject": lambda t: t.state == "reserved",
    "ship": lambda t: t.state == "reserved",
    "receive": lambda t: t.state == "shipped",
}


def accept(stores: Stores, t: Moving) -> None:
    for sku, qty in t.asked.items():
        stores.reserved[sku] += qty
    t.state = "reserved"
    stores.emit(SENDER, "transfer.accepted", {"transfer_id": t.id, "lines": lines(t.asked)}, t.asked)


def release(stores: Stores, t: Moving, type_: str, state: str, **extra) -> None:
    for sku, qty in t.asked.items():
        stores.reserved[sku] -= qty
    t.state = state
    stores.emit(SENDER, type_, {"transfer_id": t.id, "lines": lines(t.asked), **extra}, t.asked)


def snapshot(central: CentralService, skus: list[str], moving: list[Moving]) -> tuple:
    with central.db.read() as conn:
        return ([central.transfers.view(t.id) for t in moving],
                [(s.node_id, s.on_hand, s.reserved, s.pending) for sku in skus
                 for s in node_stocks(conn, sku, START, central.settings)],
                [inbound_view(conn, sku) for sku in skus])


EXPECTED_STATUS = {"unseen": {"requested", "cancel_requested"}, "reserved": {"accepted", "cancel_requested"},
                   "shipped": {"shipped"}, "received": {"received"}, "rejected": {"rejected"},
                   "cancelled": {"cancelled"}}


def check(central: CentralService, skus: list[str], moving: list[Moving]) -> None:
    with central.db.read() as conn:
        for sku in skus:
            sender = {s.node_id: s for s in node_stocks(conn, sku, START, central.settings)}[SENDER]
            unanswered = sum(t.asked.get(sku, 0) for t in moving if t.state == "unseen")
            not_shipped = sum(t.asked.get(sku, 0) for t in moving if t.state in ("unseen", "reserved"))
            assert sender.pending == unanswered, sku
            assert sender.pending + sender.reserved == not_shipped, sku
            in_transit = sum(line["qty"] for line in inbound_view(conn, sku)["lines"] if line["kind"] == "transfer")
            assert in_transit == sum(t.shipped.get(sku, 0) for t in moving if t.state == "shipped"), sku
    for t in moving:
        view = central.transfers.view(t.id)
        assert view["status"] in EXPECTED_STATUS[t.state], (t, view["status"])
        assert view["in_transit"] == (sum(t.shipped.values()) if t.state == "shipped" else 0), t
        if t.state == "received":
            differ = [{"sku": sku, "shipped": t.shipped.get(sku, 0), "received": t.received.get(sku, 0),
                       "missing": t.shipped.get(sku, 0) - t.received.get(sku, 0)}
                      for sku in sorted(t.shipped) if t.shipped.get(sku, 0) != t.received.get(sku, 0)]
            assert (view["discrepancy"] or {}).get("lines", []) == differ, (t, view["discrepancy"])
            assert (view["discrepancy"] is not None) == bool(differ)
            if differ:
                event("a discrepancy opened")


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    """One database for every example (making one takes longer than an example): each example has SKUs of its own,
    so the figures of one never mix with another's."""
    central = service(tmp_path_factory.mktemp("transfers"))
    yield central
    central.db.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps)
@example(plan=[("create", {0: 4}), ("accept", 0), ("cancel", 0), ("ship", 0, 1), ("receive", 0, -1), ("replay", 0),
               ("replay", 2), ("cancel", 0), ("create", {0: 2, 1: 1}), ("cancel", 1), ("honour_cancel", 0),
               ("replay", 3), ("create", {1: 3}), ("accept", 0), ("reject", 0), ("replay", 6)])
def test_moving_units_are_counted_once_and_the_discrepancy_is_what_did_not_arrive(central, plan):
    stores, moving = Stores(central, [f"{sku}-{uuid7()[-12:]}" for sku in SKUS]), []
    for i, step in enumerate(plan):
        stores.now = START + timedelta(minutes=i + 1)
        run(step, stores, moving)
        check(central, stores.skus, moving)
