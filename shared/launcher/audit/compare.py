"""The invariants between one store and head office, as a pure comparison of what each side holds.

Per store: the events central applied are the store's, each once, at the same (epoch, seq); the receipts are the
same, each recorded by the same event; the levels are equal; no order line has more units in live allocations
than it asks for, the store's `reserved` is what its open fulfilments and transfers hold, and both sides agree on every
allocation's state. Each difference says what it means and what to do; errors make the audit fail, notices
(what a database restored from a backup leaves behind, by design) do not.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from enum import StrEnum

from shared.contract.audit import EventRecord, FulfilmentRecord, LevelRecord

# Central's allocation states the store's fulfilment states stand for (the store says `assigned` before it
# answers; central times out what a store rejects itself once `accept_by` passed).
SAME_STATE = {"assigned": {"pending"}, "rejected": {"rejected", "timed_out"}}
CLOSED_AT_CENTRAL = {"rejected", "cancelled", "timed_out", "expired"}


class Severity(StrEnum):
    ERROR = "error"
    NOTICE = "notice"


@dataclass(frozen=True)
class Difference:
    severity: Severity
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper():6} {self.kind}: {self.message}"


@dataclass
class Holdings:
    """What one side holds of the store."""

    epoch: str | None
    last_seq: int  # edge: the last seq numbered in its epoch; central: the applied watermark of its epoch
    events: list[EventRecord] = field(default_factory=list)
    receipts: dict[str, str] = field(default_factory=dict)  # receipt number -> event id
    levels: dict[str, LevelRecord] = field(default_factory=dict)
    fulfilments: dict[str, FulfilmentRecord] = field(default_factory=dict)
    transfers: dict[str, dict[str, int]] = field(default_factory=dict)  # edge only: transfer id -> units held


def compare(store_id: str, store: Holdings, central: Holdings) -> list[Difference]:
    return [*_events(store_id, store, central), *_receipts(store, central), *_levels(store, central),
            *_allocations(store, central)]


def errors(differences: list[Difference]) -> list[Difference]:
    return [d for d in differences if d.severity is Severity.ERROR]


def _error(kind: str, message: str) -> Difference:
    return Difference(Severity.ERROR, kind, message)


def _notice(kind: str, message: str) -> Difference:
    return Difference(Severity.NOTICE, kind, message)


def _ranges(seqs: list[int]) -> str:
    """1, 2, 3, 7 -> '1–3, 7' (at most a few ranges, then how many more)."""
    spans: list[list[int]] = []
    for seq in sorted(seqs):
        if spans and seq == spans[-1][1] + 1:
            spans[-1][1] = seq
        else:
            spans.append([seq, seq])
    shown = [f"{a}–{b}" if a != b else str(a) for a, b in spans[:5]]
    return ", ".join(shown) + (f" and {len(spans) - 5} more ranges" if len(spans) > 5 else "")


def _events(store_id: str, store: Holdings, central: Holdings) -> list[Difference]:
    found: list[Difference] = []
    applied: dict[tuple[str, int], list[EventRecord]] = defaultdict(list)
    for event in central.events:
        applied[(event.epoch, event.seq)].append(event)
    for (epoch, seq), copies in sorted(applied.items()):
        if len(copies) > 1:
            ids = sorted({c.id for c in copies})
            what = "applied twice" if len(ids) == 1 else f"{len(ids)} different events applied ({', '.join(ids)})"
            found.append(_error("applied_twice", f"central {what} at epoch {epoch} seq {seq}"))
    for counts, side in ((Counter(e.id for e in central.events), "central applied"),
                         (Counter(e.id for e in store.events), "the store numbered")):
        for event_id, n in counts.items():
            if n > 1:
                found.append(_error("event_twice", f"{side} event {event_id} {n} times"))

    if central.epoch != store.epoch:
        found.append(_error("epoch", f"the store is in epoch {store.epoch}, central applies epoch {central.epoch}: "
                                     "central has not taken up the store's current epoch (its opening snapshot has "
                                     "not arrived or was not applied)"))
    watermark = central.last_seq if central.epoch == store.epoch else 0
    first_recorded = min((s for (e, s) in applied if e == store.epoch), default=None)
    unapplied, unpublished, conflicts, unrecorded = [], 0, [], []
    held = {(e.epoch, e.seq): e for e in store.events}
    for event in store.events:
        copies = applied.get((event.epoch, event.seq))
        if event.epoch != store.epoch:
            if copies and all(c.id != event.id for c in copies):
                conflicts.append((event, copies[0]))
            continue
        if event.seq > watermark:
            unapplied.append(event.seq)
            unpublished += not event.published
        elif copies is None:
            unrecorded.append(event.seq)
        elif all(c.id != event.id for c in copies):
            conflicts.append((event, copies[0]))
    for event, other in conflicts:
        found.append(_error("conflict", f"at epoch {event.epoch} seq {event.seq} the store holds event {event.id} "
                                        f"({event.type}), central applied {other.id} ({other.type}): a second "
                                        "publisher in the epoch; ask the store for a snapshot"))
    if unapplied:
        found.append(_error("not_applied", f"{len(unapplied)} of the store's events are not applied at central "
                                           f"(seq {_ranges(unapplied)}; {unpublished} not yet published by the "
                                           "store): wait for the backlog to drain, else check the store's link "
                                           "and central's ingest"))
    if unrecorded:
        early = first_recorded is None or max(unrecorded) < first_recorded
        make = _notice if early else _error
        found.append(make("unrecorded", f"central's watermark covers seq {_ranges(unrecorded)} of epoch "
                                        f"{store.epoch} but it recorded no event there"
                                        + (" (applied before central recorded event ids)" if early else "")))
    beyond = sorted(s for (e, s) in applied if e == store.epoch and s > store.last_seq)
    if beyond:
        found.append(_error("unknown_events", f"central applied seq {_ranges(beyond)} of epoch {store.epoch}, which "
                                              f"the store never numbered (its last is {store.last_seq}): another "
                                              f"publisher used {store_id}'s identity"))
    # Events of epochs the store no longer counts in (a database restored from a backup, replaced).
    for epoch in sorted({e for (e, _) in applied} - {store.epoch}):
        kept = [s for (e, s) in held if e == epoch]
        missing = sorted(s for (e, s) in applied if e == epoch and (e, s) not in held)
        if missing and kept:
            found.append(_notice("superseded", f"epoch {epoch}: central applied seq {_ranges(missing)}, which the "
                                               f"store's superseded copy does not hold (its database was restored "
                                               f"from a backup); central keeps them"))
    central_ids = {e.id for e in central.events}
    lost = [e for e in store.events if e.epoch != store.epoch and e.id not in central_ids]
    if lost:
        found.append(_notice("superseded_unsent", f"{len(lost)} events of superseded epochs never reached central "
                                                  "(kept at the store for review)"))
    return found


def _receipts(store: Holdings, central: Holdings) -> list[Difference]:
    found: list[Difference] = []
    epoch_of = {e.id: e.epoch for e in central.events}
    for number in sorted(store.receipts.keys() | central.receipts.keys()):
        ours, theirs = store.receipts.get(number), central.receipts.get(number)
        if ours is not None and theirs is not None:
            if ours != theirs:
                found.append(_error("receipt_event", f"receipt {number}: the store recorded it with event {ours}, "
                                                     f"central with {theirs}: one receipt number given twice"))
        elif theirs is None:
            found.append(_error("receipt_missing", f"receipt {number} is at the store but not at central"))
        elif epoch_of.get(theirs, store.epoch) != store.epoch:
            found.append(_notice("receipt_superseded", f"receipt {number} is known only to central, from a "
                                                       "superseded epoch (the store's database was restored); "
                                                       "returns of it at this store need central online"))
        else:
            found.append(_error("receipt_unknown", f"receipt {number} is at central but not at the store"))
    return found


def _levels(store: Holdings, central: Holdings) -> list[Difference]:
    found: list[Difference] = []
    for sku in sorted(store.levels.keys() | central.levels.keys()):
        ours, theirs = _figures(store.levels.get(sku)), _figures(central.levels.get(sku))
        if ours != theirs:
            found.append(_error("levels", f"{sku}: on_hand/reserved/damaged at the store {'/'.join(map(str, ours))}, "
                                          f"at central {'/'.join(map(str, theirs))}"))
    return found


def _figures(level: LevelRecord | None) -> tuple[int, int, int]:
    return (level.on_hand, level.reserved, level.damaged) if level else (0, 0, 0)


def _allocations(store: Holdings, central: Holdings) -> list[Difference]:
    found: list[Difference] = []
    over = {}
    for allocation in central.fulfilments.values():
        for line in allocation.lines:
            if line.ordered is not None and line.live_allocated is not None and line.live_allocated > line.ordered:
                over[(allocation.order_id, line.sku)] = (line.live_allocated, line.ordered)
    for (order_id, sku), (allocated, ordered) in sorted(over.items()):
        found.append(_error("allocated_twice", f"order {order_id}: {allocated} units of {sku} in live allocations "
                                               f"for {ordered} ordered"))
    holding: Counter[str] = Counter()
    for fulfilment in store.fulfilments.values():
        holding.update(fulfilment.holding)
    for transfer_holding in store.transfers.values():
        holding.update(transfer_holding)
    for sku in sorted(set(holding) | {s for s, level in store.levels.items() if level.reserved}):
        reserved = store.levels[sku].reserved if sku in store.levels else 0
        if reserved != holding[sku]:
            found.append(_error("reserved", f"{sku}: the store reserves {reserved} units, its open fulfilments "
                                            f"and transfers hold {holding[sku]}"))
    for allocation_id in sorted(store.fulfilments.keys() | central.fulfilments.keys()):
        ours, theirs = store.fulfilments.get(allocation_id), central.fulfilments.get(allocation_id)
        if theirs is None:
            found.append(_error("fulfilment_unknown", f"the store has fulfilment {allocation_id} ({ours.status}), "
                                                      "central has no such allocation at this store"))
        elif ours is None:
            if theirs.status not in CLOSED_AT_CENTRAL:
                found.append(_error("fulfilment_missing", f"central's allocation {allocation_id} ({theirs.status}) "
                                                          "has not reached the store"))
        elif theirs.status not in SAME_STATE.get(ours.status, {ours.status}):
            found.append(_error("fulfilment_state", f"allocation {allocation_id}: {ours.status} at the store, "
                                                    f"{theirs.status} at central"))
    return found
