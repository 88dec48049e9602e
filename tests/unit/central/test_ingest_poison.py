"""An event central cannot apply (its handling raises) must not fail every batch it is in: it would come back
after ack_wait for ever, and the consumer all stores share would stop (DESIGN §4). It becomes a dead letter in its
place, with the error as its reason, and every other event applies."""

from datetime import datetime, timezone

from nats.aio.msg import Msg

from central.store import projection
from central.store.schema import open_database
from central.sync.ingest import Ingest
from shared.contract import subjects
from shared.contract.events import EventEnvelope
from shared.runtime.ids import uuid7

NOW = datetime(2026, 3, 1, tzinfo=timezone.utc)


def message(store_id: str, epoch: str, seq: int, reference: str) -> Msg:
    event = EventEnvelope(id=uuid7(), type="stock.received", store_id=store_id, epoch=epoch, seq=seq,
                          occurred_at=NOW, actor="system", payload={"sku": "TEE", "qty": 1, "reference": reference,
                                                                     "stock": [{"sku": "TEE", "on_hand": seq,
                                                                                "reserved": 0, "damaged": 0}]})
    return Msg(_client=None, subject=subjects.events(store_id), data=event.to_bytes(),
               headers={"Nats-Msg-Id": subjects.msg_id(store_id, event.id)})


def test_an_event_whose_handling_raises_is_dead_lettered_in_its_place_and_the_rest_applies(tmp_path):
    def orders_hook(conn, store_id, envelope, payload, received_at):
        if payload.reference == "POISON":
            raise ValueError("a payload the order code chokes on")

    db = open_database(tmp_path / "central.db")
    ingest = Ingest(db, link=None, on_event=orders_hook)
    bad, good = uuid7(), uuid7()
    ingest.apply_batch([message("S001", bad, 1, "PO-1"), message("S001", bad, 2, "POISON"),
                        message("S002", good, 1, "PO-1"), message("S001", bad, 3, "PO-3")], NOW)
    with db.read() as conn:
        assert projection.load_position(conn, "S001")[0].applied_seq == 3
        assert projection.load_position(conn, "S002")[0].applied_seq == 1
        [(seq, reason)] = conn.execute("SELECT seq, reason FROM dead_letters WHERE store_id='S001'").fetchall()
        assert seq == 2 and "chokes" in reason
        assert conn.execute("SELECT dead_letter FROM applied_events WHERE store_id='S001' AND seq=2").fetchone()[0]
        assert conn.execute("SELECT on_hand FROM levels WHERE node_id='S001'").fetchone()[0] == 3
    db.close()


def test_the_events_beside_a_poisoned_one_take_effect_once(tmp_path):
    """A store's run of events is applied under one savepoint and, when one raises, rolled back and applied again
    event by event: what the good ones wrote the first time must be gone, not doubled."""
    def orders_hook(conn, store_id, envelope, payload, received_at):
        conn.execute("INSERT INTO hook_effects (store_id, reference) VALUES (?, ?)", (store_id, payload.reference))
        if payload.reference == "POISON":
            raise ValueError("a payload the order code chokes on")

    db = open_database(tmp_path / "central.db")
    with db.write() as conn:
        conn.execute("CREATE TABLE hook_effects (store_id TEXT, reference TEXT)")
    ingest = Ingest(db, link=None, on_event=orders_hook)
    epoch = uuid7()
    ingest.apply_batch([message("S001", epoch, 1, "PO-1"), message("S001", epoch, 2, "PO-2"),
                        message("S001", epoch, 3, "POISON"), message("S001", epoch, 4, "PO-4")], NOW)
    with db.read() as conn:
        effects = [r[0] for r in conn.execute("SELECT reference FROM hook_effects ORDER BY rowid")]
        assert effects == ["PO-1", "PO-2", "PO-4"]
        assert projection.load_position(conn, "S001")[0].applied_seq == 4
        assert [r[0] for r in conn.execute("SELECT seq FROM applied_events WHERE store_id='S001' ORDER BY seq")] == [
            1, 2, 3, 4]
    db.close()
