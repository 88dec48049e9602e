"""Times as stored (RFC 3339 UTC) and as a store's people read them (its wall-clock time)."""

from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from shared.runtime.clock import (
    from_text,
    local_day_span,
    local_text,
    local_today,
    to_text,
    zone,
)


def test_a_stored_time_reads_as_the_stores_wall_clock_with_its_offset():
    assert local_text("2026-03-02T09:00:00.000Z", "Europe/Berlin") == "2026-03-02T10:00:00+01:00"
    assert local_text("2026-07-02T09:00:00.000Z", "Europe/Berlin") == "2026-07-02T11:00:00+02:00"  # summer time
    assert local_text("2026-03-02T09:00:00.000Z", "UTC") == "2026-03-02T09:00:00.000Z"


def test_a_business_day_runs_from_local_midnight_to_midnight_even_on_a_clock_change():
    assert local_day_span(date(2026, 3, 2), "Europe/Berlin") == ("2026-03-01T23:00:00.000Z", "2026-03-02T23:00:00.000Z")
    start, end = local_day_span(date(2026, 3, 29), "Europe/Berlin")  # clocks go forward: a 23-hour day
    assert (from_text(end) - from_text(start)).total_seconds() == 23 * 3600


def test_today_is_the_stores_today():
    late_evening_in_new_york = from_text("2026-03-03T02:30:00.000Z")
    assert local_today("America/New_York", late_evening_in_new_york) == date(2026, 3, 2)
    assert local_today("UTC", late_evening_in_new_york) == date(2026, 3, 3)
    assert to_text(late_evening_in_new_york) == "2026-03-03T02:30:00.000Z"


@pytest.mark.parametrize("name", ["Hamburg", "", "../../etc/passwd", "Europe/"])
def test_a_name_that_is_no_time_zone_is_refused_with_examples(name):
    with pytest.raises(ValueError, match="use an IANA name such as Europe/Berlin"):
        zone(name)


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30)),
       st.sampled_from(["Z", "+00:00", "-00:00", "+01:00", "-05:30", "+14:00"]))
def test_a_time_is_written_the_same_whatever_zone_object_carries_its_offset(naive, offset):
    """A time read from a message (pydantic's own zone object) or made here (`timezone.utc`, another offset) is
    written as the same UTC text."""
    sent = naive.isoformat(timespec="microseconds") + offset
    parsed = TypeAdapter(datetime).validate_python(sent)
    made = datetime.fromisoformat(sent.replace("Z", "+00:00"))
    expected = made.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert to_text(parsed) == to_text(made) == expected
    assert from_text(to_text(made)) == made.replace(microsecond=made.microsecond // 1000 * 1000)
