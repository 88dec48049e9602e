"""A store database restored from a backup (the new-epoch rule, DESIGN §3): the store notices that central holds
more of its epoch than the file does, opens a new epoch with a snapshot, numbers receipts on above central's,
and the two agree again; what the restore lost at the store is reported as notices, never silently dropped."""

import sqlite3

from shared.launcher.audit.compare import Severity
from tests.faults.live.network import Network
from tests.waiting import poll

STORE = "F05"


def sell(network: Network, first: int, n: int) -> list[str]:
    receipts = []
    for i in range(first, first + n):
        answer = network.sell(f"{STORE}-sale-{i}")
        assert answer.status_code == 201, answer.text
        receipts.append(answer.json()["receipt_number"])
    return receipts


def back_up(source, target) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def test_a_store_restored_from_a_backup_opens_a_new_epoch_and_agrees_with_central_again(network, tmp_path):
    for n in range(20):
        network.receive(n, qty=5)
    before_backup = sell(network, 0, 10)
    assert network.agrees() == []
    old_epoch = network.status()["epoch"]
    back_up(network.edge.db, tmp_path / "backup.db")  # a hot backup, as an operator's nightly job takes it

    lost = sell(network, 10, 15)  # these reach central, and then the store's disk dies
    assert network.agrees() == []
    network.kill_edge()
    for suffix in ("-wal", "-shm"):
        network.edge.db.with_name(network.edge.db.name + suffix).unlink(missing_ok=True)
    back_up(tmp_path / "backup.db", network.edge.db)
    network.edge.start()
    network.sign_in()

    poll(lambda: network.status()["epoch"] != old_epoch, what="the restored store opens a new epoch")
    after = sell(network, 25, 10)
    assert not set(after) & set(before_backup + lost)  # numbering carried on above what central holds
    notices = network.agrees()
    assert {d.severity for d in notices} <= {Severity.NOTICE}
    superseded = {d.message.split()[1] for d in notices if d.kind == "receipt_superseded"}
    assert superseded == set(lost)  # central keeps the sales the restore took from the store
