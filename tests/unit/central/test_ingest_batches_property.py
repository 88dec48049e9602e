"""Ingest writes a store's run of sales together (levels, receipts, their days' sums, receipt numbers, what returns
elsewhere tell the seller) instead of event by event. Invariant: whatever the mix of event types, repeated receipt
numbers, duplicates, bad messages, new epochs, batch cuts (a batch may hold both epochs' events) and redeliveries
(the old epoch's events after the new one's), central ends with the same rows as when every message is applied
alone. (Commands to a store are compared as a set: stores' runs in a batch are applied store by store,
so two stores' events may queue one store's commands in another order; one store's own order is kept.)"""

import json
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nats.aio.msg import Msg

from central.bootstrap import CentralService
from central.settings import CentralSettings
from shared.contract import subjects
from shared.contract.events import EventEnvelope
from shared.runtime.ids import uuid7

NOW = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
SKUS = ["A", "B", "C"]


@pytest.fixture(scope="module")
def centrals(tmp_path_factory):
    """Two centrals, one applying batches, one applying each message alone; every example has stores of its own."""
    root = tmp_path_factory.mktemp("batches")
    made = [CentralService(CentralSettings(db_path=root / f"{name}.db", admin_token="bench-admin-token-0123"),
                           with_nats=False) for name in ("batched", "alone")]
    yield made
    for central in made:
        central.db.close()


def levels(draw) -> list[dict]:
    return [{"sku": sku, "on_hand": draw(st.sampled_from([0, 0, 1, 7])), "reserved": draw(st.sampled_from([0, 2])),
             "damaged": 0} for sku in draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=2, unique=True))]


def payload(draw, kind: str, store: str, other: str, numbers: range = range(1, 5)) -> dict:
    if kind == "sale":
        sku, qty = draw(st.sampled_from(SKUS)), draw(st.integers(1, 3))
        tenders = [{"type": draw(st.sampled_from(["cash", "card"])), "amount": 500 * qty}]
        if draw(st.booleans()):
            tenders.append({"type": "cash", "amount": 100})
        return {"receipt_number": f"{store}-{draw(st.sampled_from(numbers)):06d}", "currency": "EUR",
                "lines": [{"sku": sku, "qty": qty, "unit_price": 500, "tax_rate_bp": 1900, "line_total": 500 * qty}],
                "tenders": tenders, "total": 500 * qty + 100 * (len(tenders) - 1),
                "change_due": 100 * (len(tenders) - 1), "stock": levels(draw)}
    if kind == "return":
        seller = draw(st.sampled_from([store, other]))
        return {"return_number": f"{store}-R{draw(st.integers(1, 9)):06d}",
                "original": {"receipt_number": f"{seller}-{draw(st.integers(1, 4)):06d}"},
                "lines": [{"sku": draw(st.sampled_from(SKUS)), "qty": 1, "reason": "size", "disposition": "restock",
                           "refund": 500}],
                "refunds": [{"tender": "cash", "amount": 500}], "stock": levels(draw)}
    if kind == "received":
        return {"sku": "A", "qty": 1, "reference": "PO-1", "stock": levels(draw)}
    if kind == "snapshot":
        return {"chunk": 1, "chunks": 1, "levels": levels(draw)}
    return {"receipt_number": 7, "lines": "not lines"}  # unreadable: a dead letter in its place


TYPES = {"sale": "sale.recorded", "return": "return.recorded", "received": "stock.received",
         "snapshot": "stock.snapshot", "unreadable": "sale.recorded"}


def message(store: str, event: EventEnvelope, *, forged_as: str | None = None, msg_id: str | None = None) -> Msg:
    subject_store = forged_as or store
    return Msg(_client=None, subject=subjects.events(subject_store), data=event.to_bytes(),
               headers={"Nats-Msg-Id": msg_id or subjects.msg_id(store, event.id)})


def stored(stream_seq: int, after_ns: int) -> str:
    """The JetStream reply subject of a message stored at that place in the stream, `after_ns` past NOW."""
    at = int(NOW.timestamp() * 1e9) + after_ns
    return f"$JS.ACK.EVENTS.central-ingest.1.{stream_seq}.{stream_seq}.{at}.0"


@st.composite
def deliveries(draw):
    tag = uuid7()[-6:].upper()
    stores = [f"X{tag}", f"Y{tag}"]
    runs, old_epochs = [], []  # old_epochs: old epochs' events redelivered last
    for store in stores:
        other = stores[1 - stores.index(store)]
        epochs = draw(st.permutations([uuid7(), uuid7()]))[:draw(st.integers(1, 2))]
        # A batch that failed comes back after ack_wait, behind what came next: some of the old epoch's events may
        # come after the new epoch's. Those apply late; in one batch with the new epoch's, the stored order holds.
        # Either way every event applies; only which of two sales with one receipt number is on record would
        # depend on that order, so then the new epoch's numbers are its own.
        redelivered = draw(st.integers(0, 3)) if len(epochs) > 1 else 0
        events = []
        for n, epoch in enumerate(epochs):
            kinds = ["snapshot"] if n else []  # a new epoch opens with a snapshot
            kinds += draw(st.lists(st.sampled_from(["sale", "sale", "sale", "return", "received", "unreadable"]),
                                   min_size=1, max_size=8))
            for seq, kind in enumerate(kinds, 1):
                events.append(EventEnvelope(id=uuid7(), type=TYPES[kind], store_id=store, epoch=epoch, seq=seq,
                                            occurred_at=NOW, actor="A1", payload=payload(
                                                draw, kind, store, other, range(5, 9) if n and redelivered else
                                                range(1, 5))))
        # Out of order within an epoch; the store restored (a new epoch) after the old one's last event.
        # The new epoch's ids carry no order: the broker's timestamps alone tell which epoch is newer.
        first = [e for e in events if e.epoch == epochs[0]]
        later = [e for e in events if e.epoch != epochs[0]]
        runs.append([message(store, e) for e in draw(st.permutations(first)) + later])
        old_epochs.extend(draw(st.lists(st.sampled_from(runs[-1][:len(first)]), unique_by=id,
                                        max_size=redelivered)) if redelivered else [])
    merged = []
    while any(runs):  # the stores' deliveries interleaved, each in its own order
        run = draw(st.sampled_from([r for r in runs if r]))
        merged.append(run.pop(0))
    # Stored in this order, whole milliseconds apart (central keeps the broker's timestamps to the millisecond):
    # the timestamps tell the epochs apart.
    for n, msg in enumerate(merged):
        msg.reply = stored(n + 1, n * 2_000_000)
    merged = [msg for msg in merged if all(msg is not m for m in old_epochs)] + old_epochs  # the redeliveries
    extras = []
    for n in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["duplicate", "forged", "garbage", "wrong id"]))
        copy = draw(st.sampled_from(merged))
        at = draw(st.integers(merged.index(copy) + 1, len(merged)))  # a copy comes after the message it copies
        event = EventEnvelope.model_validate_json(copy.data)
        if kind == "duplicate":
            extra = Msg(_client=None, subject=copy.subject, reply=copy.reply, data=copy.data,
                        headers=dict(copy.headers))
        elif kind == "forged":
            extra = message(event.store_id, event, forged_as=stores[1 - stores.index(event.store_id)])
        elif kind == "garbage":
            extra = Msg(_client=None, subject=copy.subject, data=b"{not json", headers={})
        else:
            extra = message(event.store_id, event, msg_id=f"{event.store_id}:{uuid7()}")
        if kind != "duplicate":  # published later, between its neighbours in time
            extra.reply = stored(len(merged) + n + 1, at * 2_000_000 - 1_000_000)
        extras.append((at, extra))
    for at, extra in sorted(extras, key=lambda x: -x[0]):
        merged.insert(at, extra)
    # Any cuts: a batch may hold the old epoch's last events and the new epoch's snapshot together.
    cuts = sorted(set(draw(st.lists(st.integers(0, len(merged)), max_size=4))))
    return stores, merged, cuts


def rows(central: CentralService, stores: list[str]) -> dict[str, list]:
    found = {}
    marks = ",".join("?" * len(stores))
    with central.db.read() as conn:
        for table, column, leave_out in [
            ("levels", "node_id", ()), ("store_receipts", "store_id", ()), ("receipt_days", "store_id", ()),
            ("receipt_day_tenders", "store_id", ()), ("receipt_day_skus", "store_id", ()),
            ("store_numbers", "store_id", ()), ("receipt_returns", "store_id", ()),
            ("command_outbox", "store_id", ("id", "cmd_seq")), ("store_sync", "store_id", ()),
            ("applied_events", "store_id", ()), ("dead_letters", "store_id", ("id",)),
            ("parked_events", "store_id", ()), ("retired_epochs", "store_id", ()),
        ]:
            found[table] = sorted(
                json.dumps({k: row[k] for k in row.keys() if k not in leave_out}, sort_keys=True, default=str)
                for row in conn.execute(f"SELECT * FROM {table} WHERE {column} IN ({marks})", stores))
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=deliveries())
def test_a_batch_leaves_the_rows_its_messages_leave_one_by_one(centrals, case):
    """The rows after the batches equal those after applying each message alone, whatever the batch boundaries: a
    batch may hold a store's old epoch's last events and its new epoch's snapshot, in any mix."""
    stores, msgs, cuts = case
    batched, alone = centrals
    for start, end in zip([0, *cuts], [*cuts, len(msgs)]):
        if msgs[start:end]:
            batched.ingest.apply_batch(msgs[start:end], NOW)
    for msg in msgs:
        alone.ingest.apply_batch([msg], NOW)
    got, expected = rows(batched, stores), rows(alone, stores)
    assert got["applied_events"]  # events took their places
    assert got == expected
