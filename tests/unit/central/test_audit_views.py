"""Central's side of the audit: the events it applied, page by page, and how long it keeps them."""

from datetime import datetime, timedelta, timezone

from central.services.audit import AuditViews
from central.store import parking
from central.store.schema import open_database
from shared.runtime.clock import to_text

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def applied(db, seq: int, at: datetime) -> None:
    with db.write() as conn:
        parking.record_applied(conn, "S001", "E1", seq, f"ev-{seq}", "stock.received", None, to_text(at))


def every_event(views: AuditViews, limit: int) -> list[tuple[int, str]]:
    items, cursor = [], None
    while True:
        page = views.events("S001", cursor, limit)
        items += [(e.seq, e.id) for e in page.items]
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def test_every_applied_event_is_listed_once_whatever_the_page_size(tmp_path):
    db = open_database(tmp_path / "central.db")
    for seq in (1, 2, 3):
        applied(db, seq, T0)
    views = AuditViews(db)
    for limit in (1, 2, 3, 10):
        assert every_event(views, limit) == [(1, "ev-1"), (2, "ev-2"), (3, "ev-3")]
    db.close()


def test_applied_events_older_than_the_setting_are_forgotten(tmp_path):
    db = open_database(tmp_path / "central.db")
    applied(db, 1, T0 - timedelta(days=40))
    applied(db, 2, T0 - timedelta(days=1))
    views = AuditViews(db)
    assert views.prune(timedelta(days=35), T0) == 1
    assert every_event(views, 10) == [(2, "ev-2")]
    db.close()
