"""An older epoch's events (stored before the current epoch opened) still happened: central applies each of them
once, in its own epoch's order, whether it comes before, with or after the newer epoch's; the newer epoch stays
the store's current one."""

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from central.domain.sequencing import Arrival, Position, Verdict, plan

E, F = "epoch-e", "epoch-f"
T = datetime(2026, 3, 1, tzinfo=timezone.utc)


def at(epoch: str, seq: int, second: int) -> Arrival:
    return Arrival(epoch, seq, seq == 1, T + timedelta(seconds=second))


class TestLate:
    opened = Position(F, 2, T + timedelta(seconds=10))

    def test_the_next_events_of_a_superseded_epoch_apply_late_in_its_order(self):
        result = plan(self.opened, {E}, [at(E, 5, 5), at(E, 4, 4)], {E: 3})
        assert [(s.arrival.key, s.verdict) for s in result.late] == [((E, 4), Verdict.LATE), ((E, 5), Verdict.LATE)]
        assert result.steps == () and result.dropped == () and result.held == () and result.position == self.opened

    def test_what_it_applied_already_is_dropped_and_what_lies_above_its_gap_waits(self):
        result = plan(self.opened, {E}, [at(E, 3, 3), at(E, 6, 6)], {E: 3})
        assert result.late == () and [a.key for a in result.dropped] == [(E, 3)]
        assert [a.key for a in result.held] == [(E, 6)]  # a redelivery may still bring 4 and 5

    def test_an_older_epoch_met_only_now_is_retired_so_nobody_asks_it_for_a_snapshot(self):
        result = plan(self.opened, set(), [at(E, 3, 3)])
        assert result.retired == {E} and [a.key for a in result.held] == [(E, 3)]

    def test_an_older_epoch_never_seen_applies_late_from_its_seq_1(self):
        result = plan(self.opened, set(), [at(E, 2, 2), at(E, 1, 1)])
        assert [s.arrival.key for s in result.late] == [(E, 1), (E, 2)] and result.position == self.opened

    def test_a_superseded_epoch_publishing_after_the_new_one_opened_is_not_applied(self):
        result = plan(self.opened, {E}, [at(E, 4, 11)], {E: 3})  # a second publisher: not the store's history
        assert result.late == () and [a.key for a in result.dropped] == [(E, 4)]

    def test_an_epoch_superseded_within_the_plan_continues_late_from_where_it_stopped(self):
        result = plan(Position(E, 3, T), set(), [at(F, 1, 10), at(E, 5, 5)])  # E 4 comes in a later batch
        assert [s.arrival.key for s in result.steps] == [(F, 1)] and result.late == ()
        later = plan(result.position, result.retired, [at(E, 4, 4), at(E, 5, 5)], {E: 3})
        assert [s.arrival.key for s in later.late] == [(E, 4), (E, 5)]


def _deliver(deliveries: list[Arrival], cuts: list[int]) -> list[tuple[str, int]]:
    """Feed deliveries to `plan` in batches as the ingest does: what is held carried over, and how far each epoch
    other than the current one was applied read back from what was applied."""
    position, retired, held, applied = None, frozenset(), (), []
    start = 0
    for end in sorted({*cuts, len(deliveries)}):
        marks = {}
        for epoch, seq in applied:
            marks[epoch] = max(seq, marks.get(epoch, 0))
        result = plan(position, retired, [*held, *deliveries[start:end]], marks)
        applied += [s.arrival.key for s in result.steps + result.late]
        position, retired, held = result.position, result.retired, result.held
        start = end
    return applied


@settings(deadline=None)
@given(st.tuples(st.integers(1, 12), st.integers(1, 12)).flatmap(
    lambda nm: st.tuples(st.just(nm), st.permutations(range(nm[0] + nm[1])), st.lists(st.integers(0, sum(nm)),
                                                                                      max_size=5))))
def test_every_event_of_both_epochs_applies_once_whatever_the_batches_and_the_newer_one_stays(case):
    (n, m), order, cuts = case
    stored = [at(E, s, s) for s in range(1, n + 1)] + [at(F, s, n + s) for s in range(1, m + 1)]
    deliveries = [stored[i] for i in order]
    applied = _deliver(deliveries, cuts)
    assert sorted(applied) == sorted(a.key for a in stored)  # each once
    for epoch in (E, F):
        seqs = [seq for e, seq in applied if e == epoch]
        assert seqs == sorted(seqs)  # in its own order
    assert [key for key in applied if key[0] == F] == [(F, s) for s in range(1, m + 1)]
