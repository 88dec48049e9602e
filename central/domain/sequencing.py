"""Which of a store's events central applies next (DESIGN §3, §4).

A store numbers its events 1, 2, 3 … within an epoch. Central applies them strictly in that
order, skips what it already has (the watermark is the dedup), waits above a gap, and lets a
new epoch supersede the old one only where the new epoch shows its full state: at its seq 1,
or at the first chunk of a stock snapshot (which carries every level of the store).

Epochs carry no order of their own; "newer" means stored later by the broker. An epoch whose
events were stored before the current epoch opened is an older one (a replay, a restored
database) and never takes over again. Its events still happened (sales, returns, orders' steps
at the store): those that continue its own order are applied late, without touching the levels
the current epoch owns, whether they come before, with or after the newer epoch's.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum


@dataclass(frozen=True)
class Position:
    """How far central has applied one store: every event of `epoch` up to `applied_seq`."""

    epoch: str
    applied_seq: int
    opened_at: datetime | None = None  # when the broker stored the event that opened this epoch


@dataclass(frozen=True)
class Arrival:
    """An event as far as ordering is concerned."""

    epoch: str
    seq: int
    opens_snapshot: bool = False  # the first chunk of a stock.snapshot: full state, so it can open an epoch
    stored_at: datetime | None = None  # when the broker stored it

    @property
    def key(self) -> tuple[str, int]:
        return self.epoch, self.seq


class Verdict(StrEnum):
    APPLY = "apply"                  # the next one in line
    DUPLICATE = "duplicate"          # already applied: ack and skip
    HOLD = "hold"                    # above a gap in the current epoch: wait for the gap to fill
    ADOPT = "adopt"                  # opens another epoch, which supersedes the current one
    UNKNOWN_EPOCH = "unknown_epoch"  # a later event of an epoch not opened yet: wait for its opening
    RETIRED = "retired"              # of an epoch a newer one superseded, or older than the current: skip
    LATE = "late"                    # of an older epoch, next in its own order: applied, levels left alone


def decide(position: Position | None, retired: Collection[str], arrival: Arrival) -> Verdict:
    """What to do with one event, given how far the store has been applied."""
    if arrival.epoch in retired:
        return Verdict.RETIRED
    if position is not None and arrival.epoch == position.epoch:
        if arrival.seq <= position.applied_seq:
            return Verdict.DUPLICATE
        if arrival.seq == position.applied_seq + 1:
            return Verdict.APPLY
        return Verdict.HOLD
    if _older_than_current(position, arrival):
        return Verdict.RETIRED
    if arrival.seq == 1 or arrival.opens_snapshot:
        return Verdict.ADOPT
    return Verdict.UNKNOWN_EPOCH


def _older_than_current(position: Position | None, arrival: Arrival) -> bool:
    return (position is not None and position.opened_at is not None and arrival.stored_at is not None
            and arrival.stored_at < position.opened_at)


@dataclass(frozen=True)
class PlannedArrival:
    arrival: Arrival
    verdict: Verdict  # APPLY; ADOPT: the node's old levels are dropped before this event applies; or LATE


@dataclass(frozen=True)
class ApplyPlan:
    """The outcome of one batch for one store: what to apply in order, what to ack unapplied, what to keep.
    (Not a routing plan: that is `routing.RoutingPlan`.)"""

    steps: tuple[PlannedArrival, ...]
    dropped: tuple[Arrival, ...]
    held: tuple[Arrival, ...]
    position: Position | None
    retired: frozenset[str]
    # Events of older epochs stored before the current one opened, next in their own epoch's order: applied after
    # `steps`, in this order, without touching the levels (the current epoch's figures).
    late: tuple[PlannedArrival, ...] = ()


def plan(position: Position | None, retired: Collection[str], arrivals: Iterable[Arrival],
         older_applied: Mapping[str, int] | None = None) -> ApplyPlan:
    """Order a store's arrivals (this batch plus those held before); copies of one (epoch, seq) count once.
    `older_applied`: how far each epoch other than the current one was applied (absent: none of it)."""
    retired = frozenset(retired)
    older_applied = dict(older_applied or {})
    pending: dict[tuple[str, int], Arrival] = {}
    for arrival in arrivals:
        pending.setdefault(arrival.key, arrival)
    steps: list[PlannedArrival] = []
    dropped: list[Arrival] = []

    def drop_settled() -> None:
        # An older epoch's event may still apply late: which ones is settled once the current epoch is known.
        for key, arrival in list(pending.items()):
            verdict = decide(position, retired, arrival)
            if verdict is Verdict.DUPLICATE or (verdict is Verdict.RETIRED and not _older_than_current(position,
                                                                                                       arrival)):
                dropped.append(pending.pop(key))

    drop_settled()
    while pending:
        if position is not None and (nxt := pending.pop((position.epoch, position.applied_seq + 1), None)):
            steps.append(PlannedArrival(nxt, Verdict.APPLY))
            position = Position(position.epoch, nxt.seq, position.opened_at)
            continue
        opening = [a for a in pending.values() if decide(position, retired, a) is Verdict.ADOPT]
        if not opening:
            break
        chosen = _first_to_open(opening)
        del pending[chosen.key]
        if position is not None:
            retired = retired | {position.epoch}
            older_applied[position.epoch] = position.applied_seq
        steps.append(PlannedArrival(chosen, Verdict.ADOPT))
        position = Position(chosen.epoch, chosen.seq, chosen.stored_at)
        drop_settled()
    late = []
    for arrival in sorted((a for a in pending.values() if decide(position, retired, a) is Verdict.RETIRED),
                          key=lambda a: a.key):
        retired = retired | {arrival.epoch}  # older than the current epoch: it never takes over
        applied = older_applied.get(arrival.epoch, 0)
        if arrival.seq <= applied:
            dropped.append(pending.pop(arrival.key))
        elif arrival.seq == applied + 1:
            late.append(PlannedArrival(pending.pop(arrival.key), Verdict.LATE))
            older_applied[arrival.epoch] = arrival.seq
        # else above a gap in its epoch: held, for the copy a redelivery brings (a superseded epoch is never asked)
    held = tuple(sorted(pending.values(), key=lambda a: a.key))
    return ApplyPlan(tuple(steps), tuple(dropped), held, position, retired, tuple(late))


_NOT_STORED = datetime.min.replace(tzinfo=timezone.utc)


def _first_to_open(openings: list[Arrival]) -> Arrival:
    """Of the events that could open an epoch, the one to adopt first. Epochs open in the order the broker stored
    their openings (DESIGN §12): the older epoch applies what it has, then the newer one supersedes it, as when a
    batch ends between the two. (The epochs' ids carry no order: taking the newer first would apply the older one's
    events late, after the newer one's.) Within one epoch a real opening (seq 1) comes before a mid-epoch snapshot,
    lowest seq first, so more of the epoch applies."""
    best: dict[str, Arrival] = {}
    for arrival in openings:
        kept = best.get(arrival.epoch)
        if kept is None or (arrival.seq != 1, arrival.seq) < (kept.seq != 1, kept.seq):
            best[arrival.epoch] = arrival
    return min(best.values(), key=lambda a: (a.stored_at is None, a.stored_at or _NOT_STORED, a.seq != 1, a.seq,
                                             a.epoch))
