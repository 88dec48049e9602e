"""Whether central may promise a node's stock (DESIGN §4, §5): all times are central's clock."""

from dataclasses import dataclass
from datetime import datetime, timedelta

HEARTBEAT_INTERVAL_S = 5   # what a store sends by default (edge `heartbeat_interval_s`)
MISSED_HEARTBEATS = 3      # this many missed in a row: the store is offline and stale, whatever its data
STALE_AFTER_S = HEARTBEAT_INTERVAL_S * MISSED_HEARTBEATS


@dataclass(frozen=True)
class StoreSync:
    """What central knows of a store's sync: its applied position and its last heartbeat."""

    epoch: str | None
    applied_seq: int
    last_heartbeat_at: datetime | None
    hb_epoch: str | None
    hb_last_seq: int | None


def store_online(now: datetime, last_heartbeat_at: datetime | None,
                 stale_after: timedelta = timedelta(seconds=STALE_AFTER_S)) -> bool:
    """Heartbeats still arrive: the last one is younger than `stale_after` (a frozen link stops them)."""
    return last_heartbeat_at is not None and now - last_heartbeat_at < stale_after


def store_fresh_since(sync: StoreSync) -> datetime | None:
    """From when a store's freshness counts: its last heartbeat, while central has applied every event that
    heartbeat said the store had written; None when it is stale whatever the time."""
    if sync.last_heartbeat_at is None:
        return None
    last_seq = sync.hb_last_seq or 0
    if sync.epoch is None:
        caught_up = last_seq == 0  # a new store that has written nothing: nothing to catch up on
    else:
        caught_up = sync.hb_epoch == sync.epoch and sync.applied_seq >= last_seq
    return sync.last_heartbeat_at if caught_up else None


def warehouse_fresh_since(as_of: datetime | None, received_at: datetime | None) -> datetime | None:
    """From when a DC's feed counts: the older of its as_of and its arrival; None without a feed."""
    if as_of is None or received_at is None:
        return None
    return min(as_of, received_at)


def fresh_at(now: datetime, since: datetime | None, stale_after: timedelta) -> bool:
    """Whether a node whose freshness counts from `since` is fresh at `now`: younger than `stale_after`."""
    return since is not None and now - since < stale_after


def store_fresh(now: datetime, sync: StoreSync, stale_after: timedelta) -> bool:
    """A recent heartbeat, and central has applied every event that heartbeat said the store had written."""
    return fresh_at(now, store_fresh_since(sync), stale_after)


def warehouse_fresh(now: datetime, as_of: datetime | None, received_at: datetime | None,
                    stale_after: timedelta) -> bool:
    """A DC's feed counts while it is younger than `stale_after`; the older of its as_of and arrival counts."""
    return fresh_at(now, warehouse_fresh_since(as_of, received_at), stale_after)
