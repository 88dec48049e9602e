"""Stock units of work on a real database: levels, ledger, outbox and idempotency change together."""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.domain.stock import AdjustReason
from edge.services.stock import StockService
from edge.store.schema import open_database, read_epoch
from shared.contract.errors import IdempotencyMismatch, InvalidInput, UnknownSku
from shared.contract.events import parse_event
from tests.unit.edge.conftest import CATALOG, add_products


def outbox_rows(db) -> list[dict]:
    with db.read() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM outbox ORDER BY seq")]


def table_levels(db) -> dict[str, tuple[int, int, int]]:
    with db.read() as conn:
        return {r["sku"]: (r["on_hand"], r["reserved"], r["damaged"]) for r in conn.execute("SELECT * FROM stock")}


class TestANewDatabase:
    def test_opens_a_new_epoch_with_an_empty_snapshot_as_seq_1(self, tmp_path):
        db = open_database(tmp_path / "new.db")
        rows = outbox_rows(db)
        assert [(r["seq"], r["type"]) for r in rows] == [(1, "stock.snapshot")]
        assert json.loads(rows[0]["payload"]) == {"chunk": 1, "chunks": 1, "levels": []}
        with db.read() as conn:
            assert read_epoch(conn) is not None

    def test_keeps_its_epoch_when_opened_again(self, tmp_path):
        db = open_database(tmp_path / "again.db")
        with db.read() as conn:
            epoch = read_epoch(conn)
        db.close()
        db = open_database(tmp_path / "again.db")
        with db.read() as conn:
            assert read_epoch(conn) == epoch
        assert len(outbox_rows(db)) == 1


class TestReceive:
    def test_raises_on_hand_and_writes_ledger_and_event_in_one_go(self, db):
        service = StockService(db)
        outcome = service.receive(sku="TEE-RED-M", qty=5, reference="PO-1", actor="A1", idempotency_key=None)
        assert not outcome.replayed  # a new change; the API answers it 201 Created
        assert outcome.body["on_hand"] == 5 and outcome.body["seq"] == 2
        with db.read() as conn:
            ledger = [dict(r) for r in conn.execute("SELECT * FROM stock_ledger")]
        assert [(r["sku"], r["on_hand_delta"], r["reason"], r["reference"], r["actor"]) for r in ledger] == [
            ("TEE-RED-M", 5, "delivery", "PO-1", "A1")]
        event = outbox_rows(db)[-1]
        assert event["type"] == "stock.received" and event["actor"] == "A1" and event["id"] == ledger[0]["event_id"]
        assert json.loads(event["payload"])["stock"] == [{"sku": "TEE-RED-M", "on_hand": 5, "reserved": 0,
                                                          "damaged": 0}]

    def test_a_barcode_stands_for_its_sku(self, db):
        outcome = StockService(db).receive(sku="4006381333931", qty=1, reference="PO-2", actor="A1",
                                           idempotency_key=None)
        assert outcome.body["sku"] == "TEE-RED-M"

    def test_an_unknown_sku_changes_nothing(self, db):
        with pytest.raises(UnknownSku):
            StockService(db).receive(sku="NOPE", qty=1, reference="PO-3", actor="A1", idempotency_key="k1")
        assert len(outbox_rows(db)) == 1 and table_levels(db) == {}

    def test_a_broken_rule_is_a_validation_problem_and_changes_nothing(self, db):
        with pytest.raises(InvalidInput, match="negative delta"):
            StockService(db).adjust(sku="MUG-01", delta=3, reason=AdjustReason.SHRINK, note=None, actor="A1",
                                    idempotency_key="k2")
        assert len(outbox_rows(db)) == 1 and table_levels(db) == {}


class TestIdempotency:
    def test_the_same_key_and_body_answer_the_original_without_a_second_change(self, db):
        woken = []
        service = StockService(db, on_commit=lambda: woken.append(1))
        first = service.receive(sku="MUG-01", qty=2, reference="PO-9", actor="A1", idempotency_key="key-1")
        again = service.receive(sku="MUG-01", qty=2, reference="PO-9", actor="A1", idempotency_key="key-1")
        assert again.body == first.body and again.replayed and not first.replayed
        assert table_levels(db)["MUG-01"] == (2, 0, 0)
        assert len(outbox_rows(db)) == 2 and woken == [1]

    def test_the_same_key_with_another_body_is_refused(self, db):
        service = StockService(db)
        service.receive(sku="MUG-01", qty=2, reference="PO-9", actor="A1", idempotency_key="key-1")
        with pytest.raises(IdempotencyMismatch):
            service.receive(sku="MUG-01", qty=3, reference="PO-9", actor="A1", idempotency_key="key-1")
        assert table_levels(db)["MUG-01"] == (2, 0, 0)


SKUS = [p.sku for p in CATALOG[:3]]
operations = st.lists(st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(SKUS), st.integers(1, 50), st.none()),
    st.tuples(st.just("adjust"), st.sampled_from(SKUS), st.integers(-60, 60).filter(bool),
              st.sampled_from(list(AdjustReason))),
), max_size=25)


class TestLedgerAndEventsAgreeWithTheLevels:
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_any_sequence_of_changes_keeps_ledger_events_and_table_in_step(self, ops):
        with tempfile.TemporaryDirectory() as tmp:
            db = open_database(Path(tmp) / "edge.db")
            add_products(db)
            service = StockService(db)
            for op, sku, amount, reason in ops:
                try:
                    if op == "receive":
                        service.receive(sku=sku, qty=amount, reference="R", actor="A1", idempotency_key=None)
                    else:
                        service.adjust(sku=sku, delta=amount, reason=reason, note=None, actor="A1",
                                       idempotency_key=None)
                except InvalidInput:
                    pass  # refused changes must leave no trace, which the sums below check
            levels = table_levels(db)
            with db.read() as conn:
                sums = {r["sku"]: (r["o"], r["r"], r["d"]) for r in conn.execute(
                    "SELECT sku, SUM(on_hand_delta) o, SUM(reserved_delta) r, SUM(damaged_delta) d "
                    "FROM stock_ledger GROUP BY sku")}
            assert sums == levels
            last_event_levels = {}
            rows = outbox_rows(db)
            assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
            for row in rows[1:]:
                envelope = json.dumps({"id": row["id"], "type": row["type"], "schema": 1, "store_id": "S001",
                                       "epoch": "e", "seq": row["seq"], "occurred_at": row["occurred_at"],
                                       "actor": row["actor"], "payload": json.loads(row["payload"])}).encode()
                _, payload = parse_event(envelope)
                for level in payload.stock:
                    last_event_levels[level.sku] = (level.on_hand, level.reserved, level.damaged)
            assert last_event_levels == levels
            db.close()
