"""When central asks a store to send again (DESIGN §4): a gap that does not fill, or a store ahead of us.

`missing` says what central lacks right now; the caller keeps since when, and asks once that lasted
`resend_after` (and again every `resend_after` while it lasts), so a batch merely in flight asks nothing.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from central.domain.sequencing import Arrival, Position


@dataclass(frozen=True)
class Resend:
    """`sync.resend {from_seq, to_seq}`: the store publishes those events of its epoch again."""

    from_seq: int
    to_seq: int


@dataclass(frozen=True)
class SnapshotNeeded:
    """`sync.snapshot {}`: an epoch central never saw open; only a full snapshot can start it."""


def missing(position: Position | None, retired: Collection[str], held: Iterable[Arrival],
            heartbeat: tuple[str, int] | None) -> Resend | SnapshotNeeded | None:
    """What central lacks of a store, from the events it holds and the store's last (epoch, last_seq)."""
    held = list(held)
    same_epoch = sorted(a.seq for a in held if position is not None and a.epoch == position.epoch)
    if same_epoch:
        return Resend(position.applied_seq + 1, same_epoch[0] - 1)
    # Parked events of an epoch never opened need its snapshot, unless the store says it is in our current epoch:
    # then they are left-overs or forgeries, and asking would only repeat itself.
    in_current = position is not None and heartbeat is not None and heartbeat[0] == position.epoch
    if not in_current and any(a.epoch not in retired for a in held):
        return SnapshotNeeded()
    if heartbeat is not None:
        epoch, last_seq = heartbeat
        if position is not None and epoch == position.epoch:
            if last_seq > position.applied_seq:
                return Resend(position.applied_seq + 1, last_seq)
        elif epoch not in retired and last_seq > 0:
            return SnapshotNeeded()
    return None


def request_due(behind_since: datetime | None, last_requested: datetime | None, now: datetime,
                resend_after: timedelta) -> bool:
    """Ask when central has been behind for `resend_after`, and not more often than that."""
    if behind_since is None or now - behind_since < resend_after:
        return False
    return last_requested is None or now - last_requested >= resend_after
