import asyncio
import threading
from datetime import timedelta

import pytest

from edge.printing.spool import (
    MIGRATION,
    Backoff,
    JobNotFound,
    SpoolWorker,
    due,
    enqueue,
    health,
    jobs_for,
    mark_failed,
    mark_sent,
    next_due_at,
    reprint,
)
from shared.runtime.sqlite import Database
from tests.unit.printing.samples import NOW
from tests.waiting import poll


@pytest.fixture
def db(tmp_path):
    database = Database(tmp_path / "spool.db", [MIGRATION])
    yield database
    database.close()


def queue(db, ref="S001-000001", printer="counter-1", kind="receipt", at=NOW) -> str:
    with db.write() as conn:
        return enqueue(conn, kind, ref, printer, b"\x1b@" + ref.encode(), ref + "\n", at)


class TestQueueing:
    def test_a_job_is_due_at_once_and_kept_with_its_bytes_and_text(self, db):
        job_id = queue(db)
        with db.read() as conn:
            [row] = due(conn, NOW)
        assert (row["id"], row["status"], row["attempts"], row["payload"], row["preview"]) == \
            (job_id, "queued", 0, b"\x1b@S001-000001", "S001-000001\n")

    def test_a_job_enqueued_in_a_transaction_that_rolls_back_is_gone_with_it(self, db):
        with pytest.raises(RuntimeError), db.write() as conn:
            enqueue(conn, "receipt", "S001-000009", "counter-1", b"x", "", NOW)
            raise RuntimeError("the sale failed")
        with db.read() as conn:
            assert jobs_for(conn, "S001-000009") == []

    def test_jobs_are_due_oldest_first(self, db):
        ids = [queue(db, f"S001-{n:06d}") for n in range(1, 6)]
        with db.read() as conn:
            assert [row["id"] for row in due(conn, NOW)] == ids

    def test_a_sent_job_is_no_longer_due(self, db):
        job_id = queue(db)
        with db.write() as conn:
            mark_sent(conn, job_id, NOW)
            assert due(conn, NOW + timedelta(hours=1)) == []
            assert jobs_for(conn, "S001-000001")[0]["sent_at"] == "2026-03-02T09:00:00.000Z"


class TestRetrying:
    def test_backoff_doubles_up_to_its_limit(self):
        assert [Backoff(1, 8).delay(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]

    def test_a_failed_job_waits_out_its_backoff_then_is_due_again(self, db):
        job_id = queue(db)
        with db.write() as conn:
            mark_failed(conn, job_id, "connection refused", NOW, Backoff(2, 60))
            assert due(conn, NOW + timedelta(seconds=1)) == []
            [row] = due(conn, NOW + timedelta(seconds=2))
        assert (row["status"], row["attempts"], row["last_error"]) == ("failed", 1, "connection refused")

    def test_the_printers_later_jobs_wait_behind_a_failed_one_but_other_printers_do_not(self, db):
        first, second = queue(db, "S001-000001"), queue(db, "S001-000002")
        other = queue(db, "S001-000003", printer="counter-2")
        with db.write() as conn:
            mark_failed(conn, first, "refused", NOW, Backoff(5, 60))
            assert [row["id"] for row in due(conn, NOW)] == [other]
            assert [row["id"] for row in due(conn, NOW + timedelta(seconds=5))] == [first, second, other]


    def test_a_job_queued_while_an_earlier_one_backs_off_waits_behind_it(self, db):
        first = queue(db, "S001-000001")
        with db.write() as conn:
            mark_failed(conn, first, "refused", NOW, Backoff(5, 60))
        second = queue(db, "S001-000002", at=NOW + timedelta(seconds=1))  # sold while the printer is off
        with db.write() as conn:
            assert due(conn, NOW + timedelta(seconds=2)) == []
            assert [row["id"] for row in due(conn, NOW + timedelta(seconds=5))] == [first, second]

    def test_the_next_pass_is_when_the_blocking_job_retries_not_at_once_for_a_job_waiting_behind_it(self, db):
        # A receipt sold while the printer backs off is past its own time but not due: waking for it at once would
        # spin the spool until the retry.
        first = queue(db, "S001-000001")
        with db.write() as conn:
            retry_at = mark_failed(conn, first, "refused", NOW, Backoff(5, 60))
        queue(db, "S001-000002", at=NOW + timedelta(seconds=1))
        with db.read() as conn:
            assert due(conn, NOW + timedelta(seconds=2)) == []
            assert next_due_at(conn, after=NOW + timedelta(seconds=2)) == retry_at
            assert next_due_at(conn, after=NOW + timedelta(seconds=5)) is None


class TestReprinting:
    def test_a_receipt_number_reprints_its_latest_job_with_the_same_bytes(self, db):
        original = queue(db)
        with db.write() as conn:
            mark_sent(conn, original, NOW)
            [copy] = reprint(conn, "S001-000001", NOW + timedelta(days=30))
            rows = jobs_for(conn, "S001-000001")
        assert [row["id"] for row in rows] == [original, copy]
        assert rows[1]["payload"] == rows[0]["payload"] and rows[1]["status"] == "queued"
        assert rows[1]["reprint_of"] == original

    def test_an_order_reprints_each_kind_or_only_the_one_asked_for(self, db):
        queue(db, "ORD-1", kind="bag-tag")
        queue(db, "ORD-1", kind="pick-list")
        with db.write() as conn:
            assert len(reprint(conn, "ORD-1", NOW)) == 2
            [tag] = reprint(conn, "ORD-1", NOW, kind="bag-tag", printer="counter-2")
            assert [(r["kind"], r["printer"]) for r in jobs_for(conn, "ORD-1") if r["id"] == tag] == \
                [("bag-tag", "counter-2")]

    def test_a_job_id_reprints_that_job(self, db):
        job_id = queue(db)
        with db.write() as conn:
            [copy] = reprint(conn, job_id, NOW)
        assert copy != job_id

    def test_a_number_never_printed_cannot_be_reprinted(self, db):
        with pytest.raises(JobNotFound, match="Nothing was printed as 'S001-999999'"), db.write() as conn:
            reprint(conn, "S001-999999", NOW)


class TestHealth:
    def test_printers_are_ok_failing_since_the_first_failure_and_count_their_queue(self, db):
        failing = [queue(db, f"S001-{n:06d}") for n in range(1, 4)]
        sent = queue(db, "S001-000010", printer="counter-2")
        with db.write() as conn:
            mark_failed(conn, failing[0], "refused", NOW, Backoff())
            mark_failed(conn, failing[0], "timed out", NOW + timedelta(seconds=5), Backoff())
            mark_sent(conn, sent, NOW)
            states = {h.printer: h for h in health(conn, ["counter-1", "counter-2", "labels"])}
        assert states["counter-1"].as_dict() == {
            "printer": "counter-1", "state": "failing", "queued": 3, "failing_since": "2026-03-02T09:00:00.000Z",
            "last_error": "timed out", "last_sent_at": None}
        assert (states["counter-2"].state, states["counter-2"].queued, states["counter-2"].last_sent_at) == \
            ("ok", 0, "2026-03-02T09:00:00.000Z")
        assert (states["labels"].state, states["labels"].queued) == ("ok", 0)

    def test_a_printer_is_ok_again_once_its_failed_job_is_sent(self, db):
        job_id = queue(db)
        with db.write() as conn:
            mark_failed(conn, job_id, "refused", NOW, Backoff())
            mark_sent(conn, job_id, NOW + timedelta(seconds=3))
            [state] = health(conn)
        assert (state.state, state.queued, state.failing_since) == ("ok", 0, None)


async def test_a_pass_that_waits_for_another_commit_leaves_the_event_loop_free(db, tmp_path):
    """The spool runs on the agent's event loop, and every sale commits on the same database: a pass that waited
    for the database there held up every request of every counter meanwhile."""
    queue(db)
    worker = SpoolWorker(db, {"counter-1": f"preview:{tmp_path}"})
    committing, loop_ran, gave_up = threading.Event(), threading.Event(), threading.Event()

    def a_sale_committing() -> None:
        with db.write():
            committing.set()
            if not loop_ran.wait(timeout=5):  # the loop never came round while the pass waited
                gave_up.set()

    sale = threading.Thread(target=a_sale_committing)
    sale.start()
    committing.wait()
    spool_pass = asyncio.create_task(worker.send_due())
    await asyncio.sleep(0.05)  # the pass starts, and waits for the commit
    loop_was_free = not gave_up.is_set()
    loop_ran.set()
    assert await spool_pass == 1
    sale.join()
    assert loop_was_free


async def test_the_spool_prints_while_the_event_loop_is_busy_with_requests(db, tmp_path):
    """A pass follows every sale: on the event loop, its hand-offs to threads and back held up every counter's next
    request. The spool works in a thread of its own."""
    worker = SpoolWorker(db, {"counter-1": f"preview:{tmp_path}"})
    worker.start()
    try:
        queue(db)
        worker.wake()
        # The event loop is held here (a blocking wait, as if busy with requests): the job prints all the same.
        sent = poll(lambda: jobs_for_read(db) == ["sent"], timeout=10, what="the job sent with the loop busy")
        assert sent
    finally:
        await worker.stop()


def jobs_for_read(db) -> list[str]:
    with db.read() as conn:
        return [row["status"] for row in jobs_for(conn, "S001-000001")]


async def test_a_pass_records_the_receipts_it_sent_in_one_commit(db, tmp_path):
    """With many counters selling, each receipt's own commit doubled the writer's commits."""
    for n in range(1, 6):
        queue(db, f"S001-{n:06d}")
    worker = SpoolWorker(db, {"counter-1": f"preview:{tmp_path}"})
    commits: list[str] = []
    db._conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    try:
        assert await worker.send_due() == 5
    finally:
        db._conn.set_trace_callback(None)
    assert len(commits) == 1
    with db.read() as conn:
        assert [row["status"] for n in range(1, 6) for row in jobs_for(conn, f"S001-{n:06d}")] == ["sent"] * 5
