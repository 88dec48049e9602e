"""SQLite as the parts use it: WAL and synchronous=FULL on every connection, ordered migrations.

One connection per database, serialised by a lock: writes are sub-millisecond, and one writer
keeps `BEGIN IMMEDIATE` transactions free of busy errors between the API and the sync loops.
"""

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection with the durability every part relies on (TECH-NOTES: per connection)."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


BACKUPS_KEPT = 3  # schema backups kept next to a database: the last few upgrades can be undone


def migrate(conn: sqlite3.Connection, migrations: Sequence[str], backup_to: Path | None = None) -> int:
    """Apply the migrations not yet applied, in order, each in its own transaction; `user_version` counts them.

    With `backup_to` (the database's own path), a database that has migrations to run is first copied next to
    itself by SQLite's online backup, named with the old and new schema versions: a failed or regretted upgrade
    goes back by putting that file in place of the database with the previous release's program."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current > len(migrations):
        raise RuntimeError(f"database schema {current} is newer than this program knows ({len(migrations)})")
    if backup_to is not None and 0 < current < len(migrations):
        backup_before_upgrade(conn, backup_to, current, len(migrations))
    for number, script in enumerate(migrations[current:], start=current + 1):
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{script}\n;PRAGMA user_version={number};\nCOMMIT;")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return len(migrations)


def upgrade_backups(path: Path) -> list[Path]:
    """The backups taken before schema upgrades of the database at `path`, oldest first."""
    return sorted(path.parent.glob(f"{path.name}.schema-*.bak"), key=lambda p: (p.stat().st_mtime_ns, p.name))


def backup_before_upgrade(conn: sqlite3.Connection, path: Path, old: int, new: int,
                          kept: int = BACKUPS_KEPT) -> Path:
    """An online backup of the database as it is (schema `old`), before it goes to schema `new`; only the last
    `kept` such backups stay."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.schema-{old}-to-{new}.{stamp}.bak")
    partial = target.with_name(target.name + ".part")
    with sqlite3.connect(str(partial)) as copy:
        conn.backup(copy)
    copy.close()
    partial.replace(target)  # a backup cut short never passes for a whole one
    for old_backup in upgrade_backups(path)[:-kept]:
        old_backup.unlink(missing_ok=True)
    return target


def tables(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils over the caller's connection: its upserts and bulk inserts join the caller's open transaction
    (it opens none of its own while one is open), so they commit or roll back with the change they belong to."""
    return sqlite_utils.Database(conn)


class Database:
    """A migrated SQLite file with serialised access: `write()` is one transaction, `read()` a consistent view."""

    def __init__(self, path: str | Path, migrations: Sequence[str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(self.path)
        self._lock = threading.RLock()
        migrate(self._conn, migrations, backup_to=self.path)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn.in_transaction:  # nested: part of the caller's transaction
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()



class Reader:
    """A read-only connection of its own to a database `Database` has opened (WAL): what it reads never waits for the
    writer's lock nor holds it, so a slow read (a scrape of figures) cannot delay a sale, an ingest batch or an order.
    Each `read()` is one consistent snapshot."""

    def __init__(self, path: str | Path):
        self._conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                     check_same_thread=False, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA busy_timeout=30000")
        self._lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

COUNTERS = """
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
"""


def next_number(conn: sqlite3.Connection, counter: str) -> int:
    """The next value of a named counter (receipts, returns, orders), taken inside the caller's transaction, so a
    number is never given twice and a rolled-back change gives its number back. Needs the `COUNTERS` table."""
    return conn.execute("INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE "
                        "SET value = value + 1 RETURNING value", (counter,)).fetchone()[0]
