"""Invariant: ATP of a SKU and routing's inputs answered from the nodes' facts kept in memory (`NodeFacts`) are, at
every moment, what the same reads joined in SQL say (`atp_view` and `node_table` without `facts`, and the reports'
ATP totals as `stocks_of`'s nodes sum them): over random
sequences of node registrations and changes (type, capabilities, feeds), heartbeats, ingest positions and epochs,
safety stock, allocations, transfers and levels, written on another connection than the reader's in transactions
that commit or roll back; read after each commit, inside the writer's open transaction, on a snapshot older than
the memory, and at moments on both sides of `stale_after` and `warehouse_stale_after`; and by readers on several
threads sharing one memory while a writer keeps changing the nodes."""

import random
import threading
from datetime import datetime, timedelta, timezone
from itertools import count

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.domain.atp import node_atp
from central.domain.policy import RoutingPolicy
from central.settings import CentralSettings
from central.store.atp import atp_totals, atp_view
from central.store.node_facts import NodeFacts
from central.store.routing_inputs import node_table
from central.store.schema import open_database
from shared.runtime.clock import to_text, utc_now
from shared.runtime.sqlite import connect, reader
from tests.unit.central.atp_reference import stocks_of

SETTINGS = CentralSettings(admin_token="node-facts-token-5b8e", stale_after_s=15, warehouse_stale_after_s=3600)
BASE = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
SKUS = ("SKU-1", "SKU-2")
POLICY = RoutingPolicy(safety_stock_default=1)
TABLES = ("nodes", "store_sync", "levels", "safety_stock", "sku_safety_stock", "allocation_lines", "allocations",
          "transfer_lines", "transfers")
# Around both limits: just inside, at and just past 15 s and 1 h (stored to the millisecond, `now` to the µs).
AGES_MS = [0, 1, 14_999, 15_000, 15_001, 3_599_999, 3_600_000, 3_600_001, 90_000_000]
NOW_US = [0, 1, 999, 1_000, 5_000_000, 15_000_000, 15_000_999, 3_600_000_000, 3_600_001_000]
RECENT_MS = [0, 1, 14_999, 15_000]   # a store heard from lately: its freshness turns on the rest

NODE = st.sampled_from(["N0", "N1", "N2"])
KIND = st.sampled_from(["store", "warehouse"])
TIME = st.none() | st.just("") | st.sampled_from(AGES_MS).map(lambda ms: to_text(BASE - timedelta(milliseconds=ms)))
HEARD = st.sampled_from(RECENT_MS).map(lambda ms: to_text(BASE - timedelta(milliseconds=ms))) | TIME
EPOCH = st.sampled_from([None, "e1", "e2"])
SEQ = st.none() | st.integers(0, 3)
SKU = st.sampled_from(SKUS)

OPS = st.one_of(
    st.tuples(st.just("register"), NODE, KIND, st.sampled_from(['[]', '["pickup"]', '["ship_from_store", "pickup"]',
                                                                '["ship"]', '["ship", "pickup"]']),
              st.none() | st.integers(0, 2), st.floats(-1, 1)),
    st.tuples(st.just("retype"), NODE, KIND),
    st.tuples(st.just("remove"), NODE),
    st.tuples(st.just("feed"), NODE, TIME, TIME),
    *[st.tuples(st.just("heartbeat"), NODE, HEARD, EPOCH, SEQ),   # the most frequent writes, as at central
      st.tuples(st.just("position"), NODE, EPOCH, st.integers(0, 3))] * 3,
    st.tuples(st.just("sync_noise"), NODE),
    st.tuples(st.just("forget_sync"), NODE),
    st.tuples(st.just("level"), NODE, SKU, st.none() | st.tuples(st.integers(-2, 20), st.integers(0, 5), TIME)),
    st.tuples(st.just("safety"), NODE, SKU, st.none() | st.integers(0, 4)),
    st.tuples(st.just("sku_safety"), SKU, st.none() | st.integers(0, 3)),
    st.tuples(st.just("allocate"), NODE, SKU, st.integers(1, 4), st.sampled_from(["pending", "accepted", "cancelled"]),
              TIME.filter(lambda t: t is not None)),
    st.tuples(st.just("transfer"), NODE, SKU, st.integers(1, 3)),
)
HEARD_NOW = to_text(BASE)
START_NODES = [("register", "N0", "store", '["pickup"]', None, 0.5), ("register", "N1", "store", "[]", 1, 0.0),
               ("register", "N2", "warehouse", '["ship"]', None, -0.5)]
START_SYNC = [("feed", "N2", HEARD_NOW, HEARD_NOW), ("heartbeat", "N0", HEARD_NOW, "e1", 2),
              ("position", "N0", "e1", 2), ("heartbeat", "N1", HEARD_NOW, None, None)] + [
    ("level", node_id, sku, (9, 1, "")) for node_id in ("N0", "N1", "N2") for sku in SKUS]
# Each step: a transaction of a few writes, committed or rolled back; an older snapshot held across it or not;
# the moment read at.
STEPS = st.lists(st.tuples(st.lists(OPS, min_size=1, max_size=4), st.booleans(), st.booleans(),
                           st.sampled_from(NOW_US[:4]) | st.sampled_from(NOW_US)), min_size=1, max_size=12)


def _write(conn, op: tuple, ids) -> None:
    kind, *args = op
    if kind == "register":
        node_id, node_type, capabilities, capacity, lat = args
        conn.execute("INSERT INTO nodes (id, type, name, address, lat, lon, capabilities, ship_capacity_per_day, "
                     "created_at, updated_at) VALUES (?, ?, 'n', '', ?, 0, ?, ?, '', '') ON CONFLICT (id) DO UPDATE "
                     "SET lat=excluded.lat, capabilities=excluded.capabilities, "
                     "ship_capacity_per_day=excluded.ship_capacity_per_day", (node_id, node_type, lat, capabilities,
                                                                              capacity))
    elif kind == "retype":
        conn.execute("UPDATE nodes SET type=? WHERE id=?", (args[1], args[0]))
    elif kind == "remove":
        conn.execute("DELETE FROM nodes WHERE id=?", args)
    elif kind == "feed":
        conn.execute("UPDATE nodes SET stock_as_of=?, stock_received_at=? WHERE id=?", (args[1], args[2], args[0]))
    elif kind == "heartbeat":
        conn.execute("INSERT INTO store_sync (store_id, last_heartbeat_at, hb_epoch, hb_last_seq) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (store_id) DO UPDATE SET last_heartbeat_at=excluded.last_heartbeat_at, "
                     "hb_epoch=excluded.hb_epoch, hb_last_seq=excluded.hb_last_seq", args)
    elif kind == "position":
        conn.execute("INSERT INTO store_sync (store_id, epoch, applied_seq) VALUES (?, ?, ?) ON CONFLICT (store_id) "
                     "DO UPDATE SET epoch=excluded.epoch, applied_seq=excluded.applied_seq", args)
    elif kind == "sync_noise":  # columns freshness does not read
        conn.execute("UPDATE store_sync SET hb_backlog = coalesce(hb_backlog, 0) + 1, printers = '[]' "
                     "WHERE store_id=?", args)
    elif kind == "forget_sync":
        conn.execute("DELETE FROM store_sync WHERE store_id=?", args)
    elif kind == "level":
        node_id, sku, level = args
        conn.execute("DELETE FROM levels WHERE sku=? AND node_id=?", (sku, node_id))
        if level is not None:
            on_hand, reserved, as_of = level
            conn.execute("INSERT INTO levels (sku, node_id, on_hand, reserved, damaged, as_of) "
                         "VALUES (?, ?, ?, ?, 0, ?)", (sku, node_id, on_hand, reserved, as_of or ""))
    elif kind == "safety":
        node_id, sku, qty = args
        conn.execute("DELETE FROM safety_stock WHERE sku=? AND node_id=?", (sku, node_id))
        if qty is not None:
            conn.execute("INSERT INTO safety_stock (node_id, sku, qty) VALUES (?, ?, ?)", (node_id, sku, qty))
    elif kind == "sku_safety":
        sku, qty = args
        conn.execute("DELETE FROM sku_safety_stock WHERE sku=?", (sku,))
        if qty is not None:
            conn.execute("INSERT INTO sku_safety_stock (sku, qty) VALUES (?, ?)", (sku, qty))
    elif kind == "allocate":
        node_id, sku, qty, status, created_at = args
        allocation = f"A{next(ids)}"
        conn.execute("INSERT INTO allocations (id, order_id, node_id, node_type, type, status, created_at, "
                     "updated_at) VALUES (?, 'o', ?, coalesce((SELECT type FROM nodes WHERE id=?), 'store'), 'ship', "
                     "?, ?, '')", (allocation, node_id, node_id, status, created_at))
        conn.execute("INSERT INTO allocation_lines (allocation_id, sku, node_id, qty) VALUES (?, ?, ?, ?)",
                     (allocation, sku, node_id, qty))
    elif kind == "transfer":
        node_id, sku, qty = args
        transfer = f"T{next(ids)}"
        conn.execute("INSERT INTO transfers (id, from_node, to_node, status, created_at, updated_at) "
                     "VALUES (?, ?, 'N0', 'requested', '', '')", (transfer, node_id))
        conn.execute("INSERT INTO transfer_lines (transfer_id, sku, qty) VALUES (?, ?, ?)", (transfer, sku, qty))


def _assert_same(conn, facts: NodeFacts, now: datetime) -> None:
    for sku in SKUS:
        assert atp_view(conn, sku, now, SETTINGS, 1, facts=facts) == atp_view(conn, sku, now, SETTINGS, 1)
    for nodes in (None, ["N2", "N0", "N9", "N0"]):  # every node; a plan's chosen ones (one never registered)
        ours, joined = (node_table(conn, list(SKUS), now, SETTINGS, POLICY, nodes, f) for f in (facts, None))
        for name in ("ids", "types", "lat", "lon", "can_ship", "pickup", "fresh", "capacity_left"):
            assert np.array_equal(getattr(ours, name), getattr(joined, name)), name
        assert ours.atp.keys() == joined.atp.keys()
        for sku in ours.atp:
            assert np.array_equal(ours.atp[sku], joined.atp[sku]), sku
    for node in (None, "N0", "N1", "N9"):  # the reports' stockouts: the network's ATP, or one node's
        stocks = stocks_of(conn, [*SKUS, "SKU-NONE"], now, SETTINGS, 1)
        joined = {sku: sum(node_atp(s) for s in stocks.get(sku, []) if node is None or s.node_id == node)
                  for sku in (*SKUS, "SKU-NONE")}
        assert atp_totals(conn, [*SKUS, "SKU-NONE", SKUS[0]], now, SETTINGS, 1, facts, node) == joined, node


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    path = tmp_path_factory.mktemp("node-facts") / "central.db"
    db = open_database(path)
    writer = connect(path)  # another connection than every reader's, as ingest's and the API's writes are
    older = reader(path)
    with db.write() as conn:
        conn.executemany("INSERT INTO products (sku, name, price, currency, tax_rate_bp, active, updated_at) "
                         "VALUES (?, 'p', 100, 'EUR', 0, 1, '')", [(sku,) for sku in SKUS])
    yield db, writer, older
    older.close()
    writer.close()
    db.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_facts_in_memory_answer_what_the_joins_answer(central, steps):
    db, writer, older = central
    facts, ids = NodeFacts(db), count()
    # Every node registered, then heard from and stocked: the writes below change a live network.
    for start in ([f"DELETE FROM {table}" for table in TABLES] + START_NODES, START_SYNC):
        writer.execute("BEGIN IMMEDIATE")
        for op in start:
            writer.execute(op) if isinstance(op, str) else _write(writer, op, None)
        writer.execute("COMMIT")
        with db.read() as conn:
            _assert_same(conn, facts, BASE)
    for writes, commit, hold_older, now_us in steps:
        now = BASE + timedelta(microseconds=now_us)
        if hold_older:
            older.execute("BEGIN")
            _assert_same(older, facts, now)  # its snapshot starts here, before the writes below
        writer.execute("BEGIN IMMEDIATE")
        for op in writes:
            _write(writer, op, ids)
        _assert_same(writer, facts, now)  # the writer's own transaction, not committed yet
        writer.execute("COMMIT" if commit else "ROLLBACK")
        with db.read() as conn:
            _assert_same(conn, facts, now)
            _assert_same(conn, facts, BASE + timedelta(microseconds=NOW_US[(now_us * 7 + 3) % len(NOW_US)]))
        if hold_older:
            _assert_same(older, facts, now)  # older than what the memory has caught up to
            older.execute("COMMIT")


def test_readers_on_several_threads_sharing_the_memory_see_what_the_joins_see(tmp_path):
    db = open_database(tmp_path / "central.db")
    with db.write() as conn:
        conn.execute("INSERT INTO products (sku, name, price, currency, tax_rate_bp, active, updated_at) "
                     "VALUES ('SKU-1', 'p', 100, 'EUR', 0, 1, '')")
        for i in range(30):
            _write(conn, ("register", f"S{i:02d}", "store", "[]", None, 0.0), None)
            _write(conn, ("level", f"S{i:02d}", "SKU-1", (5, 0, "")), None)
    facts, done, differences = NodeFacts(db), threading.Event(), []

    def heartbeats() -> None:  # heard lately or not, committed or rolled back, as fast as it goes
        writer, rng = connect(db.path), random.Random(7)
        while not done.is_set():
            writer.execute("BEGIN IMMEDIATE")
            for _ in range(rng.randint(1, 3)):
                heard = to_text(utc_now() - timedelta(seconds=rng.choice([1, 30])))
                _write(writer, ("heartbeat", f"S{rng.randrange(30):02d}", heard, None, 0), None)
            writer.execute("COMMIT" if rng.random() < 0.8 else "ROLLBACK")
        writer.close()

    def reader() -> None:
        for _ in range(150):
            with db.read() as conn:
                now = utc_now()
                if atp_view(conn, "SKU-1", now, SETTINGS, facts=facts) != atp_view(conn, "SKU-1", now, SETTINGS):
                    differences.append(now)

    writing, reading = threading.Thread(target=heartbeats), [threading.Thread(target=reader) for _ in range(3)]
    for thread in (writing, *reading):
        thread.start()
    for thread in reading:
        thread.join()
    done.set()
    writing.join()
    db.close()
    assert differences == []
