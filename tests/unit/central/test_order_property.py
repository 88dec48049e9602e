"""Orders over random sequences of what happens to them: placed, assigned, accepted, rejected, short-picked,
shipped, collected, cancelled (whole or a line), moved; with the link between central and the stores down for
any stretch (commands and events wait, then arrive in order).

Central runs in-process (its order services and ingest's fulfilment hook on a real SQLite file); each store is
played by the store's own pure rules (edge.domain). Invariants:
- no unit is promised twice: an order line's live allocations plus what was given up never exceed what was
  ordered; once the network is quiet, no store holds more live allocations of a SKU than its books have on hand,
  and what it reserves is what its fulfilments hold;
- every order ends in exactly one final state (completed or cancelled) and never leaves it;
- what was charged minus the refunds due equals the value of what was shipped or collected.
"""

import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.domain.orders import CLOSED_ORDERS, DONE, LIVE_ALLOCATIONS
from central.domain.policy import RoutingPolicy
from central.services.catalog import Catalog
from central.services.fulfilment import FulfilmentTracker
from central.services.order_changes import OrderChanges
from central.services.orders import Orders
from central.services.waiting_orders import WaitingOrders
from central.settings import CentralSettings
from central.store import commands as command_store
from central.store import projection
from central.store.nodes import save_node
from central.store.schema import open_database
from edge.domain import fulfilment as rules
from edge.domain import shortfalls
from edge.domain.stock import Levels
from shared.contract.errors import DomainError
from shared.contract.events import EVENT_PAYLOADS, EventEnvelope
from shared.contract.models import FulfilmentStatus as S
from shared.contract.models import FulfilmentType, Product, StockLevel
from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7

STORES = {"S001": (53.55, 9.99), "S002": (53.56, 10.02), "S003": (53.60, 9.95)}
PRICES = {"TEE": 1999, "MUG": 850}
START = datetime(2026, 5, 4, 9, 0, tzinfo=timezone.utc)
EXAMPLES = int(os.environ.get("OMNISTORE_ORDER_PROPERTY_EXAMPLES", "12"))  # more: set it (e.g. 500)


@dataclass
class StoreSim:
    """One store as its agent would act, with the agent's own rules: levels, fulfilments, commands in order."""

    id: str
    levels: dict[str, Levels]
    fulfilments: dict[str, dict] = field(default_factory=dict)
    early_cancels: set[str] = field(default_factory=set)
    events: list[tuple[str, dict]] = field(default_factory=list)  # written, not yet at central
    cmd_seq: int = 0
    seq: int = 0

    def command(self, type_: str, payload: dict) -> None:
        aid = payload.get("allocation_id")
        if type_ == "fulfilment.assign":
            self.fulfilments[aid] = {"order_id": payload["order_id"], "type": FulfilmentType(payload["type"]),
                                     "status": S.ASSIGNED, "held": {},
                                     "wanted": rules.totals([(ln["sku"], ln["qty"]) for ln in payload["lines"]])}
            if aid in self.early_cancels:
                self.step(aid, S.CANCELLED, reason="cancelled before it arrived")
        elif type_ == "fulfilment.cancel":
            if aid not in self.fulfilments:
                self.early_cancels.add(aid)
            elif self.fulfilments[aid]["status"] not in rules.FINAL:
                self.step(aid, S.CANCELLED, reason=payload["reason"])

    def step(self, aid: str, target: S, reason: str | None = None, picked: dict[str, int] | None = None) -> None:
        """The agent's `_move`, from its pure rules; the event waits in the outbox."""
        f = self.fulfilments[aid]
        try:
            if not rules.transition(f["type"], f["status"], target):
                return
        except rules.TransitionRefused:
            return
        step, wanted, held = rules.STEPS[target], f["wanted"], f["held"]
        if target == S.ACCEPTED and not rules.stock_is_there(self.levels, wanted):
            return self.step(aid, S.REJECTED, reason="not_found")
        short = rules.shortages(wanted, picked) if target == S.PICKED and picked is not None else {}
        if target == S.PICKED and picked is not None and not any(picked.values()):
            return self.step(aid, S.REJECTED, reason="not_found")
        reason = reason if reason is not None else step.default_reason
        shortfall = shortfalls.NOTHING
        if target == S.REJECTED:
            shortfall = shortfalls.of_rejection(reason, held, wanted)
        elif target == S.PICKED:
            shortfall = shortfalls.of_short_pick(short)
        plan = rules.stock_plan(step.stock, wanted=wanted, held=held, short=short, then=shortfall.rules)
        changes = rules.apply_plan(self.levels, plan)
        for sku, change in changes.items():
            self.levels[sku] = change.levels
        after = rules.held_after(step.stock, wanted=wanted, held=held, short=short)
        f["status"] = target
        if after is not None:
            f["held"] = after
        stock = [StockLevel(sku=s, on_hand=c.levels.on_hand, reserved=c.levels.reserved, damaged=c.levels.damaged)
                 .model_dump() for s, c in changes.items()]
        lines = [{"sku": s, "qty": q} for s, q in (f["held"] if target == S.PICKED else wanted).items()]
        self.events.append((step.event_type, {
            "allocation_id": aid, "order_id": f["order_id"], "lines": lines, "reason": reason,
            "shortages": [{"sku": s, "qty": q} for s, q in short.items()], "stock": stock,
            "parcels": [{"weight_g": 500}], "carrier": "DHL", "tracking_number": "T1"}))

    def advance(self, aid: str) -> None:
        """The next step that brings the fulfilment to the customer."""
        f = self.fulfilments[aid]
        nxt = {S.ASSIGNED: S.ACCEPTED, S.ACCEPTED: S.PICKED}.get(f["status"])
        if nxt is None and f["status"] == S.PICKED:
            nxt = S.READY if f["type"] == FulfilmentType.PICKUP else S.PACKED
        if nxt is None:
            nxt = {S.READY: S.COLLECTED, S.PACKED: S.SHIPPED}.get(f["status"])
        if nxt is not None:
            self.step(aid, nxt)


class Network:
    def __init__(self, root: Path, reroute_pickup_shortages: bool):
        self.now = START
        self.db = open_database(root / "central.db")
        self.policy = RoutingPolicy(auto_accept=False, move_after_offline_s=10,
                                    reroute_shortages={"ship": True, "pickup": reroute_pickup_shortages})
        central = CentralSettings(db_path=root / "central.db", admin_token="property-test-token-1")
        self.orders = Orders(self.db, central, lambda: self.policy, lambda: None)
        self.changes = OrderChanges(self.db, self.orders, lambda: None)
        self.tracker = FulfilmentTracker(self.db, self.orders, lambda: None, self.changes)
        self.waiting = WaitingOrders(self.db, self.orders, lambda: None)
        self.stores = {s: StoreSim(s, {sku: Levels() for sku in PRICES}) for s in STORES}
        self.silent: set[str] = set()
        self.order_ids: list[str] = []
        self.epoch = {s: uuid7() for s in STORES}
        catalog = Catalog(self.db, central, published=lambda: None, now=START)  # also central's signing key
        for sku, price in PRICES.items():
            catalog.save_product(Product(sku=sku, name=sku, price=price, currency="EUR", tax_rate_bp=1900), START)
        with self.db.write() as conn:
            for store_id, (lat, lon) in STORES.items():
                save_node(conn, store_id, "store", {"name": store_id, "address": "x", "lat": lat, "lon": lon,
                                                    "capabilities": ["pickup", "ship_from_store"]}, START)

    def receive(self, store_id: str, sku: str, qty: int) -> None:
        store = self.stores[store_id]
        before = store.levels[sku]
        store.levels[sku] = Levels(before.on_hand + qty, before.reserved, before.damaged)
        level = store.levels[sku]
        store.events.append(("stock.received", {"sku": sku, "qty": qty, "reference": "PO", "stock": [
            {"sku": sku, "on_hand": level.on_hand, "reserved": level.reserved, "damaged": level.damaged}]}))

    def tick(self) -> None:
        self.now += timedelta(seconds=5)
        with self.db.write() as conn:
            for store_id, store in self.stores.items():
                if store_id in self.silent:
                    continue
                conn.execute("INSERT INTO store_sync (store_id, epoch, applied_seq, last_heartbeat_at, hb_epoch, "
                             "hb_last_seq) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (store_id) DO UPDATE SET "
                             "last_heartbeat_at=excluded.last_heartbeat_at, hb_last_seq=excluded.hb_last_seq, "
                             "epoch=excluded.epoch, hb_epoch=excluded.hb_epoch", (
                                 store_id, self.epoch[store_id], store.seq, to_text(self.now), self.epoch[store_id],
                                 store.seq + len(store.events)))

    def sync(self, store_id: str) -> None:
        """The link to one store works for a moment: its events reach central, then central's commands it."""
        store = self.stores[store_id]
        with self.db.write() as conn:
            for type_, payload in store.events:
                store.seq += 1
                model = EVENT_PAYLOADS[type_].model_validate(payload)
                envelope = EventEnvelope(id=uuid7(), type=type_, store_id=store_id, epoch=self.epoch[store_id],
                                         seq=store.seq, occurred_at=self.now, actor="A1", payload=payload)
                projection.write_levels(conn, store_id, model.stock, to_text(self.now), store.seq)
                self.tracker.apply(conn, store_id, envelope, model, self.now)
            conn.execute("UPDATE store_sync SET applied_seq=? WHERE store_id=?", (store.seq, store_id))
            store.events.clear()
            pending = [c for c in command_store.unpublished(conn, 10_000) if c.store_id == store_id]
        for command in pending:
            if command.cmd_seq > store.cmd_seq:
                store.cmd_seq = command.cmd_seq
                store.command(command.type, command.payload)
        self.waiting.retry(self.now)

    def sync_all(self) -> None:
        for _ in range(6):  # commands make events that make commands: a few rounds reach quiet
            for store_id in self.stores:
                self.sync(store_id)

    def query(self, sql: str, *params) -> list:
        with self.db.read() as conn:
            return conn.execute(sql, params).fetchall()


class Op:
    """One thing that happens; `order` and `store` pick among what exists (modulo)."""

    def __init__(self, kind: str, order: int = 0, store: int = 0, sku: str = "TEE", qty: int = 1, extra: int = 0):
        self.kind, self.order, self.store, self.sku, self.qty, self.extra = kind, order, store, sku, qty, extra

    def __repr__(self) -> str:
        return f"Op({self.kind!r}, order={self.order}, store={self.store}, sku={self.sku!r}, qty={self.qty}, " \
               f"extra={self.extra})"


ops = st.builds(Op, st.sampled_from(["place", "place", "receive", "accept", "accept", "reject", "pick", "pick",
                                     "finish", "finish", "cancel", "cancel_line", "move", "sync", "sync", "sync",
                                     "sync_all", "sync_all", "silence", "wake"]),
                st.integers(0, 9), st.integers(0, 2), st.sampled_from(list(PRICES)), st.integers(1, 4),
                st.integers(0, 5))


def store_fulfilments(net: Network, op: Op) -> tuple[StoreSim, str] | None:
    """One of the fulfilments still open at any store."""
    open_ones = sorted((store_id, aid) for store_id, store in net.stores.items()
                       for aid, f in store.fulfilments.items() if f["status"] not in rules.FINAL)
    if not open_ones:
        return None
    store_id, aid = open_ones[(op.order * 3 + op.store) % len(open_ones)]
    return net.stores[store_id], aid


def carry_out(net: Network, op: Op) -> None:
    store_id = sorted(STORES)[op.store]
    order_id = net.order_ids[op.order % len(net.order_ids)] if net.order_ids else None
    try:
        if op.kind == "place":
            lines = [{"sku": op.sku, "qty": op.qty}] + ([{"sku": "MUG", "qty": 1}] if op.extra > 3 and
                                                         op.sku != "MUG" else [])
            delivery = ({"type": "pickup", "store_id": store_id} if op.extra % 2 else
                        {"type": "ship", "address": {"name": "Kim", "line1": "Eppendorfer Weg 1", "city": "Hamburg",
                                                     "postal_code": "20259", "country": "DE", "lat": 53.57,
                                                     "lon": 9.98}})
            _, view = net.orders.place({"channel": "web", "customer": {"name": "Kim"}, "lines": lines,
                                        "delivery": delivery}, None, net.now)
            net.order_ids.append(view["id"])
        elif op.kind == "receive":
            net.receive(store_id, op.sku, op.qty + op.extra)
        elif op.kind in ("accept", "reject", "pick", "finish") and (found := store_fulfilments(net, op)):
            store, aid = found
            if op.kind == "accept":
                store.step(aid, S.ACCEPTED)
            elif op.kind == "reject":
                store.step(aid, S.REJECTED, reason=["not_found", "damaged", "no_capacity", "other"][op.extra % 4])
            elif op.kind == "pick":
                store.step(aid, S.ACCEPTED)  # an associate accepts and picks at once
                wanted = store.fulfilments[aid]["wanted"]
                store.step(aid, S.PICKED, picked={s: max(0, q - op.extra % 3) for s, q in wanted.items()})
            else:
                store.advance(aid)
        elif op.kind == "cancel" and order_id:
            net.orders.cancel(order_id, "changed mind", net.now)
        elif op.kind == "cancel_line" and order_id:
            net.changes.cancel_line(order_id, op.sku, op.qty if op.extra % 2 else None, "too many", None, net.now)
        elif op.kind == "move" and (pickups := net.query("SELECT id FROM orders WHERE delivery_type='pickup' "
                                                          "ORDER BY id")):
            order_id = pickups[op.order % len(pickups)][0]
            net.changes.move(order_id, store_id, {"recorded_by": "HQ", "channel": "phone", "note": None}, None,
                             net.now)
        elif op.kind == "sync":
            net.sync(store_id)
        elif op.kind == "sync_all":
            net.sync_all()
        elif op.kind == "silence":
            net.silent.add(store_id)
        elif op.kind == "wake":
            net.silent.discard(store_id)
    except DomainError:
        pass  # a refusal in business words (409, 404 …) changes nothing
    net.tick()


def check_no_unit_promised_twice(net: Network) -> None:
    live = "', '".join(sorted(LIVE_ALLOCATIONS))
    rows = net.query("SELECT o.order_id, o.sku, o.qty, o.cancelled, COALESCE((SELECT SUM(l.qty) FROM "
                     "allocation_lines l JOIN allocations a ON a.id = l.allocation_id WHERE a.order_id = o.order_id "
                     f"AND l.sku = o.sku AND a.status IN ('{live}')), 0) FROM order_lines o")
    for order_id, sku, qty, cancelled, allocated in rows:
        assert 0 <= cancelled and allocated + cancelled <= qty, (order_id, sku, qty, cancelled, allocated)


def check_quiet_network(net: Network) -> None:
    not_done = "', '".join(sorted(LIVE_ALLOCATIONS - DONE))
    for store_id, store in net.stores.items():
        for sku, level in store.levels.items():
            held = sum(f["held"].get(sku, 0) for f in store.fulfilments.values() if f["status"] in rules.HOLDING)
            assert level.reserved == held <= level.on_hand, (store_id, sku, level, held)
            promised = net.query("SELECT COALESCE(SUM(l.qty), 0) FROM allocation_lines l JOIN allocations a ON "
                                 f"a.id = l.allocation_id WHERE l.node_id=? AND l.sku=? AND a.status IN ('{not_done}')",
                                 store_id, sku)[0][0]
            assert promised <= level.on_hand, (store_id, sku, promised, level)


ENDINGS = ["full", "full", "short", "short", "damaged", "not_found", "no_capacity"]


def bring_to_an_end(net: Network, endings: list[str]) -> None:
    """Every store does its work (each open fulfilment ends as `endings` says, in turn); once no store has
    anything left to do, head office cancels the units no node can fill; until every order is over."""
    net.silent.clear()
    turn = 0
    for _ in range(30):
        net.tick()
        net.sync_all()
        check_quiet_network(net)
        open_work = [(store, aid, f) for store in net.stores.values() for aid, f in store.fulfilments.items()
                     if f["status"] not in rules.FINAL]
        for store, aid, f in open_work:
            ending, turn = endings[turn % len(endings)], turn + 1
            if ending in ("damaged", "not_found", "no_capacity"):
                store.step(aid, S.REJECTED, reason=ending)
                continue
            if ending == "short" and f["status"] in (S.ASSIGNED, S.ACCEPTED):
                store.step(aid, S.ACCEPTED)
                store.step(aid, S.PICKED, picked={s: q - 1 for s, q in f["wanted"].items()})
            for _ in range(5):
                if f["status"] not in rules.FINAL:
                    store.advance(aid)
        if open_work:
            continue
        still_open = [o for o in net.order_ids if net.query("SELECT status FROM orders WHERE id=?", o)[0][0]
                      not in CLOSED_ORDERS]
        if not still_open:
            return
        for order_id in still_open:
            for sku, qty in net.query("SELECT sku, qty FROM order_lines WHERE order_id=?", order_id):
                try:
                    net.changes.cancel_line(order_id, sku, None, "no longer available", None, net.now)
                except DomainError:
                    pass


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=10, max_size=50), st.booleans(), st.permutations(ENDINGS))
def test_orders_end_once_with_money_and_stock_true(sequence, reroute_pickup_shortages, endings):
    with tempfile.TemporaryDirectory() as root:
        net = Network(Path(root), reroute_pickup_shortages)
        try:
            for store_id in STORES:
                net.receive(store_id, "TEE", 8)
                net.receive(store_id, "MUG", 5)
            net.tick()
            net.sync_all()
            for op in sequence:
                carry_out(net, op)
                check_no_unit_promised_twice(net)
            bring_to_an_end(net, endings)
            check_no_unit_promised_twice(net)
            check_quiet_network(net)
            for order_id in net.order_ids:
                [(status, total)] = net.query("SELECT status, total FROM orders WHERE id=?", order_id)
                assert status in CLOSED_ORDERS, (order_id, status)
                history = [r[0] for r in net.query("SELECT status FROM order_history WHERE order_id=? AND "
                                                   "kind='status' ORDER BY id", order_id)]
                first_final = next(i for i, s in enumerate(history) if s in CLOSED_ORDERS)
                assert set(history[first_final:]) == {status}, history  # reached once, never left
                refund_due = net.query("SELECT COALESCE(SUM(amount), 0) FROM order_refunds_due WHERE order_id=?",
                                       order_id)[0][0]
                done = "', '".join(sorted(DONE))
                delivered = net.query("SELECT COALESCE(SUM(l.qty * o.unit_price), 0) FROM allocation_lines l JOIN "
                                      "allocations a ON a.id = l.allocation_id JOIN order_lines o ON o.order_id = "
                                      f"a.order_id AND o.sku = l.sku WHERE a.order_id=? AND a.status IN ('{done}')",
                                      order_id)[0][0]
                assert total - refund_due == delivered, (order_id, status, total, refund_due, delivered)
        finally:
            net.db.close()
