"""The text of ids and times, written the fast way, is the text the standard library gives."""

import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from shared.runtime.clock import to_text
from shared.runtime.ids import uuid7


def test_a_uuid7_is_the_canonical_text_of_a_version_7_rfc_uuid():
    for _ in range(2000):
        text = uuid7()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122


@given(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30)),
       st.sampled_from([None, "utc", "fixed"]), st.integers(-14 * 60, 14 * 60))
def test_a_times_text_is_what_converting_to_utc_and_isoformat_give(moment, zone, minutes):
    if zone == "utc":
        moment = moment.replace(tzinfo=timezone.utc)
    elif zone == "fixed":
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    reference = moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert to_text(moment) == reference
