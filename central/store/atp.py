"""ATP of one SKU as the API and the `omni.req.<store>.atp` requests answer it (DESIGN §5).

Set-wise whatever the size of the network: the SKU's levels in one range scan, each node's facts (type,
freshness) from memory (`NodeFacts`), one grouped read of the units allocated and not yet in the levels. Python only
builds the answer. Without `facts`, the same answer joined in SQL: the reference the property tests hold it to.
"""

import json
import sqlite3
from datetime import datetime
from operator import itemgetter

from central.domain.atp import atp_of
from central.domain.orders import LIVE_ALLOCATIONS, AllocationStatus
from central.settings import CentralSettings
from central.store.node_facts import NodeFacts
from central.store.nodes import fresh_sql
from central.store.statuses import status_in
from central.store.supply import inbound_view
from central.store.transfers import pending_at_senders
from shared.contract.errors import UnknownSku


def _pending(conn: sqlite3.Connection, skus: list[str], nodes: list[str] | None = None) -> dict[tuple[str, str], int]:
    """Each (SKU, node)'s units allocated but not yet in the node's figures, in one grouped read.

    A DC's allocations are accepted at once; those made after its figure was counted are not in it yet, and neither
    are the units it rejected as missing since (an import sets one SKU's figure at a time, so the SKU's own time
    counts before the feed's). A store's are those still pending (its events carry the rest)."""
    counted, statuses = status_in("a.status", LIVE_ALLOCATIONS)
    pending, pending_statuses = status_in("a.status", {AllocationStatus.PENDING})
    only = "" if nodes is None else "AND l.node_id IN (SELECT value FROM json_each(?)) "
    rows = conn.execute(
        "SELECT l.sku, l.node_id, SUM(l.qty) FROM allocation_lines l JOIN allocations a ON a.id = l.allocation_id "
        "JOIN nodes n ON n.id = l.node_id LEFT JOIN levels lv ON lv.node_id = l.node_id AND lv.sku = l.sku "
        f"WHERE l.sku IN (SELECT value FROM json_each(?)) {only}AND ((n.type = 'warehouse' AND ({counted} "
        "OR a.stock_missing = 1) AND a.created_at > COALESCE(NULLIF(lv.as_of, ''), NULLIF(n.stock_as_of, ''), '')) "
        f"OR (n.type <> 'warehouse' AND {pending})) GROUP BY l.sku, l.node_id",
        (json.dumps(skus), *([json.dumps(nodes)] if nodes is not None else []), *statuses, *pending_statuses))
    found = {(sku, node_id): qty for sku, node_id, qty in rows}
    for key, qty in pending_at_senders(conn, skus).items():  # transfers the sender has not answered yet
        if nodes is None or key[1] in nodes:
            found[key] = found.get(key, 0) + qty
    return found


def _pending_by_node(conn: sqlite3.Connection, sku: str) -> dict[str, int]:
    """`_pending` of one SKU, per node."""
    return {node_id: qty for (_, node_id), qty in _pending(conn, [sku]).items()}


# A node without its own safety stock of a SKU (`k`) holds back the SKU's default, else the policy's.
_SAFETY_JOINS = ("LEFT JOIN safety_stock ss ON ss.sku = k.sku AND ss.node_id = k.node_id "
                 "LEFT JOIN sku_safety_stock d ON d.sku = k.sku")
_SAFETY = "coalesce(ss.qty, d.qty, :safety_default)"


def _sku_list(count: int) -> str:
    return ", ".join(f":sku{i}" for i in range(count))


def _params(skus: list[str], safety_default: int) -> dict:
    return {"safety_default": safety_default} | {f"sku{i}": sku for i, sku in enumerate(skus)}


def _tuples(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor giving plain tuples: at 2,000 nodes a row object per node shows."""
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor


def stocked_figures(conn: sqlite3.Connection, sku: str, safety_default: int = 0,
                    nodes: list[str] | None = None) -> list[tuple]:
    """Only the nodes holding a figure of the SKU (the others can promise nothing), of `nodes` if given, as
    columns: (node ids, on_hand, reserved, safety_stock), one range scan; whether a node is registered and fresh is
    the caller's."""
    only = "" if nodes is None else " AND k.node_id IN (SELECT value FROM json_each(:nodes))"
    params = _params([sku], safety_default) | ({} if nodes is None else {"nodes": json.dumps(nodes)})
    rows = _tuples(conn).execute(f"SELECT k.node_id, k.on_hand, k.reserved, {_SAFETY} FROM levels k {_SAFETY_JOINS} "
                                 f"WHERE k.sku = :sku0{only}", params).fetchall()
    return list(zip(*rows)) if rows else [(), (), (), ()]


def pending_by_node(conn: sqlite3.Connection, skus: list[str],
                    nodes: list[str] | None = None) -> dict[tuple[str, str], int]:
    """Units allocated and not yet in the figures, per (sku, node) (of `nodes` if given)."""
    return _pending(conn, skus, nodes)


def _one_sku_sql(fresh: str, own_safety: bool) -> str:
    """`_figures_sql` of one SKU as the answer needs it: no SKU column, `as_of` and the DC's feed time apart (the
    caller takes the first that is set), and the join of nodes' own safety stock only when the SKU has any (else the
    SKU's default, else the policy's, is one parameter). Each join or expression here is paid 2,000 times."""
    safety = "coalesce(ss.qty, :safety)" if own_safety else ":safety"
    joins = ("JOIN nodes n ON n.id = k.node_id LEFT JOIN store_sync s ON s.store_id = n.id"
             + (" LEFT JOIN safety_stock ss ON ss.sku = :sku AND ss.node_id = k.node_id" if own_safety else ""))
    columns = f"n.type, {safety}, {fresh}, CASE WHEN n.type = 'warehouse' THEN n.stock_as_of END"
    return (f"SELECT k.node_id, k.on_hand, k.reserved, k.as_of, {columns} FROM levels k {joins} WHERE k.sku = :sku "
            f"UNION ALL SELECT k.node_id, 0, 0, NULL, {columns} "
            "FROM (SELECT node_id FROM allocation_lines WHERE sku = :sku "
            "UNION SELECT node_id FROM safety_stock WHERE sku = :sku) k "
            f"{joins} WHERE NOT EXISTS (SELECT 1 FROM levels l WHERE l.sku = :sku AND l.node_id = k.node_id) "
            "ORDER BY 1")


# The nodes with an allocation or safety stock of the SKU but no level of it (few): they show with nothing held.
_NO_LEVEL_SQL = ("SELECT k.node_id, 0, 0, NULL FROM (SELECT node_id FROM allocation_lines WHERE sku = :sku "
                 "UNION SELECT node_id FROM safety_stock WHERE sku = :sku) k "
                 "WHERE NOT EXISTS (SELECT 1 FROM levels l WHERE l.sku = :sku AND l.node_id = k.node_id)")


def _nodes_by_sql(conn: sqlite3.Connection, sku: str, now: datetime, settings: CentralSettings, safety: int,
                  own_safety: bool, pending: dict[str, int]) -> list[dict]:
    """The answer's nodes with every node's facts joined and its freshness worked out in SQL."""
    fresh, params = fresh_sql(now, settings)
    rows = _tuples(conn).execute(_one_sku_sql(fresh, own_safety), params | {"sku": sku, "safety": safety})
    # The answer straight from the rows (no object per node), `as_of` as stored.
    return [{"node_id": node_id, "type": node_type, "on_hand": held, "reserved": kept,
             "pending": (waiting := pending.get(node_id, 0) if pending else 0), "safety_stock": safety,
             "atp": atp_of(held, kept, waiting, safety, is_fresh := fresh == 1), "fresh": is_fresh,
             "as_of": as_of or dc_as_of}
            for node_id, held, kept, as_of, node_type, safety, fresh, dc_as_of in rows]


def _nodes_in_memory(conn: sqlite3.Connection, sku: str, now: datetime, settings: CentralSettings, safety: int,
                     own_safety: bool, pending: dict[str, int], facts: NodeFacts) -> list[dict]:
    """`_nodes_by_sql` from the SKU's levels as the bare read gives them, each node's facts from memory (as this
    snapshot says them), in node order."""
    known = facts.at(conn).by_id
    cursor = _tuples(conn)
    rows = cursor.execute("SELECT node_id, on_hand, reserved, as_of FROM levels WHERE sku = ?", (sku,)).fetchall()
    if no_level := cursor.execute(_NO_LEVEL_SQL, {"sku": sku}).fetchall():
        rows = sorted(rows + no_level)
    own = dict(cursor.execute("SELECT node_id, qty FROM safety_stock WHERE sku = ?", (sku,))) if own_safety else None
    # `fresh_at` with `now - stale_after` worked out once per kind: fresh while its freshness counts from after it.
    after = (now - settings.stale_after, now - settings.warehouse_stale_after)  # by `NodeFact.warehouse`
    # The answer straight from the rows (no object per node), `as_of` as stored; a level of a node not (or no
    # longer) registered is left out.
    return [{"node_id": node_id, "type": fact.type, "on_hand": held, "reserved": kept,
             "pending": (waiting := pending.get(node_id, 0) if pending else 0),
             "safety_stock": (kept_back := own.get(node_id, safety) if own else safety),
             "atp": atp_of(held, kept, waiting, kept_back, fresh := fact.fresh_since > after[fact.warehouse]),
             "fresh": fresh, "as_of": as_of or fact.stock_as_of}
            for node_id, held, kept, as_of in rows if (fact := known.get(node_id)) is not None]


def atp_totals(conn: sqlite3.Connection, skus: list[str], now: datetime, settings: CentralSettings,
               safety_default: int, facts: NodeFacts, node: str | None = None) -> dict[str, int]:
    """Each SKU's ATP now — the network's, or `node`'s alone — with every node's facts from memory, summed without
    an object per node. Only a node holding a level of the SKU can promise any of it (with none, on_hand and
    reserved are 0), so the levels are all there is to read."""
    skus = sorted(set(skus))
    asked = {"skus": json.dumps(skus), "node": node}
    only = "" if node is None else " AND node_id = :node"
    cursor = _tuples(conn)
    levels = cursor.execute("SELECT sku, node_id, on_hand, reserved FROM levels "
                            f"WHERE sku IN (SELECT value FROM json_each(:skus)){only}", asked).fetchall()
    own = {(sku, node_id): qty for sku, node_id, qty in cursor.execute(
        f"SELECT sku, node_id, qty FROM safety_stock WHERE sku IN (SELECT value FROM json_each(:skus)){only}",
        asked)}
    defaults = dict(cursor.execute("SELECT sku, qty FROM sku_safety_stock WHERE sku IN "
                                   "(SELECT value FROM json_each(:skus))", asked))
    pending = _pending(conn, skus, None if node is None else [node])
    known = facts.at(conn).by_id
    after = (now - settings.stale_after, now - settings.warehouse_stale_after)  # by `NodeFact.warehouse`
    totals = dict.fromkeys(skus, 0)
    for sku, node_id, held, kept in levels:
        fact = known.get(node_id)
        if fact is None or fact.fresh_since <= after[fact.warehouse]:
            continue  # not (or no longer) registered, or stale: nothing to promise
        safety = next((q for q in (own.get((sku, node_id)), defaults.get(sku)) if q is not None), safety_default)
        totals[sku] += atp_of(held, kept, pending.get((sku, node_id), 0), safety, True)
    return totals


def atp_view(conn: sqlite3.Connection, sku: str, now: datetime, settings: CentralSettings,
             safety_default: int = 0, facts: NodeFacts | None = None) -> dict:
    """The answer of `GET /v1/atp/{sku}`; with `facts`, every node's facts come from memory instead of a join per
    node (the same answer: tests/unit/central/test_node_facts_property.py)."""
    known = conn.execute("SELECT (SELECT qty FROM sku_safety_stock WHERE sku = :sku), "
                         "EXISTS (SELECT 1 FROM safety_stock WHERE sku = :sku) FROM products WHERE sku = :sku",
                         {"sku": sku}).fetchone()
    if known is None:
        raise UnknownSku(f"No product has the SKU {sku!r}; add it with PUT /v1/products/{{sku}} first.", sku=sku)
    sku_default, own_safety = known
    safety = safety_default if sku_default is None else sku_default
    pending = _pending_by_node(conn, sku)  # mostly empty: then no look-up per node
    nodes = (_nodes_by_sql(conn, sku, now, settings, safety, own_safety == 1, pending) if facts is None else
             _nodes_in_memory(conn, sku, now, settings, safety, own_safety == 1, pending, facts))
    # The totals are `network_atp`'s.
    return {"sku": sku, "network": {"atp": sum(map(itemgetter("atp"), nodes)),
                                    "on_hand": sum(map(itemgetter("on_hand"), nodes)),
                                    "reserved": sum(map(itemgetter("reserved"), nodes))},
            "nodes": nodes,
            # Future availability, apart: routing never promises it (backorders may claim it).
            "inbound": inbound_view(conn, sku)}
