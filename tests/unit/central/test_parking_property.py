"""Ingest with parking, over random deliveries (DESIGN §4), on a real SQLite file.

Invariants: whatever order, copies, losses and batches one store's events arrive in, with a tiny park bound and a
second publisher's forged copies, (1) the other store's events apply as soon as they arrive, (2) no store ever has
more parked than the bound, (3) once the store has answered central's resends every seq is applied exactly once,
and each of the store's own events is either the applied one or kept as a conflict: nothing committed is lost."""

import itertools
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.msg import Msg

from central.domain.resync import Resend, missing
from central.store import parking, projection
from central.store.schema import open_database
from central.sync.ingest import Ingest
from shared.contract import subjects
from shared.contract.events import EventEnvelope
from shared.runtime.ids import uuid7

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)
SKU = "TEE"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """One database for every example (each example has stores of its own): migrating one per example is slow."""
    database = open_database(tmp_path_factory.mktemp("parking") / "central.db")
    yield database
    database.close()


def envelope(store_id: str, epoch: str, seq: int) -> EventEnvelope:
    return EventEnvelope(id=uuid7(), type="stock.received", store_id=store_id, epoch=epoch, seq=seq, occurred_at=NOW,
                         actor="system", payload={"sku": SKU, "qty": 1, "reference": f"PO-{seq}", "stock": [
                             {"sku": SKU, "on_hand": seq, "reserved": 0, "damaged": 0}]})


def message(event: EventEnvelope, resent: int = 0) -> Msg:
    return Msg(_client=None, subject=subjects.events(event.store_id), data=event.to_bytes(),
               headers={"Nats-Msg-Id": subjects.msg_id(event.store_id, event.id, resent)})


@st.composite
def deliveries(draw):
    n = draw(st.integers(1, 25))
    order = draw(st.permutations(range(1, n + 1)))
    forged = draw(st.lists(st.sampled_from(range(1, n + 1)), max_size=3, unique=True))
    # The stream lost the others. (A loss a forgery then fills is beyond anyone's sight: central holds an event
    # at that place, so it asks for nothing. The store keeps the real one for `retain_days`.)
    kept = [seq for seq in order if draw(st.booleans()) or seq == 1 or seq in forged]
    copies = draw(st.lists(st.sampled_from(range(1, n + 1)), max_size=5))
    schedule = draw(st.permutations([("real", s) for s in kept + copies] + [("forged", s) for s in forged]))
    cuts = sorted(draw(st.lists(st.integers(0, len(schedule)), max_size=6)))
    limit = draw(st.integers(1, 6))
    if forged:  # a real event dropped past the bound and then shadowed by a forgery is as invisible as a loss
        limit = max(limit, n)
    return n, schedule, cuts, limit


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=deliveries())
def test_parked_events_never_stall_another_store_and_every_event_is_applied_once_or_kept(db, case):
    n, schedule, cuts, limit = case
    tag = uuid7()[-8:].upper()
    rough, calm_store = f"R{tag}", f"C{tag}"
    ingest = Ingest(db, link=None, park_limit=limit)
    epoch = uuid7()
    real = {seq: envelope(rough, epoch, seq) for seq in range(1, n + 1)}
    forged = {seq: envelope(rough, epoch, seq) for _, seq in schedule}
    calm = itertools.count(1)
    calm_epoch = uuid7()

    batches = [schedule[a:b] for a, b in zip([0, *cuts], [*cuts, len(schedule)])]
    for batch in batches:
        calm_seq = next(calm)
        msgs = [message((real if kind == "real" else forged)[seq]) for kind, seq in batch]
        msgs.append(message(envelope(calm_store, calm_epoch, calm_seq)))
        ingest.apply_batch(msgs, NOW)
        assert _applied_seq(db, calm_store) == calm_seq  # (1)
        assert len(ingest.held_arrivals(rough)) <= limit  # (2)

    for resent in range(1, n + 2):  # the store answers each resend central would send, as an edge does
        with db.read() as conn:
            position, retired = projection.load_position(conn, rough)
            lack = missing(position, retired, parking.parked_arrivals(conn, rough), (epoch, n))
        if lack is None:
            break
        assert isinstance(lack, Resend)
        ingest.apply_batch([message(real[s], resent) for s in range(lack.from_seq, lack.to_seq + 1)], NOW)
    assert _applied_seq(db, rough) == n  # (3)
    ingest.apply_batch([message(forged[seq], 7) for seq in sorted(forged)], NOW)  # the second publisher goes on
    with db.read() as conn:
        applied = dict(conn.execute("SELECT seq, event_id FROM applied_events WHERE store_id=?", (rough,)))
        conflicts = {(r[0], r[1]) for r in conn.execute("SELECT seq, event_id FROM event_conflicts WHERE store_id=?",
                                                         (rough,))}
    assert sorted(applied) == list(range(1, n + 1))
    for seq, event in real.items():
        assert applied[seq] == event.id or (seq, event.id) in conflicts
    assert all(seq in forged and event_id in (forged[seq].id, real[seq].id) for seq, event_id in conflicts)


def _applied_seq(db, store_id: str) -> int:
    with db.read() as conn:
        position, _ = projection.load_position(conn, store_id)
    return position.applied_seq if position else 0
