"""Reading and writing a SKU's levels, its ledger rows and the tasks a change opens, inside a caller's
transaction: every operation (receive, sale, count, fulfilment, return) goes through these. What a movement
opens or flags is decided by edge.domain.stock.consequences; this module only carries it out."""

import json
import sqlite3

from edge.domain.fulfilment import HOLDING
from edge.domain.stock import Consequences, Levels, Movement, consequences
from edge.store.outbox import OutboxRow
from shared.contract.models import StockLevel


def read_levels(conn: sqlite3.Connection, sku: str) -> Levels:
    row = conn.execute("SELECT on_hand, reserved, damaged FROM stock WHERE sku = ?", (sku,)).fetchone()
    return Levels(row["on_hand"], row["reserved"], row["damaged"]) if row else Levels()


def read_levels_of(conn: sqlite3.Connection, skus: list[str]) -> dict[str, Levels]:
    """Several SKUs' levels in one read (a SKU never stocked: all zero)."""
    rows = conn.execute(f"SELECT sku, on_hand, reserved, damaged FROM stock WHERE sku IN ({', '.join('?' * len(skus))})",
                        skus).fetchall()
    found = {row["sku"]: Levels(row["on_hand"], row["reserved"], row["damaged"]) for row in rows}
    return {sku: found.get(sku, Levels()) for sku in skus}


def stock_level(sku: str, levels: Levels) -> StockLevel:
    """A SKU's resulting levels as events carry them (DESIGN §5)."""
    return StockLevel(sku=sku, on_hand=levels.on_hand, reserved=levels.reserved, damaged=levels.damaged)


def write_levels(conn: sqlite3.Connection, sku: str, levels: Levels) -> None:
    conn.execute("INSERT INTO stock (sku, on_hand, reserved, damaged) VALUES (?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE "
                 "SET on_hand = excluded.on_hand, reserved = excluded.reserved, damaged = excluded.damaged",
                 (sku, levels.on_hand, levels.reserved, levels.damaged))


def write_ledger(conn: sqlite3.Connection, sku: str, movement: Movement, *, reason: str, reference: str | None,
                 actor: str, row: OutboxRow) -> None:
    conn.execute("INSERT INTO stock_ledger (sku, on_hand_delta, reserved_delta, damaged_delta, reason, reference, "
                 "actor, event_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (sku, movement.on_hand, movement.reserved, movement.damaged, reason, reference, actor, row.id,
                  row.occurred_at))


# Raw statements: sales, returns and fulfilment steps (the hot path) skip sqlite-utils' schema reads and savepoints.
def record_movement(conn: sqlite3.Connection, sku: str, movement: Movement, levels: Levels, *, reason: str,
                    reference: str | None, actor: str, row: OutboxRow) -> list[str]:
    """The new levels, the ledger row that explains them and what follows from them, at the event's time; the
    fulfilments flagged at risk. Skipped when nothing moved."""
    if movement == Movement():
        return []
    write_levels(conn, sku, levels)
    write_ledger(conn, sku, movement, reason=reason, reference=reference, actor=actor, row=row)
    return carry_out(conn, consequences(sku, movement.undone_from(levels), levels, reason=reason, reference=reference),
                     sku=sku, at=row.occurred_at)


def record_movements(conn: sqlite3.Connection, moved: list[tuple[str, Movement, Levels]], *, reason: str,
                     reference: str | None, actor: str, row: OutboxRow) -> list[str]:
    """Many SKUs' new levels and ledger rows for one event, written in bulk (a count of a whole store, a sale's
    lines); each row is recorded even if nothing moved, and what follows from each is carried out as for one
    movement. Raw statements, one `executemany` a table: sqlite-utils would read the schema first."""
    conn.executemany("INSERT INTO stock (sku, on_hand, reserved, damaged) VALUES (?, ?, ?, ?) ON CONFLICT (sku) DO "
                     "UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved, damaged = excluded.damaged",
                     [(sku, levels.on_hand, levels.reserved, levels.damaged) for sku, _, levels in moved])
    conn.executemany("INSERT INTO stock_ledger (sku, on_hand_delta, reserved_delta, damaged_delta, reason, reference, "
                     "actor, event_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [(sku, movement.on_hand, movement.reserved, movement.damaged, reason, reference, actor, row.id,
                       row.occurred_at) for sku, movement, _ in moved])
    flagged = []
    for sku, movement, levels in moved:
        flagged += carry_out(conn, consequences(sku, movement.undone_from(levels), levels, reason=reason,
                                                reference=reference), sku=sku, at=row.occurred_at)
    return flagged


def carry_out(conn: sqlite3.Connection, decided: Consequences, *, sku: str, at: str) -> list[str]:
    """Open the count task and flag the fulfilments a movement's consequences name; the ids flagged."""
    if decided.count is not None:
        open_task(conn, "count", sku=decided.count.sku, reference=decided.count.reference, note=decided.count.note,
                  at=at)
    return flag_at_risk(conn, sku) if decided.at_risk else []


def open_task(conn: sqlite3.Connection, kind: str, *, at: str, sku: str | None = None,
              allocation_id: str | None = None, reference: str | None = None, note: str | None = None) -> None:
    """A job for an associate (count, put_back, accept); one open task per kind and subject is enough."""
    exists = conn.execute("SELECT 1 FROM tasks WHERE status = 'open' AND kind = ? AND sku IS ? AND allocation_id IS ?",
                          (kind, sku, allocation_id)).fetchone()
    if exists is None:
        conn.execute("INSERT INTO tasks (kind, sku, allocation_id, reference, note, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     (kind, sku, allocation_id, reference, note, at))


def close_tasks(conn: sqlite3.Connection, kind: str, *, at: str, sku: str | None = None,
                allocation_id: str | None = None) -> None:
    conn.execute("UPDATE tasks SET status = 'done', closed_at = ? WHERE status = 'open' AND kind = ? "
                 "AND (? IS NULL OR sku = ?) AND (? IS NULL OR allocation_id = ?)",
                 (at, kind, sku, sku, allocation_id, allocation_id))


def flag_at_risk(conn: sqlite3.Connection, sku: str) -> list[str]:
    """Mark the fulfilments holding `sku` at risk (the shelf has fewer units than they reserve); their ids."""
    flagged = []
    holding = sorted(HOLDING)
    for row in conn.execute(f"SELECT allocation_id, held FROM fulfilments WHERE status IN "
                            f"({', '.join('?' * len(holding))})", holding).fetchall():
        if json.loads(row["held"]).get(sku, 0) > 0:
            flagged.append(row["allocation_id"])
    conn.executemany("UPDATE fulfilments SET at_risk = 1 WHERE allocation_id = ?", [(a,) for a in flagged])
    return flagged


def task_page(conn: sqlite3.Connection, status: str, kind: str | None, after_id: int, limit: int) -> dict:
    """Tasks oldest first, as `{items, next_cursor}`; the cursor is the last id of the previous page."""
    rows = conn.execute("SELECT * FROM tasks WHERE status = ? AND (? IS NULL OR kind = ?) AND id > ? "
                        "ORDER BY id LIMIT ?", (status, kind, kind, after_id, limit + 1)).fetchall()
    items = [_task_item(r) for r in rows[:limit]]
    return {"items": items, "next_cursor": str(items[-1]["id"]) if len(rows) > limit else None}


def task_view(conn: sqlite3.Connection, task_id: int) -> dict | None:
    row = conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
    return _task_item(row) if row else None


def close_task(conn: sqlite3.Connection, task_id: int, at: str) -> None:
    conn.execute("UPDATE tasks SET status = 'done', closed_at = ? WHERE id = ? AND status = 'open'", (at, task_id))


def _task_item(r: sqlite3.Row) -> dict:
    return {"id": r["id"], "kind": r["kind"], "sku": r["sku"], "allocation_id": r["allocation_id"],
            "reference": r["reference"], "note": r["note"], "status": r["status"], "created_at": r["created_at"],
            "closed_at": r["closed_at"]}
