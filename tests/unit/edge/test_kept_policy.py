"""A policy from head office kept before its values had ranges (a billion-day hold) does not break the store's
steps: the defaults serve until central sends the next one."""

from tests.unit.edge.test_fulfilments_api import assign, receive, step


class TestAPolicyKeptBeforeTheRanges:
    def test_a_billion_day_hold_kept_from_before_does_not_break_ready(self, signed_in):
        with signed_in.app.state.edge.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO catalog_settings (key, value, updated_at) VALUES ('policy', ?, ?)",
                         ('{"pickup_hold_days": 1000000000}', "2026-01-01T00:00:00Z"))
        receive(signed_in, "MUG-01", 5)
        assign(signed_in)
        step(signed_in, "AL-1", "pick")
        ready = step(signed_in, "AL-1", "ready")
        assert ready.status_code == 200 and ready.json()["pickup_by"], ready.text
