"""The publisher marks a row sent only for an acknowledged send of it, and over any interleaving of commits, acks,
lost acks, refused publishes, resends and restarts the outbox ends with every event sent and none skipped
(hypothesis).

The store's database is real; JetStream is played by `Stream`, which keeps one message per `Nats-Msg-Id` as the
real stream's duplicate window does and answers each publish as the drawn fate says: a lost ack, a dropped message
or a refused publish cannot be made to happen on cue with a real server.
"""

import asyncio
import json
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.js.api import PubAck

from edge.services.commands import resend
from edge.services.stock import StockService
from edge.settings import EdgeSettings
from edge.store import outbox
from edge.store.epochs import read_epoch
from edge.store.schema import open_database
from edge.sync import publisher as publisher_module
from edge.sync.context import SyncContext
from edge.sync.publisher import Publisher
from shared.contract import subjects
from shared.runtime.clock import utc_now
from shared.runtime.wakeup import Wakeup
from tests.unit.edge.conftest import add_products

STORE = "S001"
FATES = ["acked", "acked", "acked", "ack lost", "dropped", "refused", "resend asked meanwhile", "agent killed"]


class AgentKilled(BaseException):
    """The agent stops dead in the middle of a drain (nothing after this point runs)."""


class Stream:
    def __init__(self, fates, db):
        self._fates, self._db = fates, db
        self.stored: dict[str, int] = {}  # Nats-Msg-Id → seq, once each (the duplicate window)
        self.acked: set[str] = set()  # the sends whose PubAck the publisher received
        self.rounds: list[list[int]] = []  # seqs in the order each drain round sent them

    async def publish_async(self, subject, payload, stream=None, headers=None):
        fate = self._fates()
        msg_id, seq = headers["Nats-Msg-Id"], json.loads(payload)["seq"]
        if fate == "agent killed":
            raise AgentKilled
        if fate == "refused":
            raise ConnectionError("link down")
        self.rounds[-1].append(seq)
        future = asyncio.get_running_loop().create_future()
        if fate != "dropped":
            self.stored.setdefault(msg_id, seq)
        if fate == "resend asked meanwhile":  # central asks again while this send is still unanswered
            with self._db.write() as conn:
                resend(conn, seq, seq)
        if fate in ("acked", "resend asked meanwhile"):
            duplicate = msg_id in self.acked
            self.acked.add(msg_id)
            future.set_result(PubAck(stream=subjects.EVENTS_STREAM, seq=len(self.stored), duplicate=duplicate))
        return future


def sent_rows(db) -> list[tuple[int, str, int]]:
    with db.read() as conn:
        return [tuple(r) for r in conn.execute("SELECT seq, id, resent FROM outbox WHERE published_at IS NOT NULL")]


def check_marks(db, stream: Stream) -> None:
    """Nothing is marked sent unless JetStream acknowledged that very send, and the backlog counts the rest."""
    for seq, event_id, resent in sent_rows(db):
        assert subjects.msg_id(STORE, event_id, resent) in stream.acked, f"seq {seq} marked sent without its PubAck"
    with db.read() as conn:
        counters = outbox.counters(conn)
        unsent = conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]
    assert counters.backlog == unsent


async def one_round(ctx: SyncContext, stream: Stream) -> None:
    """What one pass of `Publisher.run` does, by a publisher that may be a new one (a restarted agent)."""
    publisher = Publisher(ctx, publish_timeout=0.001)
    epoch, rows = await asyncio.to_thread(publisher._unsent, 0)
    if rows:
        stream.rounds.append([])
        await publisher._drain(epoch, rows)


async def play(db, steps, fates) -> None:
    stream = Stream(fates, db)
    settings_ = EdgeSettings(store_id=STORE, nats_url="nats://unused", db_path=db.path)
    with db.read() as conn:
        epoch = read_epoch(conn)
    ctx = SyncContext(settings=settings_, epoch=epoch, db=db, link=SimpleNamespace(js=stream, online=True),
                      wakeup=Wakeup(), clock=utc_now)
    stock = StockService(db)
    for step, n in steps:
        if step == "commit":
            for i in range(n):
                stock.receive(sku="MUG-01", qty=1, reference=f"PO-{i}", actor="A1", idempotency_key=None)
        else:
            try:
                await one_round(ctx, stream)
            except AgentKilled:
                await asyncio.sleep(0.01)  # a mark already handed to its thread commits or not, as a real kill
        check_marks(db, stream)
        for attempt in stream.rounds:
            assert attempt == sorted(set(attempt)), "one round sent out of seq order or twice"
    # The network heals: rounds with every publish acknowledged until the outbox is empty.
    stream._fates = lambda: "acked"
    for _ in range(10):
        await one_round(ctx, stream)
    check_marks(db, stream)
    with db.read() as conn:
        last = conn.execute("SELECT last_seq, last_acked_seq FROM sync_state").fetchone()
        rows = conn.execute("SELECT seq, id, resent, published_at FROM outbox ORDER BY seq").fetchall()
    assert [r["seq"] for r in rows] == list(range(1, last["last_seq"] + 1))
    assert all(r["published_at"] is not None for r in rows), "an event was never sent"
    assert last["last_acked_seq"] == last["last_seq"]
    in_stream = {}
    for msg_id, seq in stream.stored.items():
        in_stream.setdefault(seq, set()).add(msg_id)
    for r in rows:  # every event is in the stream under the id of its last send (central applies each seq once)
        assert subjects.msg_id(STORE, r["id"], r["resent"]) in in_stream.get(r["seq"], set()), f"seq {r['seq']} skipped"


steps = st.lists(st.one_of(st.tuples(st.just("commit"), st.integers(1, 7)), st.tuples(st.just("round"), st.just(0))),
                 min_size=1, max_size=12)


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(publisher_module, "BATCH", 3)  # a few commits already span several batches in flight


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, data=st.data())
def test_every_event_is_sent_once_acknowledged_and_none_is_skipped(tmp_path_factory, small_batches, steps, data):
    db = open_database(tmp_path_factory.mktemp("publisher") / "edge.db")
    add_products(db)
    try:
        asyncio.run(play(db, steps, lambda: data.draw(st.sampled_from(FATES), label="fate")))
    finally:
        db.close()


def test_a_publisher_stopping_with_rows_read_leaves_them_unsent_without_an_error(tmp_path):
    db = open_database(tmp_path / "edge.db")
    try:
        async def stop_then_drain() -> bool:
            stream = Stream(lambda: "acked", db)
            ctx = SyncContext(settings=EdgeSettings(store_id=STORE, nats_url="nats://unused", db_path=db.path),
                              epoch="", db=db, link=SimpleNamespace(js=stream, online=True), wakeup=Wakeup(),
                              clock=utc_now)
            publisher = Publisher(ctx)
            epoch, rows = await asyncio.to_thread(publisher._unsent, 0)
            ctx.stopping.set()
            return await publisher._drain(epoch, rows) and not stream.stored

        assert asyncio.run(stop_then_drain())
        with db.read() as conn:
            assert outbox.counters(conn).backlog == 1  # the opening snapshot waits for the next start
    finally:
        db.close()
