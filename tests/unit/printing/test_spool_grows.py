"""The spool is asked for due jobs after every sale, and a store keeps every receipt job it ever printed: finding
the pending ones must read the pending ones only, never every job of the store's history (a day's sales made each
pass, and so each sale, slower)."""

from datetime import timedelta

from edge.printing.spool import due, enqueue, mark_sent, next_due_at
from edge.store.schema import open_database
from tests.unit.printing.samples import NOW


def plans(conn, read) -> list[str]:
    """The query plan of every statement `read(conn)` runs."""
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        read(conn)
    finally:
        conn.set_trace_callback(None)
    return [step[3] for sql in statements for step in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]


def test_finding_due_jobs_reads_the_pending_ones_through_an_index_not_every_job_printed(tmp_path):
    db = open_database(tmp_path / "edge.db")
    with db.write() as conn:
        for n in range(50):
            mark_sent(conn, enqueue(conn, "receipt", f"R{n}", "counter", b"x", "x", NOW), NOW)
        enqueue(conn, "receipt", "R-next", "counter", b"x", "x", NOW)
    with db.read() as conn:
        later = NOW + timedelta(seconds=1)
        assert [row["ref"] for row in due(conn, later)] == ["R-next"]
        for read in (lambda c: due(c, later), lambda c: due(c, later, "counter"), next_due_at):
            steps = plans(conn, read)
            # Walking a partial index of pending jobs is fine; walking the table (or its rowids) is not.
            whole_table = [s for s in steps if (s.startswith("SCAN") and "INDEX" not in s) or "PRIMARY KEY" in s]
            assert steps and not whole_table, steps
    db.close()
