"""A database opened with `readers`: a read runs on its own connection, on a snapshot of the last commit, and never
waits for a write in progress on another thread; a read inside this thread's write sees that write."""

import sqlite3
import threading

import pytest

from shared.runtime.sqlite import Database

MIGRATIONS = ["CREATE TABLE t (x INTEGER)"]


def test_a_read_does_not_wait_for_another_threads_write_and_sees_the_last_commit(tmp_path):
    db = Database(tmp_path / "d.db", MIGRATIONS, readers=True)
    with db.write() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
    writing, read_done, seen = threading.Event(), threading.Event(), []

    def writer():
        with db.write() as conn:
            conn.execute("INSERT INTO t VALUES (2)")
            writing.set()
            read_done.wait(30)  # the write stays open until the read is done (or it never would be)

    thread = threading.Thread(target=writer)
    thread.start()
    writing.wait(30)
    with db.read() as conn:
        seen = [r[0] for r in conn.execute("SELECT x FROM t")]
    read_done.set()
    thread.join()
    assert seen == [1]  # not the uncommitted 2, and it did not wait for the writer to finish
    with db.read() as conn:
        assert [r[0] for r in conn.execute("SELECT x FROM t ORDER BY x")] == [1, 2]
    db.close()


def test_a_read_inside_a_write_sees_the_write_and_a_read_cannot_write(tmp_path):
    db = Database(tmp_path / "d.db", MIGRATIONS, readers=True)
    with db.write() as conn:
        conn.execute("INSERT INTO t VALUES (1)")
        with db.read() as inner:
            assert inner.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 1
    with pytest.raises(sqlite3.OperationalError):
        with db.read() as conn:
            conn.execute("INSERT INTO t VALUES (3)")
    db.close()
    with pytest.raises(sqlite3.ProgrammingError):
        with db.read():
            pass
