"""The home screen's open-work summary, from plain values."""

from datetime import datetime, timedelta, timezone

from shared.contract.receipt_tokens import new_keypair
from shared.runtime.receipt_tokens import sign
from tui.open_work import summarise
from tui.order_token import peek
from tui.screens.home import describe_printers

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def fulfilment(status: str, **extra) -> dict:
    return {"status": status, "lines": [], **extra}


def at(delta: timedelta) -> str:
    return (NOW + delta).isoformat().replace("+00:00", "Z")


def test_it_counts_what_waits_and_flags_what_is_urgent():
    pickups = [fulfilment("assigned", accept_by=at(timedelta(minutes=12))), fulfilment("accepted"),
               fulfilment("ready", pickup_by=at(timedelta(hours=3))), fulfilment("ready", pickup_by=at(timedelta(days=5))),
               fulfilment("picked", at_risk=True), fulfilment("collected")]
    shipments = [fulfilment("packed"), fulfilment("shipped")]
    tasks = [{"kind": "count"}, {"kind": "count"}, {"kind": "put_back"}]
    text = summarise(pickups, shipments, tasks, NOW)
    assert "Pickups to prepare: 3   on the shelf: 2" in text
    assert "expiring soon: 1" in text
    assert "Ship from store to do: 1   counts to do: 2   put-backs: 1" in text
    assert "1 to accept[/b], first in 12 min" in text
    assert "1 at risk" in text


def test_a_quiet_store_says_so_plainly():
    text = summarise([], [], [], NOW)
    assert "to accept" not in text and "at risk" not in text


def test_printer_trouble_stands_out_on_home():
    text = describe_printers([{"name": "counter", "state": "failing", "queued": 2, "last_error": "connection refused"},
                              {"name": "labels", "state": "ok", "queued": 0}])
    assert "counter FAILING" in text and "2 waiting: connection refused" in text and "labels ok" in text
    assert describe_printers([]) == "Printers: none configured"


def test_an_order_token_is_read_for_display_and_anything_else_is_not():
    private, _ = new_keypair()
    token = sign({"order_id": "O-1", "currency": "EUR", "lines": [{"sku": "MUG", "qty": 2, "unit_price": 1199}],
                  "total": 2398, "paid": [{"tender": "online", "amount": 2398}], "issued_at": "2026-06-01T12:00:00Z"},
                 private, "k1")
    assert peek(token)["lines"][0]["qty"] == 2
    assert peek("S001-000123") is None and peek("v1.a.b.c") is None and peek("a.b.c") is None


def test_open_transfers_are_counted_only_while_there_are_any():
    transfers = [{"direction": "out", "status": "reserved"}, {"direction": "in", "status": "in_transit"},
                 {"direction": "in", "status": "in_transit"}, {"direction": "out", "status": "shipped"}]
    assert "Transfers to send: 1   to receive: 2" in summarise([], [], [], NOW, transfers=transfers)
    assert "Transfers" not in summarise([], [], [], NOW, transfers=transfers[-1:])
    assert "Transfers" not in summarise([], [], [], NOW)
