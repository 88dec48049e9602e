"""Back up the store's database while the agent runs, and restore one under the new-epoch rule (DESIGN §3).

A restored file is older than what central has heard from this store: numbering on in its epoch would give central
seqs it already holds from the lost, newer copy. So a restore opens a new epoch before the agent ever starts on the
file: its first event is a snapshot of the restored levels, and the old epoch's rows are kept aside for review.
"""

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from edge.store.epochs import EpochChange, open_new_epoch, read_epoch
from edge.store.schema import open_database
from shared.runtime.backups import BackupError, restore


@dataclass(frozen=True)
class Restored:
    replaced: Path | None  # the database the backup took the place of, kept under this name
    change: EpochChange


def restore_store(backup: Path, db_path: Path, now: datetime) -> Restored:
    """Put the backup in place of the store's database (the agent stopped) and open a new epoch in it."""
    if _epoch_of(backup) is None:
        raise BackupError(f"{backup} is not a store's database (it has no epoch)")
    replaced = restore(backup, db_path, now)
    db = open_database(db_path)  # migrates a backup made by an older version
    try:
        with db.write() as conn:
            change = open_new_epoch(conn, f"restored from the backup {backup.name} at {now.isoformat()}")
    finally:
        db.close()
    return Restored(replaced, change)


def _epoch_of(backup: Path) -> str | None:
    if not backup.is_file():
        raise BackupError(f"there is no backup at {backup}")
    conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return read_epoch(conn)
    except sqlite3.DatabaseError:
        return None
    finally:
        conn.close()
