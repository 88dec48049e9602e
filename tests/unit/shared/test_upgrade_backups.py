"""A database is copied next to itself before its schema moves forward, and only the last few copies stay."""

import sqlite3

from shared.runtime.sqlite import BACKUPS_KEPT, Database, upgrade_backups

STEPS = [f"CREATE TABLE t{n} (x INTEGER); INSERT INTO t{n} VALUES ({n});" for n in range(1, 7)]


def test_a_new_database_is_not_backed_up(tmp_path):
    Database(tmp_path / "part.db", STEPS[:2]).close()
    assert upgrade_backups(tmp_path / "part.db") == []


def test_each_upgrade_leaves_a_backup_of_the_old_schema_and_only_the_last_few_are_kept(tmp_path):
    path = tmp_path / "part.db"
    Database(path, STEPS[:1]).close()
    for known in range(2, len(STEPS) + 1):
        Database(path, STEPS[:known]).close()
        newest = upgrade_backups(path)[-1]
        assert f".schema-{known - 1}-to-{known}." in newest.name
        with sqlite3.connect(newest) as copy:
            assert copy.execute("PRAGMA user_version").fetchone()[0] == known - 1
            assert copy.execute(f"SELECT x FROM t{known - 1}").fetchone()[0] == known - 1
    kept = upgrade_backups(path)
    assert len(kept) == BACKUPS_KEPT
    assert [b.name.split(".schema-")[1].split(".")[0] for b in kept] == ["3-to-4", "4-to-5", "5-to-6"]
    Database(path, STEPS).close()  # nothing to run: nothing copied
    assert upgrade_backups(path) == kept
