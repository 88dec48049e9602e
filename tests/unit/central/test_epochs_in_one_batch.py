"""A store's new epoch arriving in the same fetched batch as its old epoch's last events, or before them (DESIGN §3,
§12: a store's epochs are ordered by the broker's timestamp of each epoch's opening event). Every old-epoch event
stored before the new epoch opened is applied, and the new epoch's figures are the store's levels: central ends with
the rows it has when the old epoch's events come in one batch and the new epoch's in the next, whatever order they
have inside a batch, whatever the epochs' ids, and when the old epoch's events come back after the new epoch's."""

from datetime import datetime, timezone

import pytest
from nats.aio.msg import Msg

from central.bootstrap import CentralService
from central.settings import CentralSettings
from shared.contract import subjects
from shared.contract.events import EventEnvelope
from shared.runtime.ids import uuid7

NOW = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
STORE = "S001"


def stored(stream_seq: int) -> str:
    """The JetStream reply subject of a message stored at that place in the stream, a millisecond per place."""
    at = int(NOW.timestamp() * 1e9) + stream_seq * 1_000_000
    return f"$JS.ACK.EVENTS.central-ingest.1.{stream_seq}.{stream_seq}.{at}.0"


def sale(epoch: str, seq: int, number: int, on_hand: int) -> EventEnvelope:
    return EventEnvelope(id=uuid7(), type="sale.recorded", store_id=STORE, epoch=epoch, seq=seq, occurred_at=NOW,
                         actor="A1", payload={
                             "receipt_number": f"{STORE}-{number:06d}", "currency": "EUR",
                             "lines": [{"sku": "TEE", "qty": 1, "unit_price": 900, "tax_rate_bp": 1900,
                                        "line_total": 900}],
                             "tenders": [{"type": "cash", "amount": 900}], "total": 900, "change_due": 0,
                             "stock": [{"sku": "TEE", "on_hand": on_hand, "reserved": 0, "damaged": 0}]})


def snapshot(epoch: str, on_hand: int) -> EventEnvelope:
    return EventEnvelope(id=uuid7(), type="stock.snapshot", store_id=STORE, epoch=epoch, seq=1, occurred_at=NOW,
                         actor="system", payload={"chunk": 1, "chunks": 1, "levels": [
                             {"sku": "TEE", "on_hand": on_hand, "reserved": 0, "damaged": 0}]})


def history() -> tuple[list[Msg], str, str]:
    """The old epoch's sales 1..5, then the store restored: the new epoch's snapshot and one sale, in the order the
    broker stored them, and the two epochs. The new epoch's id sorts before the old one's: ids carry no order."""
    new, old = sorted([uuid7(), uuid7()])
    events = [sale(old, seq, seq, 20 - seq) for seq in range(1, 6)] + [snapshot(new, 40), sale(new, 2, 6, 39)]
    msgs = []
    for n, event in enumerate(events, 1):
        msgs.append(Msg(_client=None, subject=subjects.events(STORE), data=event.to_bytes(), reply=stored(n),
                        headers={"Nats-Msg-Id": subjects.msg_id(STORE, event.id)}))
    return msgs, old, new


def central_at(tmp_path, name: str) -> CentralService:
    return CentralService(CentralSettings(db_path=tmp_path / f"{name}.db", admin_token="bench-admin-token-0123"),
                          with_nats=False)


def rows(central: CentralService) -> dict[str, list]:
    with central.db.read() as conn:
        return {
            "receipts": [r[0] for r in conn.execute("SELECT receipt_number FROM store_receipts ORDER BY 1")],
            "days": [tuple(r) for r in conn.execute("SELECT receipts, sales, units FROM receipt_days")],
            "levels": [tuple(r) for r in conn.execute("SELECT sku, on_hand FROM levels WHERE node_id=?", (STORE,))],
            "position": tuple(conn.execute("SELECT epoch, applied_seq FROM store_sync WHERE store_id=?",
                                           (STORE,)).fetchone()),
            "applied": [tuple(r) for r in conn.execute("SELECT epoch, seq, event_id FROM applied_events "
                                                       "WHERE store_id=? ORDER BY epoch, seq", (STORE,))],
            "retired": [r[0] for r in conn.execute("SELECT epoch FROM retired_epochs WHERE store_id=?", (STORE,))],
            "parked": conn.execute("SELECT count(*) FROM parked_events").fetchone()[0],
            "dead letters": conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0],
        }


ORDERS = {  # the batches central fetches
    "old epoch, then new": lambda old, new: [old + new],
    "interleaved": lambda old, new: [[old[0], new[0], old[1], new[1], *old[2:]]],
    "new epoch, then old": lambda old, new: [new + old],
    # A batch that failed comes back after ack_wait, when the next one, with the new epoch, has been applied.
    "new epoch, then old redelivered in a later batch": lambda old, new: [new, old],
}


@pytest.mark.parametrize("known", [0, 2], ids=["store first seen", "old epoch applied to seq 2"])
@pytest.mark.parametrize("order", list(ORDERS))
def test_every_old_epoch_event_is_applied_whatever_batch_brings_it(tmp_path, order, known):
    msgs, old, new = history()
    before, old_rest, new_msgs = msgs[:known], msgs[known:5], msgs[5:]
    one_batch, separate = central_at(tmp_path, "one"), central_at(tmp_path, "separate")
    for central in (one_batch, separate):
        if before:
            central.ingest.apply_batch(before, NOW)
    for batch in ORDERS[order](old_rest, new_msgs):
        one_batch.ingest.apply_batch(batch, NOW)
    separate.ingest.apply_batch(old_rest, NOW)
    separate.ingest.apply_batch(new_msgs, NOW)

    got = rows(one_batch)
    assert got["receipts"] == [f"{STORE}-{n:06d}" for n in range(1, 7)]  # every sale of both epochs
    assert got["days"] == [(6, 5400, 6)]
    assert got["levels"] == [("TEE", 39)]  # the new epoch's figures
    assert got["position"] == (new, 2)
    assert [(epoch, seq) for epoch, seq, _ in got["applied"]] == sorted(
        [(old, seq) for seq in range(1, 6)] + [(new, 1), (new, 2)])
    assert got["retired"] == [old] and got["parked"] == 0 and got["dead letters"] == 0
    assert got == rows(separate)  # the batch's cut makes no difference
    one_batch.db.close()
    separate.db.close()
