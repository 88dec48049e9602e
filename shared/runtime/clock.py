"""UTC time, written as RFC 3339 everywhere it leaves a process; a store's local time only for people to read."""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


_NO_OFFSET = timedelta(0)


def to_text(moment: datetime) -> str:
    """RFC 3339 with milliseconds and a `Z`, the one form stored and sent."""
    # A time in UTC already needs no conversion: every `utc_now()`, and every time read from a message (pydantic's
    # own zone object with a zero offset, which `astimezone` converts slowly).
    if moment.tzinfo is not timezone.utc and moment.utcoffset() != _NO_OFFSET:
        moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def from_text(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset")
    return moment.astimezone(timezone.utc)


def now_text() -> str:
    return to_text(utc_now())


def zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name (`Europe/Berlin`); ValueError with a sentence when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin, America/New_York "
                         "or UTC.") from None


def local_text(text: str, zone_name: str) -> str:
    """An RFC 3339 time as wall-clock time in a zone, with its offset: "2026-03-02T09:00:00.000Z" in Europe/Berlin
    → "2026-03-02T10:00:00+01:00". UTC stays as it is."""
    if zone_name == "UTC":
        return text
    return from_text(text).astimezone(zone(zone_name)).isoformat(timespec="seconds")


def local_day_span(day: date, zone_name: str) -> tuple[str, str]:
    """From local midnight of `day` to the next, as RFC 3339 UTC texts (23 or 25 hours on a clock change)."""
    place = zone(zone_name)
    start = datetime.combine(day, time(), tzinfo=place)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=place)
    return to_text(start), to_text(end)


def local_today(zone_name: str, now: datetime | None = None) -> date:
    return (now or utc_now()).astimezone(zone(zone_name)).date()
