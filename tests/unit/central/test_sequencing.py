"""Central applies each store's events once, in seq order, whatever order and copies they arrive in."""

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from central.domain.sequencing import Arrival, Position, Verdict, decide, plan

E, F = "epoch-e", "epoch-f"


class TestDecide:
    def test_the_next_seq_applies(self):
        assert decide(Position(E, 4), set(), Arrival(E, 5)) is Verdict.APPLY

    def test_a_seq_at_or_below_the_watermark_is_a_duplicate(self):
        assert decide(Position(E, 4), set(), Arrival(E, 4)) is Verdict.DUPLICATE
        assert decide(Position(E, 4), set(), Arrival(E, 1)) is Verdict.DUPLICATE

    def test_a_seq_above_a_gap_is_held(self):
        assert decide(Position(E, 4), set(), Arrival(E, 6)) is Verdict.HOLD

    def test_seq_1_of_another_epoch_is_adopted(self):
        assert decide(Position(E, 4), set(), Arrival(F, 1)) is Verdict.ADOPT

    def test_a_first_store_event_at_seq_1_is_adopted(self):
        assert decide(None, set(), Arrival(E, 1)) is Verdict.ADOPT

    def test_a_later_event_of_an_unopened_epoch_waits(self):
        assert decide(Position(E, 4), set(), Arrival(F, 3)) is Verdict.UNKNOWN_EPOCH
        assert decide(None, set(), Arrival(F, 3)) is Verdict.UNKNOWN_EPOCH

    def test_a_snapshot_can_open_an_unknown_epoch_mid_way(self):
        assert decide(None, set(), Arrival(F, 40, opens_snapshot=True)) is Verdict.ADOPT

    def test_a_snapshot_above_a_gap_in_the_current_epoch_still_waits(self):
        assert decide(Position(E, 4), set(), Arrival(E, 9, opens_snapshot=True)) is Verdict.HOLD

    def test_events_of_a_superseded_epoch_are_skipped(self):
        assert decide(Position(F, 2), {E}, Arrival(E, 5)) is Verdict.RETIRED

    def test_an_epoch_stored_before_the_current_one_opened_never_takes_over(self):
        opened = datetime(2026, 3, 1, tzinfo=timezone.utc)
        earlier = Arrival(E, 1, opens_snapshot=True, stored_at=opened - timedelta(seconds=1))
        later = Arrival(E, 1, opens_snapshot=True, stored_at=opened + timedelta(seconds=1))
        assert decide(Position(F, 2, opened), set(), earlier) is Verdict.RETIRED
        assert decide(Position(F, 2, opened), set(), later) is Verdict.ADOPT


class TestPlan:
    def test_a_filled_gap_releases_the_held_events_in_order(self):
        first = plan(Position(E, 1), set(), [Arrival(E, 3), Arrival(E, 4)])
        assert first.steps == () and [a.seq for a in first.held] == [3, 4]
        second = plan(first.position, first.retired, [*first.held, Arrival(E, 2)])
        assert [s.arrival.seq for s in second.steps] == [2, 3, 4]
        assert second.position == Position(E, 4) and second.held == ()

    def test_a_new_epoch_retires_the_old_and_drops_its_late_events(self):
        result = plan(Position(E, 3), set(), [Arrival(F, 1, opens_snapshot=True), Arrival(F, 2), Arrival(E, 7)])
        assert [(s.arrival.key, s.verdict) for s in result.steps] == [((F, 1), Verdict.ADOPT), ((F, 2), Verdict.APPLY)]
        assert result.retired == {E} and [a.key for a in result.dropped] == [(E, 7)]

    def test_the_old_epoch_applies_what_it_can_before_the_new_one_opens(self):
        result = plan(Position(E, 3), set(), [Arrival(F, 1), Arrival(E, 4)])
        assert [s.arrival.key for s in result.steps] == [(E, 4), (F, 1)]

    def test_copies_of_one_event_count_once(self):
        result = plan(Position(E, 0), set(), [Arrival(E, 1), Arrival(E, 1), Arrival(E, 2)])
        assert [s.arrival.seq for s in result.steps] == [1, 2]


def _deliver(deliveries: list[Arrival], cuts: list[int]) -> list[tuple[str, int]]:
    """Feed deliveries to `plan` in batches, carrying what is held, as the ingest loop does."""
    position, retired, held, applied = None, frozenset(), (), []
    start = 0
    for end in sorted({*cuts, len(deliveries)}):
        result = plan(position, retired, [*held, *deliveries[start:end]])
        applied += [s.arrival.key for s in result.steps]
        position, retired, held = result.position, result.retired, result.held
        start = end
    return applied


@st.composite
def shuffled_with_copies(draw, arrivals: list[Arrival]):
    copies = draw(st.lists(st.sampled_from(arrivals), max_size=len(arrivals))) if arrivals else []
    deliveries = draw(st.permutations([*arrivals, *copies]))
    cuts = draw(st.lists(st.integers(0, len(deliveries)), max_size=6))
    return deliveries, cuts


class TestAnyDeliveryOrder:
    @settings(deadline=None)
    @given(st.integers(1, 30).flatmap(
        lambda n: shuffled_with_copies([Arrival(E, s, opens_snapshot=(s == 1)) for s in range(1, n + 1)])
        .map(lambda d: (n, d))))
    def test_every_seq_of_an_epoch_applies_exactly_once_in_order(self, case):
        n, (deliveries, cuts) = case
        assert _deliver(deliveries, cuts) == [(E, s) for s in range(1, n + 1)]

    @settings(deadline=None)
    @given(st.tuples(st.integers(1, 15), st.integers(1, 15)).flatmap(
        lambda nm: shuffled_with_copies(
            [Arrival(E, s, s == 1) for s in range(1, nm[0] + 1)] + [Arrival(F, s, s == 1) for s in range(1, nm[1] + 1)])
        .map(lambda d: (nm, d))))
    def test_a_new_epoch_applies_whole_and_the_old_one_only_a_prefix_before_it(self, case):
        (n, m), (deliveries, cuts) = case
        applied = _deliver(deliveries, cuts)
        old = [seq for epoch, seq in applied if epoch == E]
        new = [seq for epoch, seq in applied if epoch == F]
        assert old == list(range(1, len(old) + 1))
        # the old epoch may win the first opening; whichever opened last is applied completely
        final_epoch = applied[-1][0]
        assert (new if final_epoch == F else old) == list(range(1, (m if final_epoch == F else n) + 1))
        switches = sum(1 for a, b in zip(applied, applied[1:]) if a[0] != b[0])
        assert switches <= 1

    @settings(deadline=None)
    @given(st.tuples(st.integers(1, 15), st.integers(1, 15)).flatmap(
        lambda nm: shuffled_with_copies(_stored_in_order(
            [(E, s) for s in range(1, nm[0] + 1)] + [(F, s) for s in range(1, nm[1] + 1)]))
        .map(lambda d: (nm, d))))
    def test_the_epoch_stored_last_wins_whatever_the_delivery_order(self, case):
        (n, m), (deliveries, cuts) = case
        applied = _deliver(deliveries, cuts)
        assert [seq for epoch, seq in applied if epoch == F] == list(range(1, m + 1))
        old = [seq for epoch, seq in applied if epoch == E]
        assert old == list(range(1, len(old) + 1))
        assert applied[-m:] == [(F, s) for s in range(1, m + 1)]


def _stored_in_order(keys: list[tuple[str, int]]) -> list[Arrival]:
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    return [Arrival(epoch, seq, seq == 1, start + timedelta(milliseconds=i)) for i, (epoch, seq) in enumerate(keys)]
