"""`omnistore edge backup` and `omnistore edge restore`: a restored store database opens a new epoch at once
(DESIGN §3), before the agent sells on it, so none of its events can share an (epoch, seq) with the lost copy's."""

import json
import sqlite3

from edge.cli import main
from edge.services.stock import StockService
from edge.store.products import upsert_product
from edge.store.schema import open_database
from shared.contract.events import CatalogProduct

SKU = "BAK-TEE"


def receive(db_path, qty: int, reference: str) -> None:
    db = open_database(db_path)
    try:
        with db.write() as conn:
            upsert_product(conn, CatalogProduct(sku=SKU, name="Backup tee", price=100, currency="EUR"))
        StockService(db).receive(sku=SKU, qty=qty, reference=reference, actor="A1", idempotency_key=None)
    finally:
        db.close()


def read(db_path, sql: str, *args) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def epoch_of(db_path) -> str:
    return read(db_path, "SELECT value FROM meta WHERE key = 'epoch'")[0][0]


def test_a_restored_store_database_opens_a_new_epoch_whose_first_event_is_a_snapshot(tmp_path, capsys):
    db_path, backup = tmp_path / "edge-S001.db", tmp_path / "backups" / "edge-S001.db"
    receive(db_path, 5, "DEL-1")
    old_epoch = epoch_of(db_path)
    assert main(["backup", "--store", "S001", "--db", str(db_path), str(backup)]) == 0
    receive(db_path, 2, "DEL-2")  # after the backup: this copy is about to be lost
    old_seqs = read(db_path, "SELECT seq, type FROM outbox ORDER BY seq")

    assert main(["restore", "--store", "S001", "--db", str(db_path), str(backup)]) == 0

    out = capsys.readouterr().out
    new_epoch = epoch_of(db_path)
    assert new_epoch != old_epoch and new_epoch in out
    assert read(db_path, "SELECT on_hand FROM stock WHERE sku = ?", SKU) == [(5,)]  # the backup's levels
    first = read(db_path, "SELECT seq, type, payload FROM outbox ORDER BY seq")
    assert [(seq, type_) for seq, type_, _ in first] == [(1, "stock.snapshot")]
    assert [(lv["sku"], lv["on_hand"]) for lv in json.loads(first[0][2])["levels"]] == [(SKU, 5)]
    assert read(db_path, "SELECT last_seq, applied_seq FROM sync_state") == [(1, 0)]
    # the backup's own rows are kept aside for review, under the epoch they belonged to
    assert read(db_path, "SELECT DISTINCT epoch FROM superseded_events") == [(old_epoch,)]
    assert read(db_path, "SELECT value FROM meta WHERE key = 'epoch_reason'")[0][0].startswith("restored from")
    # and the database it replaced is kept whole beside it
    kept = next(tmp_path.glob("edge-S001.db.replaced-*"))
    assert str(kept) in out
    assert read(kept, "SELECT seq, type FROM outbox ORDER BY seq") == old_seqs
    assert read(kept, "SELECT on_hand FROM stock WHERE sku = ?", SKU) == [(7,)]


def test_restoring_twice_opens_a_new_epoch_each_time(tmp_path):
    db_path, backup = tmp_path / "edge.db", tmp_path / "b.db"
    receive(db_path, 1, "DEL-1")
    assert main(["backup", "--store", "S001", "--db", str(db_path), str(backup)]) == 0
    epochs = {epoch_of(db_path)}
    for _ in range(2):
        assert main(["restore", "--store", "S001", "--db", str(db_path), str(backup)]) == 0
        epochs.add(epoch_of(db_path))
    assert len(epochs) == 3


def test_a_file_that_is_not_a_store_database_is_refused_and_nothing_changes(tmp_path, capsys):
    db_path, other = tmp_path / "edge.db", tmp_path / "other.db"
    receive(db_path, 1, "DEL-1")
    epoch = epoch_of(db_path)
    sqlite3.connect(other).executescript("CREATE TABLE nodes (id TEXT); INSERT INTO nodes VALUES ('W1');")
    assert main(["restore", "--store", "S001", "--db", str(db_path), str(other)]) == 2
    assert "not a store's database" in capsys.readouterr().err
    assert main(["restore", "--store", "S001", "--db", str(db_path), str(tmp_path / "missing.db")]) == 2
    assert "no backup at" in capsys.readouterr().err
    assert epoch_of(db_path) == epoch and not list(tmp_path.glob("*.replaced-*"))
