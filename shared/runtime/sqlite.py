"""SQLite as the parts use it: WAL and synchronous=FULL on every connection, ordered migrations.

One writing connection per database, serialised by a lock: one writer keeps `BEGIN IMMEDIATE` transactions free of
busy errors between the API and the sync loops. Beside it, a small pool of read-only connections serves single reads
that must never queue behind a commit (`read_only`), and a database may give every reading thread a connection of its
own for whole read transactions (`Database(readers=True)`).
"""

import queue
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


def reader(path: str | Path) -> sqlite3.Connection:
    """A read-only connection to a database already in WAL mode (set by its writer's connection: setting it again
    here would wait for the writer's lock)."""
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                           check_same_thread=False, timeout=30)
    conn.row_factory = sqlite3.Row
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


READ_POOL = 2  # read-only connections for `read_only()` beside the writer's; each keeps a page cache of its own


class Database:
    """A migrated SQLite file with serialised access: `write()` is one transaction, `read()` a consistent view,
    `read_only()` single reads that never wait for the writer.

    With `readers`, a `read()` outside a write runs on its own thread's read-only connection, in a read transaction
    of its own (WAL gives it a snapshot of the last commit): reads no longer queue behind the one writer's work and
    its fsync, nor behind each other. Without it (the default), reads share the writer's connection and its lock.
    A `read()` inside this thread's `write()` always sees that transaction's own changes."""

    def __init__(self, path: str | Path, migrations: Sequence[str], *, readers: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = connect(self.path)
        self._lock = threading.RLock()
        self._here = threading.local()  # this thread's read connection, and whether it is inside write()
        self._readers = readers
        self._reader_conns: list[sqlite3.Connection] = []
        self._reading = threading.Condition()  # reads in progress on read connections: close() waits for them
        self._reads, self._closed = 0, False
        migrate(self._conn, migrations, backup_to=self.path)
        self._pool = [reader(self.path) for _ in range(READ_POOL)]
        self._idle_readers: queue.Queue[sqlite3.Connection] = queue.Queue()
        for conn in self._pool:
            self._idle_readers.put(conn)

    def write(self) -> "_Writing":
        """One write transaction: committed when the block ends, rolled back when it raises; inside another
        `write()` of this thread, part of that one."""
        return _Writing(self)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        if not self._readers or getattr(self._here, "writing", False):
            with self._lock:
                yield self._conn
            return
        with self._reading:
            if self._closed:
                raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
            self._reads += 1
        try:
            conn = self._reader()
            if conn.in_transaction:  # nested read: the same snapshot
                yield conn
                return
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        finally:
            with self._reading:
                self._reads -= 1
                self._reading.notify_all()

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._here, "reader", None)
        if conn is None:
            conn = reader(self.path)  # read-only: a write through a read() fails loudly instead of racing the writer
            self._here.reader = conn
            with self._reading:  # not the writer's lock: a write may be under way
                self._reader_conns.append(conn)
        return conn

    @contextmanager
    def read_only(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection of its own, each statement seeing the last committed state: it does not wait while
        another thread's write transaction commits (WAL readers see the last commit meanwhile), so the checks every
        request makes (sign-in, a repeated Idempotency-Key) do not queue behind other counters' sales. For several
        reads that must agree, or a read that a write relies on, use `read()`, which holds the writer's lock."""
        conn = self._idle_readers.get()
        try:
            yield conn
        finally:
            self._idle_readers.put(conn)

    def close(self) -> None:
        with self._reading:  # reads under way finish first; later ones are refused
            self._closed = True
            self._reading.wait_for(lambda: self._reads == 0, timeout=30)
        with self._lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()
            self._conn.close()
            for conn in self._pool:
                conn.close()


class _Writing:
    """`Database.write()`'s block, written out rather than through `contextlib` (a generator and two hand-offs for
    every transaction of every change; the sale's is the hottest path): the writer's lock, then `BEGIN IMMEDIATE`,
    `COMMIT` or `ROLLBACK`."""

    __slots__ = ("_db", "_nested")

    def __init__(self, db: Database):
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        db = self._db
        db._lock.acquire()
        try:
            self._nested = db._conn.in_transaction  # nested: part of the caller's transaction
            if not self._nested:
                db._conn.execute("BEGIN IMMEDIATE")
                db._here.writing = True
        except BaseException:
            db._lock.release()
            raise
        return db._conn

    def __exit__(self, kind, error, traceback) -> bool:
        db = self._db
        try:
            if not self._nested:
                if kind is not None:
                    try:
                        db._conn.execute("ROLLBACK")
                    finally:
                        db._here.writing = False
                    return False
                db._here.writing = False
                db._conn.execute("COMMIT")
            return False
        finally:
            db._lock.release()


class Reader:
    """A read-only connection of its own to a database `Database` has opened (WAL): what it reads never waits for the
    writer's lock nor holds it, so a slow read (a scrape of figures) cannot delay a sale, an ingest batch or an order.
    Each `read()` is one consistent snapshot."""

    def __init__(self, path: str | Path):
        self._conn = reader(path)
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


def peek_number(conn: sqlite3.Connection, counter: str) -> int:
    """The value `next_number` would give now; another transaction may take it first."""
    row = conn.execute("SELECT value FROM counters WHERE name = ?", (counter,)).fetchone()
    return (row[0] if row else 0) + 1
