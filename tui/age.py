"""Durations as an associate reads them."""

from datetime import datetime, timezone


def describe_age(since: datetime | str | None, now: datetime | None = None) -> str:
    """`12 s`, `4 min`, `3 h 5 min`, `2 days`; empty when there is nothing to age."""
    if since is None:
        return ""
    if isinstance(since, str):
        since = datetime.fromisoformat(since.replace("Z", "+00:00"))
    now = now or datetime.now(timezone.utc)
    seconds = max(0, int((now - since).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days = seconds // 86400
    return f"{days} day{'s' if days > 1 else ''}"


def describe_due(moment: datetime | str | None, now: datetime | None = None) -> str:
    """`in 12 min` for a deadline ahead, `overdue 3 min` for one passed."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    now = now or datetime.now(timezone.utc)
    if moment >= now:
        return "in " + describe_age(now, moment)
    return "overdue " + describe_age(moment, now)
