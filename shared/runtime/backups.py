"""Online backups of a part's SQLite file, and putting one back.

A backup goes through SQLite's backup API in one step: it reads one snapshot of the database (in WAL mode a reader
blocks no writer), so the copy is consistent even while the service keeps writing. It is written next to its
target under a temporary name, checked, flushed to disk and only then renamed into place, so a half-written file
never looks like a backup.
"""

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

SIDE_FILES = ("-wal", "-shm")


class BackupError(Exception):
    """The source or the backup is not a usable SQLite database."""


@dataclass(frozen=True)
class Copied:
    target: Path
    size: int
    pages: int


def back_up(source: Path, target: Path) -> Copied:
    """Copy the live database `source` into `target` (replaced if present) as one consistent snapshot."""
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    # Opened as it is: a WAL database stays one, and a backup being restored is not changed.
    src = sqlite3.connect(str(source), timeout=30)
    try:
        dst = sqlite3.connect(str(partial), isolation_level=None)
        try:
            src.backup(dst)  # all pages in one step: one read snapshot of the source
            _check(dst, source)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
    except sqlite3.DatabaseError as e:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{source} is not a SQLite database ({e})") from e
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    _flush(partial)
    os.replace(partial, target)
    _flush(target.parent)
    return Copied(target, target.stat().st_size, pages)


def backup_file(target: Path, source: Path, now: datetime) -> Path:
    """Where a backup goes: `target` itself, or in a folder a file named after the database and the time, e.g.
    backups/edge-20261130T033000Z.db (so a nightly timer keeps one per night)."""
    if target.is_dir():
        return target / f"{source.stem}-{now.strftime('%Y%m%dT%H%M%SZ')}{source.suffix or '.db'}"
    return target


def restore(backup: Path, database: Path, now: datetime, *, holds_table: str | None = None,
            what: str = "database") -> Path | None:
    """Put `backup` in place of `database` (the service must be stopped). The file it replaces is kept beside it,
    renamed `<name>.replaced-<time>`, never deleted; returns that name, or None if there was no database.
    `holds_table`: a table the right kind of database has (a store's backup is no head office's)."""
    if not backup.is_file():
        raise BackupError(f"there is no backup at {backup}")
    probe = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _check(probe, backup)
        if holds_table and not probe.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                             (holds_table,)).fetchone():
            raise BackupError(f"{backup} is not a {what} (it has no {holds_table} table)")
    finally:
        probe.close()
    kept = None
    if database.exists():
        kept = database.with_name(f"{database.name}.replaced-{now.strftime('%Y%m%dT%H%M%SZ')}")
        for suffix in ("", *SIDE_FILES):
            old = database.with_name(database.name + suffix)
            if old.exists():
                os.replace(old, kept.with_name(kept.name + suffix))
    back_up(backup, database)
    return kept


def _check(conn: sqlite3.Connection, name: Path) -> None:
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise BackupError(f"{name} is not a SQLite database ({e})") from e
    if verdict != "ok":
        raise BackupError(f"{name} is damaged: {verdict}")


def _flush(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
