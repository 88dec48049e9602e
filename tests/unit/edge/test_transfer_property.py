"""Transfers keep the store's books right whatever comes in whatever order (hypothesis): central's send, inbound and
cancel commands in any order and repeated, shipments full or short (confirmed or not), receipts short or over,
rejections, and walk-in sales and deliveries taking and bringing stock meanwhile. After every operation:

- the ledger sums equal the levels, every ledger row points at an event in the outbox, and the latest event naming
  a SKU reports its levels;
- `reserved` is exactly what the open transfers hold, and each transfer's reservation is released exactly once
  (its ledger rows' reserved deltas sum to what it still holds);
- a transfer sends each of its events at most once, and a closed one holds nothing;
- a repeated command or a retried request (same Idempotency-Key) changes nothing at all.
"""

import json
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.domain.sales import TenderIn
from edge.services.access import Associate, Sessions
from edge.services.commands import CommandInbox
from edge.services.fulfilment import Fulfilments
from edge.services.sales import SaleIn, SaleLineIn, SalesService
from edge.services.stock import StockService
from edge.services.transfers import Transfers
from edge.store import transfers as transfer_rows
from edge.store.schema import open_database
from shared.contract.errors import DomainError
from shared.contract.models import Role
from shared.runtime.ids import uuid7
from tests.unit.edge.conftest import add_products

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
MANAGER = Associate("M1", "Max", Role.MANAGER)
SKUS = ["MUG-01", "TEE-RED-M"]
OUT, IN = ["TR-O1", "TR-O2"], ["TR-I1", "TR-I2"]

lines = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 4)), min_size=1, max_size=2)
operation = st.one_of(
    st.tuples(st.just("send"), st.sampled_from(OUT), lines),
    st.tuples(st.just("inbound"), st.sampled_from(IN), lines),
    st.tuples(st.just("cancel"), st.sampled_from(OUT + ["TR-O9"])),
    st.tuples(st.just("ship"), st.sampled_from(OUT), st.sampled_from(["full", "short", "one_over"]), st.booleans()),
    st.tuples(st.just("reject"), st.sampled_from(OUT), st.sampled_from(["not_found", "damaged", "other"])),
    st.tuples(st.just("receive"), st.sampled_from(IN), st.integers(-2, 2), st.booleans()),
    st.tuples(st.just("sell"), st.sampled_from(SKUS), st.integers(1, 4)),
    st.tuples(st.just("deliver"), st.sampled_from(SKUS), st.integers(1, 4)),
    st.tuples(st.just("repeat")),
)


@cache
def migrated_database() -> Path:
    """A store database with its catalog, made once and copied for each example (migrating is the slow part)."""
    path = Path(tempfile.mkdtemp(prefix="transfer-property-")) / "template.db"
    db = open_database(path)
    add_products(db)
    db.close()
    return path


class Store:
    def __init__(self, path: Path):
        shutil.copyfile(migrated_database(), path)
        self.db = open_database(path)
        self.transfers = Transfers(self.db, "S001")
        self.inbox = CommandInbox(self.db, Fulfilments(self.db), transfers=self.transfers)
        self.stock = StockService(self.db)
        self.sales = SalesService(self.db, Sessions(self.db, timedelta(minutes=30)), store_id="S001", currency="EUR",
                                  online=lambda: False)
        self.cmd_seq = 0
        self.last: tuple | None = None  # the last command or keyed request, to send again

    def run(self, op: tuple) -> None:
        kind, *args = op
        if kind == "repeat":
            if self.last is not None:
                before = self.books()
                try:
                    self.last[0](*self.last[1:])
                except DomainError:
                    pass
                assert self.books() == before, f"repeating {self.last[0].__name__} changed the books"
            return
        getattr(self, f"_{kind}")(*args)

    # ---- central's commands, through the inbox as the command follower hands them over -----------------------------

    def command(self, type_: str, payload: dict) -> None:
        self.cmd_seq += 1
        with self.db.write() as conn:
            conn.execute("INSERT INTO commands (id, cmd_seq, type, payload, received_at) VALUES (?, ?, ?, ?, ?)",
                         (uuid7(), self.cmd_seq, type_, json.dumps(payload), NOW.isoformat()))
        self.inbox.apply_pending(NOW)
        with self.db.read() as conn:
            outcome = conn.execute("SELECT outcome FROM commands WHERE cmd_seq = ?", (self.cmd_seq,)).fetchone()[0]
        assert not outcome.startswith("failed"), outcome
        self.last = (self.command, type_, payload)

    def _send(self, tid, units):
        self.command("transfer.send", {"transfer_id": tid, "to_node": "S002", "to_name": "Harbour",
                                       "lines": [{"sku": s, "qty": q} for s, q in units]})

    def _inbound(self, tid, units):
        self.command("transfer.inbound", {"transfer_id": tid, "from_node": "S003", "from_name": "Old Town",
                                          "lines": [{"sku": s, "qty": q} for s, q in units]})

    def _cancel(self, tid):
        self.command("transfer.cancel", {"transfer_id": tid, "reason": "plan changed"})

    # ---- the counter's requests, each under its own Idempotency-Key -------------------------------------------------

    def transfer(self, tid) -> dict | None:
        with self.db.read() as conn:
            return transfer_rows.read(conn, tid)

    def keyed(self, call, *args, **kwargs) -> None:
        key = uuid7()
        self.last = (lambda: call(*args, key=key, **kwargs),)
        call(*args, key=key, **kwargs)

    def _ship(self, tid, mode, confirmed):
        transfer = self.transfer(tid)
        if transfer is None:
            return
        counts = [(line["sku"], line["qty"]) for line in transfer["lines"]]
        if mode == "short" and counts:
            counts[0] = (counts[0][0], counts[0][1] - 1)
        elif mode == "one_over" and counts:
            counts[-1] = (counts[-1][0], counts[-1][1] + 1)
        self.keyed(self.transfers.ship, tid, counts, carrier=None, tracking_number=None, confirmed_short=confirmed,
                   actor="A1", now=NOW)

    def _reject(self, tid, reason):
        self.keyed(self.transfers.reject, tid, reason, actor="A1", now=NOW)

    def _receive(self, tid, delta, confirmed):
        transfer = self.transfer(tid)
        if transfer is None:
            return
        counts = [(line["sku"], max(0, line["qty"] + (delta if n == 0 else 0)))
                  for n, line in enumerate(transfer["lines"])]
        self.keyed(self.transfers.receive, tid, counts, confirmed_difference=confirmed, actor="A1", now=NOW)

    def _sell(self, sku, qty):
        sale = SaleIn([SaleLineIn(sku, qty)], [TenderIn("cash", 100_000)], None, {})
        self.keyed(lambda key: self.sales.record(sale, MANAGER, key, NOW))

    def _deliver(self, sku, qty):
        self.keyed(lambda key: self.stock.receive(sku=sku, qty=qty, reference="DN", actor="A1", idempotency_key=key))

    # ---- the books -------------------------------------------------------------------------------------------------

    def books(self) -> tuple:
        with self.db.read() as conn:
            return (conn.execute("SELECT * FROM stock ORDER BY sku").fetchall(),
                    conn.execute("SELECT COUNT(*) FROM stock_ledger").fetchone()[0],
                    conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0],
                    conn.execute("SELECT * FROM transfer_lines ORDER BY transfer_id, sku").fetchall(),
                    conn.execute("SELECT transfer_id, status FROM transfers ORDER BY transfer_id").fetchall())

    def check(self) -> None:
        with self.db.read() as conn:
            levels = {r["sku"]: (r["on_hand"], r["reserved"], r["damaged"]) for r in conn.execute("SELECT * FROM stock")}
            sums = {r["sku"]: (r["o"], r["r"], r["d"]) for r in conn.execute(
                "SELECT sku, SUM(on_hand_delta) o, SUM(reserved_delta) r, SUM(damaged_delta) d FROM stock_ledger "
                "GROUP BY sku")}
            events = {r["id"]: (r["type"], json.loads(r["payload"])) for r in
                      conn.execute("SELECT id, type, payload FROM outbox ORDER BY seq")}
            orphans = conn.execute("SELECT COUNT(*) FROM stock_ledger WHERE event_id NOT IN "
                                   "(SELECT id FROM outbox)").fetchone()[0]
            held = transfer_rows.held_units(conn)
            per_transfer = {r["transfer_id"]: (r["status"], r["held"], r["reserved_moved"]) for r in conn.execute(
                "SELECT t.transfer_id, t.status, (SELECT COALESCE(SUM(held), 0) FROM transfer_lines l "
                "WHERE l.transfer_id = t.transfer_id) held, (SELECT COALESCE(SUM(reserved_delta), 0) "
                "FROM stock_ledger g WHERE g.reference = t.transfer_id) reserved_moved FROM transfers t")}
        assert orphans == 0, "a stock change without its event"
        assert {s: v for s, v in sums.items() if v != (0, 0, 0)} == {s: v for s, v in levels.items() if v != (0, 0, 0)}
        reported = {}
        for _, payload in events.values():
            for level in payload.get("stock", []) + payload.get("levels", []):
                reported[level["sku"]] = (level["on_hand"], level["reserved"], level["damaged"])
        assert {s: v for s, v in reported.items() if s in levels} == levels
        for sku, (_, reserved, damaged) in levels.items():
            assert reserved == held.get(sku, 0) and damaged >= 0, f"{sku}: reserved {reserved}, held {held}"
        for tid, (status, still_held, reserved_moved) in per_transfer.items():
            assert reserved_moved == still_held, f"{tid} ({status}): reserved moved {reserved_moved}, holds {still_held}"
            assert still_held == 0 or status == "reserved"
        by_transfer: dict[str, list[str]] = {}
        for type_, payload in events.values():
            if type_.startswith("transfer."):
                by_transfer.setdefault(payload["transfer_id"], []).append(type_)
        for tid, types in by_transfer.items():
            assert len(types) == len(set(types)) and len(set(types) - {"transfer.accepted"}) <= 1, (tid, types)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=4, max_size=18))
def test_any_sequence_of_transfer_commands_and_steps_keeps_the_books_right(operations):
    with tempfile.TemporaryDirectory() as directory:
        store = Store(Path(directory) / "edge.db")
        try:
            for op in operations:
                before = store.books()
                try:
                    store.run(op)
                except DomainError:
                    assert store.books() == before, f"{op} was refused but changed the books"
                store.check()
        finally:
            store.db.close()
