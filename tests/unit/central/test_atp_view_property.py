"""Invariant: the ATP answer of one SKU (`atp_view`, read at thousands of nodes on every ask) is, node by node and in
total, what building it row by row from every node's figures (`node_figures`, the units pending there, `atp_of`)
says, whatever the nodes' kinds, levels, feed times, freshness, safety stock and pending units."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.domain.atp import atp_of
from central.settings import CentralSettings
from central.store.atp import atp_view, pending_by_node
from central.store.schema import open_database
from shared.runtime.clock import to_text
from tests.unit.central.atp_reference import node_figures

SETTINGS = CentralSettings(admin_token="atp-view-token-7e2a", stale_after_s=60, warehouse_stale_after_s=3600)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
SKU = "SKU-1"
TABLES = ("nodes", "store_sync", "levels", "safety_stock", "sku_safety_stock", "allocations", "allocation_lines",
          "transfers", "transfer_lines")


def _ago(seconds: int | None) -> str | None:
    return None if seconds is None else to_text(NOW - timedelta(seconds=seconds))


TIMES = st.sampled_from([None, "", 5, 30, 120, 7200]).map(lambda t: t if t in (None, "") else _ago(t))
NODE = st.fixed_dictionaries({
    "warehouse": st.booleans(),
    "registered": st.integers(0, 9).map(lambda n: n > 0),
    "level": st.none() | st.tuples(st.integers(-5, 30), st.integers(0, 10), st.sampled_from(["", _ago(3)])),
    "stock_as_of": TIMES, "stock_received_at": TIMES,
    "heard": st.none() | st.sampled_from([5, 30, 120]).map(_ago),
    "caught_up": st.booleans(),
    "safety": st.none() | st.integers(0, 6),
    "allocated": st.none() | st.tuples(st.integers(1, 5), st.sampled_from(["pending", "accepted", "cancelled"]),
                                       st.sampled_from([10, 7200]).map(_ago)),
    "transfer_asked": st.none() | st.integers(1, 4),
})


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    database = open_database(tmp_path_factory.mktemp("atp-view") / "central.db")
    with database.write() as conn:
        conn.execute("INSERT INTO products (sku, name, price, currency, tax_rate_bp, active, updated_at) "
                     "VALUES (?, 'p', 100, 'EUR', 0, 1, '')", (SKU,))
    yield database
    database.close()


def _network(conn, nodes: list[dict], sku_default: int | None) -> None:
    for table in TABLES:
        conn.execute(f"DELETE FROM {table}")
    if sku_default is not None:
        conn.execute("INSERT INTO sku_safety_stock (sku, qty) VALUES (?, ?)", (SKU, sku_default))
    for i, node in enumerate(nodes):
        node_id, kind = f"N{i:03d}", "warehouse" if node["warehouse"] else "store"
        if node["registered"]:
            conn.execute("INSERT INTO nodes (id, type, name, address, lat, lon, stock_as_of, stock_received_at, "
                         "created_at, updated_at) VALUES (?, ?, 'n', '', 0, 0, ?, ?, '', '')",
                         (node_id, kind, node["stock_as_of"], node["stock_received_at"]))
        if not node["warehouse"] and node["heard"] is not None:
            conn.execute("INSERT INTO store_sync (store_id, epoch, applied_seq, last_heartbeat_at, hb_epoch, "
                         "hb_last_seq) VALUES (?, 'e', ?, ?, 'e', 4)", (node_id, 4 if node["caught_up"] else 3,
                                                                     node["heard"]))
        if node["level"] is not None:
            on_hand, reserved, as_of = node["level"]
            conn.execute("INSERT INTO levels (sku, node_id, on_hand, reserved, damaged, as_of) VALUES (?, ?, ?, ?, 0, ?)",
                         (SKU, node_id, on_hand, reserved, as_of))
        if node["safety"] is not None:
            conn.execute("INSERT INTO safety_stock (node_id, sku, qty) VALUES (?, ?, ?)", (node_id, SKU, node["safety"]))
        if node["allocated"] is not None:
            qty, status, created_at = node["allocated"]
            conn.execute("INSERT INTO allocations (id, order_id, node_id, node_type, type, status, created_at, "
                         "updated_at) VALUES (?, 'o', ?, ?, 'ship', ?, ?, '')",
                         (f"A{i}", node_id, kind, status, created_at))
            conn.execute("INSERT INTO allocation_lines (allocation_id, sku, node_id, qty) VALUES (?, ?, ?, ?)",
                         (f"A{i}", SKU, node_id, qty))
        if node["transfer_asked"] is not None:
            conn.execute("INSERT INTO transfers (id, from_node, to_node, status, created_at, updated_at) "
                         "VALUES (?, ?, 'N000', 'requested', '', '')", (f"T{i}", node_id))
            conn.execute("INSERT INTO transfer_lines (transfer_id, sku, qty) VALUES (?, ?, ?)",
                         (f"T{i}", SKU, node["transfer_asked"]))


def _row_by_row(conn, safety_default: int) -> dict:
    """The answer built one node at a time from `node_figures`, as it was built before."""
    pending = {node_id: qty for (_, node_id), qty in pending_by_node(conn, [SKU]).items()}
    nodes, atp, on_hand, reserved = [], 0, 0, 0
    for _, node_id, node_type, held, kept, safety, fresh, as_of in node_figures(conn, [SKU], NOW, SETTINGS,
                                                                                 safety_default):
        waiting = pending.get(node_id, 0)
        promised = atp_of(held, kept, waiting, safety, fresh == 1)
        atp, on_hand, reserved = atp + promised, on_hand + held, reserved + kept
        nodes.append({"node_id": node_id, "type": node_type, "on_hand": held, "reserved": kept, "pending": waiting,
                      "safety_stock": safety, "atp": promised, "fresh": fresh == 1, "as_of": as_of})
    return {"network": {"atp": atp, "on_hand": on_hand, "reserved": reserved}, "nodes": nodes}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(nodes=st.lists(NODE, min_size=1, max_size=12), sku_default=st.none() | st.integers(0, 4),
       safety_default=st.integers(0, 3))
def test_the_answer_is_the_row_by_row_building(db, nodes, sku_default, safety_default):
    with db.write() as conn:
        _network(conn, nodes, sku_default)
    with db.read() as conn:
        answer = atp_view(conn, SKU, NOW, SETTINGS, safety_default)
        expected = _row_by_row(conn, safety_default)
    assert {"network": answer["network"], "nodes": answer["nodes"]} == expected
