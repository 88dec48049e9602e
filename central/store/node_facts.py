"""What ATP and routing read of every node (its type, where it is, what it can do, from when its freshness counts),
kept in memory in central's process and brought up to date from the rows, so a request joins nothing per node.

Every write to `nodes` or to what freshness reads of `store_sync`, whoever makes it and on whichever connection,
goes through the triggers below: they give the node a new generation in `node_changes` (one row per node, its last
change; AUTOINCREMENT never gives a generation twice). A request reads, on its own connection and snapshot, the
rows from the generation the memory holds on (one range read on the rowid, mostly one row); only the nodes changed
since are read again. The memory itself only ever moves on from committed rows (read on a read-only connection):
what a writer's open transaction has changed is read on that connection for that request only, so a transaction
rolled back leaves nothing behind. A reader whose snapshot is older than the memory reads again the nodes changed
since its snapshot. So each answer is what the rows of the caller's snapshot say, at every moment.
"""

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import NamedTuple

import numpy as np

from central.domain.freshness import StoreSync, store_fresh_since, warehouse_fresh_since
from shared.runtime.clock import from_text
from shared.runtime.sqlite import Database

# What freshness reads of a store's sync row; its other columns (backlog, printers, parking) change nothing here.
_SYNC_FACTS = ("epoch", "applied_seq", "last_heartbeat_at", "hb_epoch", "hb_last_seq")


def _changed(node_id: str) -> str:
    return f"DELETE FROM node_changes WHERE node_id = {node_id}; INSERT INTO node_changes (node_id) VALUES ({node_id});"


MIGRATION = f"""
CREATE TABLE node_changes (                      -- each node's last change of what ATP and routing read of it
    gen INTEGER PRIMARY KEY AUTOINCREMENT,       -- the change's generation: never given twice
    node_id TEXT NOT NULL UNIQUE
);
INSERT INTO node_changes (node_id) SELECT id FROM nodes UNION SELECT store_id FROM store_sync;
CREATE TRIGGER node_added AFTER INSERT ON nodes BEGIN {_changed("NEW.id")} END;
CREATE TRIGGER node_changed AFTER UPDATE ON nodes BEGIN {_changed("OLD.id")} {_changed("NEW.id")} END;
CREATE TRIGGER node_removed AFTER DELETE ON nodes BEGIN {_changed("OLD.id")} END;
CREATE TRIGGER store_sync_added AFTER INSERT ON store_sync BEGIN {_changed("NEW.store_id")} END;
CREATE TRIGGER store_sync_changed AFTER UPDATE ON store_sync WHEN OLD.store_id IS NOT NEW.store_id OR
    {" OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _SYNC_FACTS)}
    BEGIN {_changed("OLD.store_id")} {_changed("NEW.store_id")} END;
CREATE TRIGGER store_sync_removed AFTER DELETE ON store_sync BEGIN {_changed("OLD.store_id")} END;
"""


class NodeFact(NamedTuple):
    """One registered node as ATP and routing see it."""

    type: str
    warehouse: bool
    fresh_since: datetime            # `central.domain.freshness`; NEVER: stale whatever the time
    stock_as_of: str | None          # a warehouse's last feed, as stored (a level without its own time shows it)
    lat: float
    lon: float
    capabilities: str                # as stored: a JSON list of words
    ship_capacity_per_day: int | None


_FACTS = ("SELECT n.id, n.type, n.stock_as_of, n.stock_received_at, n.lat, n.lon, n.capabilities, "
          f"n.ship_capacity_per_day, {', '.join(f's.{c}' for c in _SYNC_FACTS)} "
          "FROM nodes n LEFT JOIN store_sync s ON s.store_id = n.id")


NEVER = datetime.min.replace(tzinfo=timezone.utc)  # earlier than any `now - stale_after`


def _time(text: str | None) -> datetime | None:
    """A stored time (`to_text` wrote it); a text that is no time counts as none (stale), never as an error."""
    try:
        return from_text(text) if text else None
    except ValueError:
        return None


def _fact(row: tuple) -> tuple[str, NodeFact]:
    (node_id, node_type, as_of, received_at, lat, lon, capabilities, capacity,
     epoch, applied_seq, heard_at, hb_epoch, hb_last_seq) = row
    warehouse = node_type == "warehouse"
    since = (warehouse_fresh_since(_time(as_of), _time(received_at)) if warehouse else
             store_fresh_since(StoreSync(epoch, applied_seq or 0, _time(heard_at), hb_epoch, hb_last_seq)))
    return node_id, NodeFact(node_type, warehouse, NEVER if since is None else since, as_of if warehouse else None,
                             lat, lon, capabilities, capacity)


def _read(conn: sqlite3.Connection, nodes: Iterable[str] | None = None) -> dict[str, NodeFact]:
    """The facts of these nodes (every node when None) as `conn` sees them; a node not registered has none."""
    cursor = conn.cursor()
    cursor.row_factory = None
    if nodes is None:
        return dict(map(_fact, cursor.execute(_FACTS)))
    return dict(map(_fact, cursor.execute(f"{_FACTS} WHERE n.id IN (SELECT value FROM json_each(?))",
                                          (json.dumps(list(nodes)),))))


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch, exactly (a float timestamp could round)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _row(fact: NodeFact) -> tuple:
    """A node's values in `NodeColumns`' arrays, in their order."""
    return (fact.warehouse, micros(fact.fresh_since), fact.lat, fact.lon,
            # Capabilities are a JSON list of plain words: a word in quotes in its text is one of them.
            '"ship"' in fact.capabilities if fact.warehouse else '"ship_from_store"' in fact.capabilities,
            '"pickup"' in fact.capabilities,
            np.nan if fact.warehouse or fact.ship_capacity_per_day is None else fact.ship_capacity_per_day)


_DTYPES = (bool, np.int64, float, float, bool, bool, float)


def _fixed(column: np.ndarray) -> np.ndarray:
    """A column shared by every reader of one state: read-only, so no reader can change it for the others."""
    column.flags.writeable = False
    return column


@dataclass(frozen=True)
class NodeColumns:
    """Every registered node by id, as columns (what routing reads of each)."""

    ids: list[str]
    types: list[str]
    warehouse: np.ndarray
    fresh_since_us: np.ndarray        # microseconds since the epoch
    lat: np.ndarray
    lon: np.ndarray
    can_ship: np.ndarray
    pickup: np.ndarray
    ship_capacity: np.ndarray         # NaN: no limit (stores only)

    @classmethod
    def of(cls, by_id: dict[str, NodeFact]) -> "NodeColumns":
        ids = sorted(by_id)
        facts = [by_id[node_id] for node_id in ids]
        rows = list(zip(*map(_row, facts))) if facts else [()] * len(_DTYPES)
        return cls(ids, [f.type for f in facts],
                   *(_fixed(np.array(values, dtype=dtype)) for values, dtype in zip(rows, _DTYPES)))

    def with_facts(self, facts: dict[str, NodeFact]) -> "NodeColumns":
        """These columns with some nodes' facts changed (the same nodes): a few rows written, nothing rebuilt."""
        types, arrays = list(self.types), [np.array(column) for column in self.arrays]
        for node_id, fact in facts.items():
            at = self.position[node_id]
            types[at] = fact.type
            for column, value in zip(arrays, _row(fact)):
                column[at] = value
        changed = NodeColumns(self.ids, types, *map(_fixed, arrays))
        changed.__dict__["position"] = self.position  # the same nodes in the same places
        return changed

    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        return (self.warehouse, self.fresh_since_us, self.lat, self.lon, self.can_ship, self.pickup,
                self.ship_capacity)

    @cached_property
    def position(self) -> dict[str, int]:
        return {node_id: i for i, node_id in enumerate(self.ids)}


class KnownNodes:
    """The registered nodes' facts as one snapshot of the database says them (never changed once made)."""

    def __init__(self, by_id: dict[str, NodeFact], gens: dict[str, int] | None = None, gen: int = 0,
                 columns: NodeColumns | None = None):
        self.by_id = by_id
        self.gens = gens or {}   # each node's last change (also of nodes removed since)
        self.gen = gen           # the last change these facts include
        self._columns = columns

    @property
    def columns(self) -> NodeColumns:
        """As columns, made at the first ask (routing's), then carried over each change (a heartbeat is a row)."""
        if self._columns is None:
            self._columns = NodeColumns.of(self.by_id)
        return self._columns

    def changed(self, facts: dict[str, NodeFact], nodes: Iterable[str], gens: dict[str, int] | None = None,
                gen: int = 0) -> "KnownNodes":
        """These facts with `nodes` read again: `facts` holds those still registered."""
        by_id = self.by_id.copy()
        same_nodes = True
        for node_id in nodes:
            if node_id in facts:
                same_nodes &= node_id in by_id
                by_id[node_id] = facts[node_id]
            else:
                same_nodes &= by_id.pop(node_id, None) is None
        columns = self._columns.with_facts(facts) if self._columns is not None and same_nodes else None
        return KnownNodes(by_id, gens, gen, columns)


class NodeFacts:
    """The memory of every node's facts for one database (`at` gives them as a connection's snapshot says)."""

    def __init__(self, db: Database):
        self._db = db
        self._lock = threading.Lock()      # one catch-up at a time; readers take the state as it is
        self._state: KnownNodes | None = None

    def at(self, conn: sqlite3.Connection) -> KnownNodes:
        """The registered nodes' facts as `conn` sees them now: its snapshot, and its own transaction's writes."""
        state = self._state or self._caught_up()
        rows = conn.execute("SELECT gen, node_id FROM node_changes WHERE gen >= ? ORDER BY gen",
                            (state.gen,)).fetchall()
        if rows and rows[-1][0] == state.gen or not rows and state.gen == 0:
            return state  # nothing changed since: the usual case
        if rows:
            seen = rows[-1][0]
            state = self._caught_up()  # what others committed since; the rest is this connection's own
            changed = ({node_id for gen, node_id in rows if gen > state.gen} if seen >= state.gen else
                       {node_id for node_id, gen in state.gens.items() if gen > seen})
        else:  # a snapshot older than the memory: the nodes changed since are read as it saw them
            seen = conn.execute("SELECT coalesce(max(gen), 0) FROM node_changes").fetchone()[0]
            changed = {node_id for node_id, gen in state.gens.items() if gen > seen}
        if not changed:
            return state
        return state.changed(_read(conn, changed), changed)

    def _caught_up(self) -> KnownNodes:
        """The memory brought up to the last commit."""
        with self._lock, self._db.read_only() as conn:
            conn.execute("BEGIN")  # the changes and the facts read again from one snapshot
            try:
                state = self._state
                if state is None:
                    gens = dict(conn.execute("SELECT node_id, gen FROM node_changes").fetchall())
                    state = KnownNodes(_read(conn), gens, max(gens.values(), default=0))
                else:
                    rows = conn.execute("SELECT gen, node_id FROM node_changes WHERE gen > ? ORDER BY gen",
                                        (state.gen,)).fetchall()
                    if rows:
                        changed = {node_id: gen for gen, node_id in rows}
                        state = state.changed(_read(conn, changed), changed, state.gens | changed, rows[-1][0])
            finally:
                conn.execute("COMMIT")
            self._state = state
            return state
