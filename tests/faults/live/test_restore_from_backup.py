"""A store restored with `omnistore edge backup` / `omnistore edge restore`, with central and the store as real
processes: the restored database is in a new epoch before the agent starts, so its first events cannot collide
with what central already holds from the lost copy; the store syncs on at once, and the audit finds no error."""

import sqlite3

from edge.cli import main as edge_command
from tests.faults.live.network import Network
from tests.waiting import poll

STORE = "P02"


def sell(network: Network, first: int, n: int) -> list[str]:
    receipts = []
    for i in range(first, first + n):
        answer = network.sell(f"{STORE}-restore-{i}")
        assert answer.status_code == 201, answer.text
        receipts.append(answer.json()["receipt_number"])
    return receipts


def read_one(db, sql: str):
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(sql).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def test_a_restored_store_opens_its_new_epoch_at_once_and_syncs_without_a_conflict(network, tmp_path, capsys):
    network.receive(1, qty=50)
    kept = sell(network, 0, 5)
    old_epoch = network.status()["epoch"]
    db = str(network.edge.db)
    assert edge_command(["backup", "--store", STORE, "--db", db, str(tmp_path / "nightly.db")]) == 0  # agent runs
    lost = sell(network, 5, 5)  # reach central, then the store's disk dies
    assert network.agrees() == []

    network.kill_edge()
    assert edge_command(["restore", "--store", STORE, "--db", db, str(tmp_path / "nightly.db")]) == 0
    restored_epoch = read_one(db, "SELECT value FROM meta WHERE key = 'epoch'")
    assert f"opened epoch {restored_epoch}" in capsys.readouterr().out
    network.edge.start()
    network.sign_in()

    assert network.status()["epoch"] == restored_epoch != old_epoch  # before it has heard anything from central
    # central's repeated watermark tells the store the highest receipt number it holds from it
    highest_lost = int(lost[-1].rsplit("-", 1)[1])
    poll(lambda: (read_one(db, "SELECT value FROM counters WHERE name = 'receipt'") or 0) >= highest_lost,
         timeout=60, what="the restored store numbering on above what central holds")
    after = sell(network, 10, 5)
    assert not set(after) & set(kept + lost)

    notices = network.agrees()  # no error: every event of the new epoch applied, none taken for a duplicate
    assert network.status()["epoch"] == restored_epoch  # central never had to push the store into another epoch
    status = network.status()
    assert status["backlog"] == 0 and status["applied_seq"] == status["last_seq"]
    assert {d.message.split()[1] for d in notices if d.kind == "receipt_superseded"} == set(lost)
    conflicts = network.head_office.get(f"/v1/stores/{STORE}/conflicts")
    assert conflicts.status_code == 200 and conflicts.json()["items"] == []  # no two events at one (epoch, seq)
