"""A daily series reads only what its metric is computed from (`DAILY_READS`): every metric says what that is."""

from central.domain.reports import DAILY, DAILY_READS, EVERYTHING


def test_every_daily_metric_names_what_it_reads():
    assert set(DAILY_READS) == set(DAILY)
    assert all(reads and reads <= EVERYTHING for reads in DAILY_READS.values())
