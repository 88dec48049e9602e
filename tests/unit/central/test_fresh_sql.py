"""Invariant: freshness read set-wise in SQL (`fresh_sql`, used by ATP and routing at thousands of nodes) says of
every node what the rule of DESIGN §4/§5 (`node_fresh`, over `central.domain.freshness`) says, whatever the node's
feed, heartbeat and applied position, and wherever `now` falls against the stored times.

The states are few enough to try every one of them (each time just inside, at and just past both limits)."""

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from central.settings import CentralSettings
from central.store.nodes import fresh_sql, node_fresh
from central.store.schema import open_database
from shared.runtime.clock import to_text

SETTINGS = CentralSettings(admin_token="fresh-sql-token-4c1d", stale_after_s=15, warehouse_stale_after_s=3600)
BASE = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
STORE_AGES_MS = [None, 0, 14_999, 15_000, 15_001, 90_000]
WAREHOUSE_AGES_MS = [None, 0, 14_999, 3_599_999, 3_600_000, 3_600_001, 7_200_000]
EPOCHS = [None, "e1", "e2"]
SEQS = [None, 0, 1, 2]


def _at(now: datetime, age_ms: int | None) -> str | None:
    return None if age_ms is None else to_text(now - timedelta(milliseconds=age_ms))


@pytest.mark.parametrize("micros", [0, 999_999])
def test_sql_freshness_is_the_rule_for_every_node(tmp_path, micros):
    now = BASE + timedelta(microseconds=micros)
    db = open_database(tmp_path / "central.db")
    nodes, syncs = [], []
    for as_of, received in itertools.product(WAREHOUSE_AGES_MS, repeat=2):
        nodes.append((f"W{len(nodes):04d}", "warehouse", _at(now, as_of), _at(now, received)))
    nodes.append(("S-never-heard", "store", None, None))
    for heard, epoch, applied, hb_epoch, hb_last in itertools.product(STORE_AGES_MS, EPOCHS, [0, 1, 2], EPOCHS,
                                                                      SEQS):
        node_id = f"S{len(nodes):04d}"
        nodes.append((node_id, "store", None, None))
        syncs.append((node_id, epoch, applied, _at(now, heard), hb_epoch, hb_last))
    with db.write() as conn:
        conn.executemany("INSERT INTO nodes (id, type, name, address, lat, lon, stock_as_of, stock_received_at, "
                         "created_at, updated_at) VALUES (?, ?, 'n', '', 0, 0, ?, ?, '', '')", nodes)
        conn.executemany("INSERT INTO store_sync (store_id, epoch, applied_seq, last_heartbeat_at, hb_epoch, "
                         "hb_last_seq) VALUES (?, ?, ?, ?, ?, ?)", syncs)
    expression, params = fresh_sql(now, SETTINGS)
    with db.read() as conn:
        rows = conn.execute(f"SELECT n.*, {expression} AS fresh_in_sql FROM nodes n "
                            "LEFT JOIN store_sync s ON s.store_id = n.id ORDER BY n.id", params).fetchall()
        sync_rows = {r["store_id"]: r for r in conn.execute("SELECT * FROM store_sync")}
    db.close()
    assert len(rows) == len(nodes)
    fresh = [r["id"] for r in rows if node_fresh(r, sync_rows.get(r["id"]), now, SETTINGS)]
    assert [r["id"] for r in rows if r["fresh_in_sql"] == 1] == fresh
    assert {r["fresh_in_sql"] for r in rows} == {0, 1} and len(fresh) > 10   # both sides of the rule were tried
