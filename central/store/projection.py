"""Writing store events into central's projection: per-(node, sku) levels and each store's applied position.

Every function here runs inside the caller's `db.write()` transaction, so a batch of events and the
watermark that covers it commit together (the watermark is the dedup: DESIGN §4).
"""

import sqlite3
from collections.abc import Iterable

from central.domain.sequencing import Position
from shared.contract.events import StockSnapshot
from shared.contract.models import StockLevel
from shared.runtime.clock import from_text, to_text
from shared.runtime.sqlite import tables


def load_position(conn: sqlite3.Connection, store_id: str) -> tuple[Position | None, frozenset[str]]:
    row = conn.execute("SELECT epoch, applied_seq, epoch_opened_at FROM store_sync WHERE store_id=?",
                       (store_id,)).fetchone()
    retired = frozenset(r[0] for r in conn.execute("SELECT epoch FROM retired_epochs WHERE store_id=?", (store_id,)))
    if row is None or row["epoch"] is None:
        return None, retired
    opened_at = from_text(row["epoch_opened_at"]) if row["epoch_opened_at"] else None
    return Position(row["epoch"], row["applied_seq"], opened_at), retired


def save_position(conn: sqlite3.Connection, store_id: str, position: Position) -> None:
    opened_at = to_text(position.opened_at) if position.opened_at else None
    conn.execute("INSERT INTO store_sync (store_id, epoch, applied_seq, epoch_opened_at) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (store_id) DO UPDATE SET epoch=excluded.epoch, applied_seq=excluded.applied_seq, "
                 "epoch_opened_at=excluded.epoch_opened_at",
                 (store_id, position.epoch, position.applied_seq, opened_at))


def open_epoch(conn: sqlite3.Connection, store_id: str, old: Position | None, received_at: str) -> None:
    """A new epoch supersedes the old one: its figures go; the new epoch's opening event brings the new ones."""
    if old is not None:
        retire_epoch(conn, store_id, old.epoch, received_at)
    conn.execute("DELETE FROM levels WHERE node_id=?", (store_id,))
    conn.execute("UPDATE store_sync SET snapshot_from_seq=NULL, readable_seq=0 WHERE store_id=?", (store_id,))


def retire_epoch(conn: sqlite3.Connection, store_id: str, epoch: str, received_at: str) -> None:
    """An epoch that never takes over again (a newer one superseded it, or it is older than the current one)."""
    conn.execute("INSERT OR IGNORE INTO retired_epochs (store_id, epoch, retired_at) VALUES (?, ?, ?)",
                 (store_id, epoch, received_at))


def write_levels(conn: sqlite3.Connection, node_id: str, levels: Iterable[StockLevel], as_of: str, seq: int) -> None:
    """The resulting levels an event carries; pairs that fall to all-zero leave the table (stocked pairs only)."""
    # Raw sqlite3 on purpose: this runs for every event ingest applies, and sqlite-utils would read the table's
    # schema on each call.
    for level in levels:
        if level.on_hand == 0 and level.reserved == 0 and level.damaged == 0:
            conn.execute("DELETE FROM levels WHERE sku=? AND node_id=?", (level.sku, node_id))
            continue
        conn.execute(
            "INSERT INTO levels (sku, node_id, on_hand, reserved, damaged, as_of, seq) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sku, node_id) DO UPDATE SET on_hand=excluded.on_hand, reserved=excluded.reserved, "
            "damaged=excluded.damaged, as_of=excluded.as_of, seq=excluded.seq",
            (level.sku, node_id, level.on_hand, level.reserved, level.damaged, as_of, seq))


class PendingLevels:
    """The levels of a run of events, written together: each (SKU, node) takes its last figure, as it would
    written event by event (a figure sets the whole row, or removes it when all-zero)."""

    def __init__(self):
        self._last: dict[tuple[str, str], tuple[int, int, int, str, int]] = {}

    def add(self, node_id: str, levels: Iterable[StockLevel], as_of: str, seq: int) -> None:
        for level in levels:
            self._last[(level.sku, node_id)] = (level.on_hand, level.reserved, level.damaged, as_of, seq)

    def drop(self) -> None:
        self._last = {}

    def write(self, conn: sqlite3.Connection) -> None:
        if not self._last:
            return
        last, self._last = self._last, {}
        conn.executemany("DELETE FROM levels WHERE sku=? AND node_id=?",
                         [key for key, row in last.items() if row[0] == 0 and row[1] == 0 and row[2] == 0])
        conn.executemany(
            "INSERT INTO levels (sku, node_id, on_hand, reserved, damaged, as_of, seq) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (sku, node_id) DO UPDATE SET on_hand=excluded.on_hand, reserved=excluded.reserved, "
            "damaged=excluded.damaged, as_of=excluded.as_of, seq=excluded.seq",
            [(*key, *row) for key, row in last.items() if row[0] or row[1] or row[2]])


def write_levels_late(conn: sqlite3.Connection, node_id: str, levels: Iterable[StockLevel], as_of: str,
                      seq: int) -> None:
    """The levels of an event applied after later ones (one that waited for an upgrade): a level moves only where
    the store's figure is older than the event. A SKU with no figure is left alone: a later event may have taken it
    to zero, and showing units a store no longer has would sell them twice; its next event or snapshot sets it."""
    for level in levels:
        if level.on_hand == 0 and level.reserved == 0 and level.damaged == 0:
            conn.execute("DELETE FROM levels WHERE sku=? AND node_id=? AND seq < ?", (level.sku, node_id, seq))
            continue
        conn.execute("UPDATE levels SET on_hand=?, reserved=?, damaged=?, as_of=?, seq=? "
                     "WHERE sku=? AND node_id=? AND seq < ?",
                     (level.on_hand, level.reserved, level.damaged, as_of, seq, level.sku, node_id, seq))


def apply_snapshot(conn: sqlite3.Connection, store_id: str, seq: int, snapshot: StockSnapshot, as_of: str) -> None:
    """A snapshot's chunks together are the store's whole stock: once the last chunk is in, whatever no
    chunk mentioned (a row older than the first chunk) is gone from the store."""
    if snapshot.chunk == 1:
        conn.execute("UPDATE store_sync SET snapshot_from_seq=? WHERE store_id=?", (seq, store_id))
    write_levels(conn, store_id, snapshot.levels, as_of, seq)
    if snapshot.chunk >= snapshot.chunks:
        row = conn.execute("SELECT snapshot_from_seq FROM store_sync WHERE store_id=?", (store_id,)).fetchone()
        if row is not None and row[0] is not None:
            conn.execute("DELETE FROM levels WHERE node_id=? AND seq < ?", (store_id, row[0]))
        conn.execute("UPDATE store_sync SET snapshot_from_seq=NULL WHERE store_id=?", (store_id,))


def record_dead_letter(conn: sqlite3.Connection, *, store_id: str | None, epoch: str | None, seq: int | None,
                       type_: str | None, reason: str, data: bytes, received_at: str) -> None:
    conn.execute("INSERT INTO dead_letters (store_id, epoch, seq, type, reason, data, received_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (store_id, epoch, seq, type_, reason, data.decode("utf-8", "replace"), received_at))


def known_positions(conn: sqlite3.Connection) -> dict[str, Position]:
    return {r["store_id"]: Position(r["epoch"], r["applied_seq"])
            for r in conn.execute("SELECT store_id, epoch, applied_seq FROM store_sync WHERE epoch IS NOT NULL")}


def replace_warehouse_levels(conn: sqlite3.Connection, node_id: str, available: dict[str, int], as_of,
                             received_at) -> None:
    """A DC feed is the DC's whole stock: it replaces the previous feed (only stocked SKUs are kept)."""
    db, as_of_text = tables(conn), to_text(as_of)
    db["levels"].delete_where("node_id = ?", [node_id])
    db["levels"].insert_all(({"sku": sku, "node_id": node_id, "on_hand": qty, "reserved": 0, "damaged": 0,
                              "as_of": as_of_text, "seq": 0} for sku, qty in available.items() if qty > 0),
                            batch_size=1000)
    db["nodes"].update(node_id, {"stock_as_of": as_of_text, "stock_received_at": to_text(received_at),
                                 "updated_at": to_text(received_at)})


def warehouse_level_as_of(conn: sqlite3.Connection, node_id: str, sku: str) -> str | None:
    """When the figure held for one SKU of a DC was counted."""
    row = conn.execute("SELECT as_of FROM levels WHERE node_id=? AND sku=?", (node_id, sku)).fetchone()
    return row[0] if row else None


def set_warehouse_level(conn: sqlite3.Connection, node_id: str, sku: str, available: int, as_of,
                        received_at) -> None:
    """One SKU of a DC as counted at `as_of` (an import row); the other SKUs keep theirs. A zero is kept as a row,
    so an older figure cannot come back. The DC's feed time moves to the newest figure it has."""
    as_of_text = to_text(as_of)
    conn.execute("INSERT INTO levels (sku, node_id, on_hand, reserved, damaged, as_of, seq) VALUES (?, ?, ?, 0, 0, ?, 0) "
                 "ON CONFLICT (sku, node_id) DO UPDATE SET on_hand=excluded.on_hand, reserved=0, damaged=0, "
                 "as_of=excluded.as_of, seq=0", (sku, node_id, available, as_of_text))
    conn.execute("UPDATE nodes SET stock_as_of = CASE WHEN stock_as_of IS NULL OR stock_as_of < ?1 THEN ?1 "
                 "ELSE stock_as_of END, stock_received_at=?2, updated_at=?2 WHERE id=?3",
                 (as_of_text, to_text(received_at), node_id))
