"""The home screen's open-work summary, from plain values."""

from datetime import datetime, timedelta, timezone

from tui.open_work import summarise

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
