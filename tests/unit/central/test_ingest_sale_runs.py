"""A store's run of sales is written at the end of the run. When one sale's rows cannot be written, the run is
rolled back and applied again sale by sale: that sale becomes a dead letter in its place, every other one is
recorded once (its receipt, its day's sums, the store's receipt number), not twice and not lost."""

from datetime import datetime, timezone

from nats.aio.msg import Msg

from central.bootstrap import CentralService
from central.settings import CentralSettings
from central.store import receipts
from central.store.schema import open_database
from central.sync.ingest import Ingest
from shared.contract import subjects
from shared.contract.events import EventEnvelope
from shared.runtime.ids import uuid7

NOW = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


def sale(epoch: str, seq: int, number: str) -> Msg:
    event = EventEnvelope(id=uuid7(), type="sale.recorded", store_id="S001", epoch=epoch, seq=seq, occurred_at=NOW,
                          actor="A1", payload={
                              "receipt_number": number, "currency": "EUR",
                              "lines": [{"sku": "TEE", "qty": 1, "unit_price": 900, "tax_rate_bp": 1900,
                                         "line_total": 900}],
                              "tenders": [{"type": "cash", "amount": 900}], "total": 900, "change_due": 0,
                              "stock": [{"sku": "TEE", "on_hand": 10 - seq, "reserved": 0, "damaged": 0}]})
    return Msg(_client=None, subject=subjects.events("S001"), data=event.to_bytes(),
               headers={"Nats-Msg-Id": subjects.msg_id("S001", event.id)})


def test_a_sale_whose_rows_cannot_be_written_is_dead_lettered_and_the_others_are_recorded_once(tmp_path):
    central = CentralService(CentralSettings(db_path=tmp_path / "central.db", admin_token="bench-admin-token-0123"),
                             with_nats=False)
    epoch = uuid7()
    # "²" passes `isdigit` and fails `int`: the receipt number cannot be noted, so that sale's rows raise.
    central.ingest.apply_batch([sale(epoch, 1, "S001-000001"), sale(epoch, 2, "S001-000002"),
                                sale(epoch, 3, "S001-00000²"), sale(epoch, 4, "S001-000004")], NOW)
    with central.db.read() as conn:
        assert [r[0] for r in conn.execute("SELECT receipt_number FROM store_receipts ORDER BY rowid")] == [
            "S001-000001", "S001-000002", "S001-000004"]
        assert tuple(conn.execute("SELECT receipts, sales, units FROM receipt_days").fetchone()) == (3, 2700, 3)
        assert conn.execute("SELECT high FROM store_numbers WHERE kind='receipt'").fetchone()[0] == 4
        [(seq, reason)] = conn.execute("SELECT seq, reason FROM dead_letters").fetchall()
        assert seq == 3 and reason.startswith("could not be applied: ValueError")
        assert tuple(conn.execute("SELECT on_hand, seq FROM levels WHERE node_id='S001'").fetchone()) == (6, 4)
        assert conn.execute("SELECT applied_seq FROM store_sync WHERE store_id='S001'").fetchone()[0] == 4
    central.db.close()


def test_sales_kept_for_the_end_of_a_run_that_fails_are_written_once_when_it_is_applied_again(tmp_path):
    """The hook raises on a later sale, after earlier ones were kept for the run's end: what was kept goes with the
    rolled-back run, and the run applied again sale by sale records each good sale once."""
    rows = receipts.SaleRows()

    def hook(conn, store_id, envelope, payload, received_at):
        rows.add(store_id, envelope, payload, received_at)
        if payload.receipt_number.endswith("3"):
            raise ValueError("a sale the hook chokes on")

    db = open_database(tmp_path / "central.db")
    ingest = Ingest(db, link=None, on_event=hook, pending_writes=rows)
    epoch = uuid7()
    ingest.apply_batch([sale(epoch, seq, f"S001-00000{seq}") for seq in (1, 2, 3, 4)], NOW)
    with db.read() as conn:
        assert [r[0] for r in conn.execute("SELECT receipt_number FROM store_receipts ORDER BY rowid")] == [
            "S001-000001", "S001-000002", "S001-000004"]
        assert tuple(conn.execute("SELECT receipts, sales FROM receipt_days").fetchone()) == (3, 2700)
        [(seq,)] = conn.execute("SELECT seq FROM dead_letters").fetchall()
        assert seq == 3
    db.close()
