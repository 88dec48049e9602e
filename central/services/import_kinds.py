"""What one row of each import kind does, inside the batch's transaction, and what must follow after the commit.

A row is validated by the model of the single-item route before it gets here (the door hands the model over), so
these only check what needs the database: the node exists, the SKU exists, the feed is not older than the one held.
"""

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from central.domain.errors import FeedFromTheFuture, NodeTypeConflict
from central.domain.feed_times import check_feed_time
from central.store import catalog, nodes, projection
from central.store import safety_stock as safety_store
from shared.contract.errors import NotFound, UnknownSku
from shared.runtime.clock import from_text


class RowRefused(Exception):
    """The row is valid on its own but cannot apply: nothing of it changed."""

    def __init__(self, column: str | None, message: str):
        super().__init__(message)
        self.column, self.message = column, message


@dataclass(frozen=True)
class ImportKind:
    apply: Callable[[sqlite3.Connection, object, datetime], None]
    after_commit: Callable[[list], None]
    # Rows of a kind the database cannot refuse once valid: the batch's valid rows in one statement (far faster).
    apply_all: Callable[[sqlite3.Connection, list, datetime], None] | None = None
    # Columns another kind's export adds, skipped so that export loads back here.
    ignored_columns: frozenset[str] = field(default_factory=frozenset)
    # Cells holding a list, its items separated by spaces.
    list_columns: frozenset[str] = field(default_factory=frozenset)


def _apply_product(conn: sqlite3.Connection, product, now: datetime) -> None:
    catalog.save_product(conn, product, now)


def _apply_store(conn: sqlite3.Connection, row, now: datetime) -> None:
    try:
        nodes.save_node(conn, row.id, "store", row.model_dump(exclude={"id"}), now)
    except NodeTypeConflict as e:
        raise RowRefused("id", e.detail) from e


def _warehouse(conn: sqlite3.Connection, node_id: str) -> sqlite3.Row:
    node = nodes.get_node(conn, node_id)
    if node is None:
        raise RowRefused("node_id", f"No node {node_id} is registered; register it with PUT /v1/nodes/{node_id} "
                                    "first.")
    if node["type"] != "warehouse":
        raise RowRefused("node_id", f"{node_id} is a store: its stock comes from its own events, not an import.")
    return node


def _apply_warehouse_stock(conn: sqlite3.Connection, row, now: datetime) -> None:
    try:
        check_feed_time(row.as_of, now)
    except FeedFromTheFuture as e:
        raise RowRefused("as_of", e.detail) from e
    _warehouse(conn, row.node_id)
    held = projection.warehouse_level_as_of(conn, row.node_id, row.sku)
    if held is not None and from_text(held) > row.as_of:
        raise RowRefused("as_of", f"{row.node_id} already has a figure for {row.sku} as of {held}; this one is "
                                  "older.")
    projection.set_warehouse_level(conn, row.node_id, row.sku, row.available, row.as_of, now)


def _apply_safety_stock(conn: sqlite3.Connection, row, now: datetime) -> None:
    try:
        safety_store.save(conn, row)
    except UnknownSku as e:
        raise RowRefused("sku", e.detail) from e
    except NotFound as e:
        raise RowRefused("node_id", e.detail) from e


def import_kinds(*, catalog_changed: Callable[[], None], store_registered: Callable[[str], None],
                 stock_changed: Callable[[], None]) -> dict[str, ImportKind]:
    """Each kind by the name in `POST /v1/imports/{kind}`, with what follows its commits."""
    return {
        # Published to the stores as a single PUT is: the rows are marked unpublished, the publisher is woken.
        "products": ImportKind(_apply_product, lambda rows: catalog_changed(), apply_all=catalog.save_products),
        "stores": ImportKind(_apply_store, lambda rows: [store_registered(r.id) for r in rows],
                             list_columns=frozenset({"capabilities"})),
        # Waiting orders may find stock now (or, with less safety stock, ATP).
        "warehouse-stock": ImportKind(_apply_warehouse_stock, lambda rows: stock_changed(),
                                      ignored_columns=frozenset({"node_type", "on_hand", "reserved", "damaged"})),
        "safety-stock": ImportKind(_apply_safety_stock, lambda rows: stock_changed()),
    }
