"""Online SQLite backups: a copy taken while another connection keeps writing is one consistent snapshot, and a
restore puts it back while keeping the file it replaces."""

import sqlite3
import threading
from datetime import datetime, timezone

import pytest

from shared.runtime.backups import BackupError, back_up, backup_file, restore
from shared.runtime.sqlite import connect

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def make_ledger(path) -> None:
    conn = connect(path)
    conn.executescript("CREATE TABLE moves (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL);"
                       "CREATE TABLE total (id INTEGER PRIMARY KEY CHECK (id = 1), qty INTEGER NOT NULL);"
                       "INSERT INTO total VALUES (1, 0);")
    conn.close()


def write(conn: sqlite3.Connection, qty: int) -> None:
    """One transaction keeps the invariant: the total is the sum of the moves."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO moves (qty) VALUES (?)", (qty,))
    conn.execute("UPDATE total SET qty = qty + ? WHERE id = 1", (qty,))
    conn.execute("COMMIT")


def totals(path) -> tuple[int, int, int]:
    conn = sqlite3.connect(path)
    try:
        moves, summed = conn.execute("SELECT COUNT(*), COALESCE(SUM(qty), 0) FROM moves").fetchone()
        return moves, summed, conn.execute("SELECT qty FROM total").fetchone()[0]
    finally:
        conn.close()


def test_a_backup_taken_while_the_database_is_written_is_one_consistent_snapshot(tmp_path):
    live = tmp_path / "live.db"
    make_ledger(live)
    stop = threading.Event()

    def keep_writing() -> None:
        conn = connect(live)
        n = 0
        while not stop.is_set():
            n += 1
            write(conn, n % 7 + 1)
        conn.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        copies = []
        for i in range(5):
            while totals(live)[0] < 200 * (i + 1):  # let the writer get ahead between copies
                pass
            copies.append(back_up(live, tmp_path / f"copy-{i}.db"))
    finally:
        stop.set()
        writer.join()
    counts = []
    for copied in copies:
        moves, summed, total = totals(copied.target)
        assert summed == total, f"{copied.target.name}: the moves add up to {summed}, the total says {total}"
        counts.append(moves)
        assert not copied.target.with_name(copied.target.name + "-wal").exists()
        assert copied.size == copied.target.stat().st_size > 0
    assert counts == sorted(counts) and counts[0] >= 200  # each copy a later snapshot, none empty
    assert not list(tmp_path.glob(".*.partial"))


def test_a_restore_brings_the_backup_back_and_keeps_the_database_it_replaces(tmp_path):
    live = tmp_path / "live.db"
    make_ledger(live)
    conn = connect(live)
    write(conn, 3)
    conn.close()
    back_up(live, tmp_path / "backup.db")
    conn = connect(live)
    write(conn, 4)  # after the backup: lost by the restore, but kept aside
    conn.close()

    kept = restore(tmp_path / "backup.db", live, NOW)

    assert totals(live) == (1, 3, 3)
    assert kept == tmp_path / "live.db.replaced-20261130T080000Z"
    assert totals(kept) == (2, 7, 7)
    assert totals(tmp_path / "backup.db") == (1, 3, 3)  # the backup itself is left as it was


def test_something_that_is_not_a_database_is_neither_backed_up_nor_restored(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, just some bytes" * 100)
    live = tmp_path / "live.db"
    make_ledger(live)
    with pytest.raises(BackupError, match="not a SQLite database"):
        back_up(junk, tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists()
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore(junk, live, NOW)
    assert totals(live) == (0, 0, 0)  # untouched
    with pytest.raises(BackupError, match="no database"):
        back_up(tmp_path / "missing.db", tmp_path / "copy.db")


def test_a_backup_into_a_folder_is_named_after_the_database_and_the_time(tmp_path):
    live = tmp_path / "central.db"
    make_ledger(live)
    folder = tmp_path / "backups"
    folder.mkdir()
    copied = back_up(live, backup_file(folder, live, NOW))
    assert copied.target == folder / "central-20261130T080000Z.db"
    assert backup_file(tmp_path / "exact.db", live, NOW) == tmp_path / "exact.db"
