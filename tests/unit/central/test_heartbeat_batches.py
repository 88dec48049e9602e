"""Heartbeats that arrive together are written together: a thousand stores beat 200 times a second, and one durable
commit each would hold central's database for most of every second. Each store's latest heartbeat is what counts,
and every heartbeat is counted as received."""

import asyncio
from datetime import datetime, timezone

from nats.aio.msg import Msg

from central.store.schema import open_database
from central.sync.heartbeats import HeartbeatRecorder
from shared.contract import subjects
from shared.contract.events import Heartbeat
from tests.waiting import eventually

CLOCK = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


def beat(store_id: str, last_seq: int) -> Msg:
    heartbeat = Heartbeat(store_id=store_id, epoch="E1", last_seq=last_seq, backlog=0, clock=CLOCK, version="1")
    return Msg(_client=None, subject=subjects.heartbeat(store_id), data=heartbeat.model_dump_json().encode())


async def test_heartbeats_arriving_together_are_written_in_one_transaction_each_store_its_latest(tmp_path):
    db = open_database(tmp_path / "central.db")
    recorder = HeartbeatRecorder(db, link=None)
    transactions = []
    write = db.write

    def counted_write():
        transactions.append(1)
        return write()

    db.write = counted_write
    messages = [beat(f"S{n:03d}", 1) for n in range(1, 51)] + [beat("S001", 7)]
    await asyncio.gather(*(recorder._on_message(msg) for msg in messages))
    await eventually(lambda: recorder.received == 51, what="every heartbeat recorded")
    assert len(transactions) < 5  # not one per heartbeat
    with db.read() as conn:
        seqs = dict(conn.execute("SELECT store_id, hb_last_seq FROM store_sync").fetchall())
    assert len(seqs) == 50 and seqs["S001"] == 7 and seqs["S050"] == 1
    db.close()
