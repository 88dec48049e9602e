"""Nodes (stores and warehouses) and how central sees each: registration, sync state, freshness."""

import json
import sqlite3
from datetime import datetime

from central.domain.errors import NodeTypeConflict
from central.domain.freshness import (
    StoreSync,
    store_fresh,
    store_online,
    warehouse_fresh,
)
from central.settings import CentralSettings
from shared.runtime.clock import from_text, to_text


def _time(text: str | None) -> datetime | None:
    return from_text(text) if text else None


def get_node(conn: sqlite3.Connection, node_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM nodes WHERE id=?", (node_id,)).fetchone()


def store_ids(conn: sqlite3.Connection) -> list[str]:
    """Every registered store."""
    return [r["id"] for r in conn.execute("SELECT id FROM nodes WHERE type='store' ORDER BY id")]


def save_node(conn: sqlite3.Connection, node_id: str, node_type: str, fields: dict, now: datetime) -> bool:
    """Create or update a node; True when created. A store cannot become a warehouse or the other way round."""
    existing = get_node(conn, node_id)
    if existing is not None and existing["type"] != node_type:
        raise NodeTypeConflict(f"{node_id} is registered as a {existing['type']}, not a {node_type}; "
                               f"use another id or the {existing['type']}'s own endpoint.")
    values = (node_id, node_type, fields["name"], fields["address"], fields["lat"], fields["lon"],
              json.dumps(fields["capabilities"]), fields.get("ship_capacity_per_day"), to_text(now), to_text(now))
    conn.execute("INSERT INTO nodes (id, type, name, address, lat, lon, capabilities, ship_capacity_per_day, "
                 "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                 "name=excluded.name, address=excluded.address, lat=excluded.lat, lon=excluded.lon, "
                 "capabilities=excluded.capabilities, ship_capacity_per_day=excluded.ship_capacity_per_day, "
                 "updated_at=excluded.updated_at", values)
    return existing is None


def sync_row(conn: sqlite3.Connection, store_id: str) -> sqlite3.Row | None:
    """A store's `store_sync` row with what ingest has parked of it and its conflicts."""
    return conn.execute(
        "SELECT s.*, (SELECT COUNT(*) FROM parked_events p WHERE p.store_id = s.store_id) AS parked, "
        "(SELECT COUNT(*) FROM event_conflicts c WHERE c.store_id = s.store_id) AS conflicts, "
        "(SELECT MAX(received_at) FROM event_conflicts c WHERE c.store_id = s.store_id) AS last_conflict_at "
        "FROM store_sync s WHERE s.store_id=?", (store_id,)).fetchone()


def sync_of(row: sqlite3.Row | None) -> StoreSync:
    if row is None:
        return StoreSync(None, 0, None, None, None)
    return StoreSync(row["epoch"], row["applied_seq"] or 0, _time(row["last_heartbeat_at"]), row["hb_epoch"],
                     row["hb_last_seq"])


def store_view(node: sqlite3.Row | None, sync: sqlite3.Row | None, now: datetime,
               settings: CentralSettings, store_id: str | None = None) -> dict:
    """A store as the API shows it; `node` is None for a store heard from but never registered."""
    state = sync_of(sync)
    view = {"id": node["id"] if node else store_id, "registered": node is not None,
            "name": node["name"] if node else None, "address": node["address"] if node else None,
            "lat": node["lat"] if node else None, "lon": node["lon"] if node else None,
            "capabilities": json.loads(node["capabilities"]) if node else [],
            "ship_capacity_per_day": node["ship_capacity_per_day"] if node else None,
            "online": store_online(now, state.last_heartbeat_at, settings.stale_after),
            "fresh": store_fresh(now, state, settings.stale_after),
            "last_seen": sync["last_heartbeat_at"] if sync else None,
            "backlog": sync["hb_backlog"] if sync else None,
            "oldest_unsent_at": sync["hb_oldest_unsent_at"] if sync else None,
            "epoch": state.epoch, "applied_seq": state.applied_seq,
            "last_seq": state.hb_last_seq,
            "clock_skew_ms": sync["clock_skew_ms"] if sync else None,
            "version": sync["version"] if sync else None,
            "printers": json.loads(sync["printers"]) if sync else [],
            "gap_since": sync["gap_since"] if sync else None,
            # Events waiting above a gap, and those dropped past the bound (the store is asked for them again).
            "parked": sync["parked"] if sync else 0,
            "parked_dropped": sync["parked_dropped"] if sync else 0,
            # Two different events at one (epoch, seq): a second publisher with this store's identity. Both copies
            # are kept; head office should find out which PC is the store's.
            "conflicts": sync["conflicts"] if sync else 0,
            "last_conflict_at": sync["last_conflict_at"] if sync else None}
    return view


def list_stores(conn: sqlite3.Connection, now: datetime, settings: CentralSettings, cursor: str | None,
                limit: int) -> tuple[list[dict], str | None]:
    """Registered stores and stores only heard from, by id; the cursor is the last id of the previous page."""
    rows = conn.execute(
        "SELECT ids.id AS store_id FROM (SELECT id FROM nodes WHERE type='store' UNION "
        "SELECT store_id FROM store_sync WHERE store_id NOT IN (SELECT id FROM nodes)) AS ids "
        "WHERE ids.id > ? ORDER BY ids.id LIMIT ?", (cursor or "", limit + 1)).fetchall()
    ids = [r["store_id"] for r in rows]
    items = [store_view(get_node(conn, i), sync_row(conn, i), now, settings, i) for i in ids[:limit]]
    return items, (ids[limit - 1] if len(ids) > limit else None)


def node_fresh(node: sqlite3.Row, sync: sqlite3.Row | None, now: datetime, settings: CentralSettings) -> bool:
    if node["type"] == "warehouse":
        return warehouse_fresh(now, _time(node["stock_as_of"]), _time(node["stock_received_at"]),
                               settings.warehouse_stale_after)
    return store_fresh(now, sync_of(sync), settings.stale_after)


def fresh_sql(now: datetime, settings: CentralSettings) -> tuple[str, dict[str, str]]:
    """`node_fresh` as an SQL expression over `nodes n LEFT JOIN store_sync s`, with its named parameters: 1 or 0
    for every row at once. Times are stored as `to_text` writes them (fixed width, UTC), so their order as text is
    their order in time, and `now − t < stale_after` is `t > to_text(now − stale_after)`."""
    return ("CASE WHEN n.type = 'warehouse' THEN nullif(n.stock_as_of, '') IS NOT NULL "
            "AND nullif(n.stock_received_at, '') IS NOT NULL "
            "AND min(n.stock_as_of, n.stock_received_at) > :warehouse_fresh_after "
            "ELSE coalesce(s.last_heartbeat_at > :store_fresh_after AND CASE WHEN s.epoch IS NULL "
            "THEN coalesce(s.hb_last_seq, 0) = 0 ELSE s.hb_epoch = s.epoch AND s.applied_seq >= coalesce(s.hb_last_seq, 0) "
            "END, 0) END",
            {"warehouse_fresh_after": to_text(now - settings.warehouse_stale_after),
             "store_fresh_after": to_text(now - settings.stale_after)})


def warehouse_view(node: sqlite3.Row, now: datetime, settings: CentralSettings) -> dict:
    return {"id": node["id"], "type": node["type"], "name": node["name"], "address": node["address"],
            "lat": node["lat"], "lon": node["lon"], "capabilities": json.loads(node["capabilities"]),
            "stock_as_of": node["stock_as_of"], "stock_received_at": node["stock_received_at"],
            "fresh": node_fresh(node, None, now, settings)}
