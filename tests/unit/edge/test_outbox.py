"""The outbox: seq without gaps, PubAck bookkeeping, and pruning only what central has and is old."""

import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.services.stock import StockService
from edge.store import outbox
from shared.contract.events import EventEnvelope, StockSnapshot
from shared.contract.models import StockLevel
from shared.runtime.clock import to_text
from tests.unit.edge.conftest import T0


def receive(db, n: int) -> None:
    service = StockService(db)
    for i in range(n):
        service.receive(sku="MUG-01", qty=1, reference=f"PO-{i}", actor="A1", idempotency_key=None)


class TestSequence:
    def test_seq_rises_by_exactly_one_per_row(self, db):
        receive(db, 5)
        with db.read() as conn:
            seqs = [r[0] for r in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
            assert seqs == [1, 2, 3, 4, 5, 6]
            assert outbox.counters(conn).last_seq == 6

    def test_seq_keeps_rising_after_every_row_was_pruned(self, db):
        receive(db, 2)
        with db.write() as conn:
            for row in outbox.unpublished(conn):
                outbox.mark_published(conn, row.seq, T0)
            conn.execute("UPDATE outbox SET occurred_at = ?", (to_text(T0 - timedelta(days=30)),))
            assert outbox.apply_watermark(conn, 3, retain_days=7, now=T0) == 3
        receive(db, 1)
        with db.read() as conn:
            assert [r[0] for r in conn.execute("SELECT seq FROM outbox")] == [4]

    def test_a_large_snapshot_is_cut_into_chunks_of_500(self, db):
        with db.write() as conn:
            conn.executemany("INSERT INTO stock (sku, on_hand) VALUES (?, 1)", [(f"S{i:04}",) for i in range(1001)])
            rows = outbox.append_snapshot(conn, actor="system")
        assert [(r.payload["chunk"], r.payload["chunks"], len(r.payload["levels"])) for r in rows] == [
            (1, 3, 500), (2, 3, 500), (3, 3, 1)]
        assert StockLevel.model_validate(rows[2].payload["levels"][0]).sku == "S1000"


class TestPublishedAndBacklog:
    def test_unpublished_rows_come_in_seq_order_and_leave_once_acknowledged(self, db):
        receive(db, 3)
        with db.write() as conn:
            assert [r.seq for r in outbox.unpublished(conn, 2)] == [1, 2]
            outbox.mark_published(conn, 1, T0)
            outbox.mark_published(conn, 2, T0)
            counts = outbox.counters(conn)
        assert (counts.backlog, counts.last_acked_seq, counts.last_seq) == (2, 2, 4)
        assert counts.oldest_unsent_at is not None

    def test_an_envelope_carries_store_epoch_and_seq(self, db):
        with db.read() as conn:
            row = outbox.unpublished(conn)[0]
        envelope = row.envelope("S001", "epoch-1")
        assert (envelope.store_id, envelope.epoch, envelope.seq, envelope.type) == ("S001", "epoch-1", 1,
                                                                                     "stock.snapshot")


class TestWatermark:
    def test_prunes_only_rows_central_applied_that_were_sent_and_are_old(self, db):
        receive(db, 4)  # seq 1..5
        old, recent = to_text(T0 - timedelta(days=8)), to_text(T0 - timedelta(days=1))
        with db.write() as conn:
            for seq in (1, 2, 3, 4):
                outbox.mark_published(conn, seq, T0)
            conn.execute("UPDATE outbox SET occurred_at = ? WHERE seq IN (1, 2, 5)", (old,))
            conn.execute("UPDATE outbox SET occurred_at = ? WHERE seq IN (3, 4)", (recent,))
            deleted = outbox.apply_watermark(conn, 4, retain_days=7, now=T0)
            left = [r[0] for r in conn.execute("SELECT seq FROM outbox ORDER BY seq")]
            applied = outbox.counters(conn).applied_seq
        assert deleted == 2
        assert left == [3, 4, 5]  # 3, 4 are recent; 5 is old but neither sent nor applied
        assert applied == 4


class TestOnTheWire:
    @settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(store_id=st.text(min_size=1, max_size=8), epoch=st.text(min_size=1, max_size=12),
           actor=st.text(max_size=12), sku=st.text(min_size=1, max_size=12).filter(str.strip))  # a SKU is not blank
    def test_the_envelope_sent_reads_as_the_model_built_from_the_row(self, db, store_id, epoch, actor, sku):
        with db.write() as conn:
            conn.execute("UPDATE outbox SET published_at = 'x'")
            outbox.append_event(conn, "stock.snapshot", StockSnapshot(chunk=1, chunks=1, levels=[
                StockLevel(sku=sku, on_hand=3, reserved=1, damaged=0)]), actor=actor)
            [row] = outbox.unpublished(conn)
            [event] = outbox.unsent(conn, store_id, epoch)
        expected = row.envelope(store_id, epoch)
        assert EventEnvelope.model_validate_json(event.body) == expected
        sent, built = json.loads(event.body), json.loads(expected.to_bytes())
        assert sent.pop("occurred_at") == row.occurred_at  # the project's one form of a time, as stored
        built.pop("occurred_at")
        assert sent == built
        assert (event.seq, event.id, event.resent) == (row.seq, row.id, 0)

    def test_unsent_reads_above_a_seq_and_mark_sent_takes_only_the_send_acknowledged(self, db):
        receive(db, 4)  # seq 1..5
        with db.write() as conn:
            assert [e.seq for e in outbox.unsent(conn, "S001", "e", after=2, limit=2)] == [3, 4]
            first = outbox.unsent(conn, "S001", "e")
            conn.execute("UPDATE outbox SET resent = resent + 1 WHERE seq = 2")  # asked again while in flight
            outbox.mark_sent(conn, first[:3], T0)
            counts = outbox.counters(conn)
            left = [e.seq for e in outbox.unsent(conn, "S001", "e")]
        assert left == [2, 4, 5]
        assert (counts.backlog, counts.last_acked_seq) == (3, 3)
