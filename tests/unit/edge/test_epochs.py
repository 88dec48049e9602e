"""A database older than what central has (restored from a backup) opens a new epoch: seq starts again at 1
with a chunked snapshot of the current levels, in one transaction, the old rows kept aside."""

import json

from edge.domain.epochs import restored_from_backup
from edge.services.stock import StockService
from edge.store import outbox
from edge.store.epochs import open_new_epoch, read_epoch
from tests.unit.edge.conftest import T0


def receive(db, n: int) -> None:
    for i in range(n):
        StockService(db).receive(sku="MUG-01", qty=1, reference=f"PO-{i}", actor="A1", idempotency_key=None)


class TestRestoredFromBackup:
    def test_only_a_watermark_beyond_our_last_seq_means_a_restored_database(self):
        assert restored_from_backup(central_applied_seq=9, our_last_seq=7)
        assert not restored_from_backup(central_applied_seq=7, our_last_seq=7)
        assert not restored_from_backup(central_applied_seq=3, our_last_seq=7)

    def test_a_new_epoch_opens_with_a_chunked_snapshot_at_seq_1_and_keeps_the_old_rows(self, db):
        receive(db, 3)
        with db.write() as conn:
            conn.executemany("INSERT INTO stock (sku, on_hand) VALUES (?, 2)", [(f"S{i:04}",) for i in range(600)])
            outbox.mark_published(conn, 1, T0)
            old = read_epoch(conn)
            change = open_new_epoch(conn, "restored database: test")
        with db.read() as conn:
            rows = outbox.unpublished(conn)
            counts = outbox.counters(conn)
            kept = conn.execute("SELECT epoch, seq, type FROM superseded_events ORDER BY seq").fetchall()
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        assert (change.old, change.new) == (old, meta["epoch"]) and change.new != old
        assert (change.kept_events, change.unsent_events, change.snapshot_events) == (4, 3, 2)
        assert [(r.seq, r.type, r.payload["chunk"], r.payload["chunks"]) for r in rows] == [
            (1, "stock.snapshot", 1, 2), (2, "stock.snapshot", 2, 2)]
        levels = {lv["sku"]: lv["on_hand"] for r in rows for lv in r.payload["levels"]}
        assert len(levels) == 601 and levels["MUG-01"] == 3
        assert (counts.last_seq, counts.last_acked_seq, counts.applied_seq) == (2, 0, 0)
        assert [(e["epoch"], e["seq"], e["type"]) for e in kept] == [(old, 1, "stock.snapshot")] + [
            (old, n, "stock.received") for n in (2, 3, 4)]
        assert meta["previous_epoch"] == old and "restored" in meta["epoch_reason"]
        receive(db, 1)  # and the store carries on in the new epoch
        with db.read() as conn:
            assert json.loads(conn.execute("SELECT payload FROM outbox WHERE seq = 3").fetchone()[0])["stock"][0][
                "on_hand"] == 4
