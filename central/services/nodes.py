"""Registering stores and warehouses, and a warehouse's ERP/WMS stock feed, each one transaction.

What must follow a change outside the database (a new store's NATS consumers, orders waiting for stock)
is handed to the callbacks the composition root gives, after the commit.
"""

from collections.abc import Callable
from datetime import datetime

from central.domain.errors import NodeTypeConflict, StaleFeed
from central.domain.feed_times import check_feed_time
from central.settings import CentralSettings
from central.store import nodes, parking, projection
from shared.contract.errors import NotFound
from shared.runtime.clock import from_text
from shared.runtime.sqlite import Database


class Nodes:
    def __init__(self, db: Database, settings: CentralSettings, *, store_registered: Callable[[str], None],
                 stock_changed: Callable[[], None]):
        self._db = db
        self._settings = settings
        self._store_registered = store_registered
        self._stock_changed = stock_changed

    def register_store(self, store_id: str, fields: dict, now: datetime) -> tuple[bool, dict]:
        """(created, the store's view). Its two durable consumers are asked for at once: until they exist the
        store cannot receive commands or the catalog."""
        with self._db.write() as conn:
            created = nodes.save_node(conn, store_id, "store", fields, now)
        self._store_registered(store_id)
        return created, self.store(store_id, now)

    def store(self, store_id: str, now: datetime) -> dict:
        with self._db.read() as conn:
            node = nodes.get_node(conn, store_id)
            sync = nodes.sync_row(conn, store_id)
        if (node is None and sync is None) or (node is not None and node["type"] != "store"):
            raise NotFound(f"No store {store_id} is registered or has been heard from.")
        return nodes.store_view(node, sync, now, self._settings, store_id)

    def conflicts(self, store_id: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        """A store's conflicting events, oldest first; the cursor is the last row's id."""
        after = int(cursor) if cursor and cursor.isdigit() else 0
        with self._db.read() as conn:
            if nodes.get_node(conn, store_id) is None and nodes.sync_row(conn, store_id) is None:
                raise NotFound(f"No store {store_id} is registered or has been heard from.")
            rows = parking.conflicts_page(conn, store_id, after, limit + 1)
        items = [{"epoch": r["epoch"], "seq": r["seq"], "event_id": r["event_id"], "met_event_id": r["applied_event_id"],
                  "type": r["type"], "received_at": r["received_at"],
                  "event": bytes(r["data"]).decode("utf-8", "replace")} for r in rows[:limit]]
        return items, (str(rows[limit - 1]["id"]) if len(rows) > limit else None)

    def stores(self, now: datetime, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        with self._db.read() as conn:
            return nodes.list_stores(conn, now, self._settings, cursor, limit)

    def register_warehouse(self, node_id: str, fields: dict, now: datetime) -> tuple[bool, dict]:
        with self._db.write() as conn:
            created = nodes.save_node(conn, node_id, "warehouse", fields, now)
            node = nodes.get_node(conn, node_id)
        return created, nodes.warehouse_view(node, now, self._settings)

    def feed_warehouse(self, node_id: str, as_of: datetime, available: dict[str, int], now: datetime) -> dict:
        """The warehouse's whole stock as of `as_of`: it replaces the last feed, unless that one is newer."""
        check_feed_time(as_of, now)
        with self._db.write() as conn:
            node = nodes.get_node(conn, node_id)
            if node is None:
                raise NotFound(f"No node {node_id} is registered; register it with PUT /v1/nodes/{node_id} first.")
            if node["type"] != "warehouse":
                raise NodeTypeConflict(f"{node_id} is a store: its stock comes from its own events, not a feed.")
            if node["stock_as_of"] and from_text(node["stock_as_of"]) > as_of:
                raise StaleFeed(f"A feed as of {node['stock_as_of']} is already applied; this one is older.",
                                current_as_of=node["stock_as_of"])
            projection.replace_warehouse_levels(conn, node_id, available, as_of, now)
            node = nodes.get_node(conn, node_id)
        self._stock_changed()  # orders waiting for stock may get it from this warehouse now
        return nodes.warehouse_view(node, now, self._settings)
