"""When a warehouse feed may say it was counted: never ahead of central's clock beyond a little skew.

A feed dated far ahead would be the newest for ever: every later, real feed would look older and be refused."""

from datetime import datetime, timedelta

from central.domain.errors import FeedFromTheFuture

FEED_CLOCK_SKEW = timedelta(minutes=5)


def check_feed_time(as_of: datetime, now: datetime) -> None:
    if as_of > now + FEED_CLOCK_SKEW:
        raise FeedFromTheFuture(f"The feed says it was counted at {as_of.isoformat()}, later than head office's "
                                f"clock ({now.isoformat()}) by more than {int(FEED_CLOCK_SKEW.total_seconds() // 60)} "
                                "minutes; check the ERP/WMS clock and the time zone of as_of.",
                                as_of=as_of.isoformat())
