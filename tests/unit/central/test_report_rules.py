"""Head office's figures as pure computation (docs/reports.md): percentiles, credit liability, sync lag, and the
invariant that a range's per-day series add up to the range's own figures."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from central.domain.reports import (
    CreditEntry,
    Facts,
    Money,
    OrderFacts,
    StoreSync,
    Window,
    credit_liability,
    daily,
    kpis,
    percentile,
    sync_lag,
)

DAY = date(2026, 3, 2)
NOON = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)


class TestPercentiles:
    def test_are_by_nearest_rank(self):
        assert percentile([10200, 3600, 7200], 50) == 7200
        assert percentile([10200, 3600, 7200], 90) == 10200
        assert percentile([5], 90) == 5 and percentile([1, 2, 3, 4], 50) == 2

    def test_of_nothing_is_none(self):
        assert percentile([], 50) is None


class TestCreditLiability:
    def test_counts_what_is_left_on_notes_alive_at_the_time(self):
        entries = [
            CreditEntry("C1", "EUR", None, "issued", 1000, NOON - timedelta(days=3)),
            CreditEntry("C1", "EUR", None, "redeemed", 400, NOON - timedelta(days=1)),
            CreditEntry("C2", "EUR", NOON - timedelta(hours=1), "issued", 500, NOON - timedelta(days=2)),  # expired
            CreditEntry("C3", "EUR", None, "issued", 300, NOON - timedelta(days=2)),
            CreditEntry("C3", "EUR", None, "redeemed", 350, NOON - timedelta(days=1)),  # overdrawn: counts 0
            CreditEntry("C4", "SEK", None, "issued", 700, NOON + timedelta(hours=1)),  # later
        ]
        assert credit_liability(entries, NOON) == [{"currency": "EUR", "notes": 1, "outstanding": 600}]
        assert credit_liability(entries, NOON + timedelta(days=1)) == [
            {"currency": "EUR", "notes": 1, "outstanding": 600}, {"currency": "SEK", "notes": 1, "outstanding": 700}]


class TestSyncLag:
    def test_says_how_far_behind_central_is_in_events_and_time(self):
        stores = [StoreSync("S002", NOON - timedelta(seconds=20), 40, 35, 3, NOON - timedelta(seconds=90), None),
                  StoreSync("S001", NOON - timedelta(seconds=5), 12, 12, 0, None, None),
                  StoreSync("S003", None, None, 0, None, None, None)]
        lag = {row["store_id"]: row for row in sync_lag(stores, NOON)}
        assert [row["store_id"] for row in sync_lag(stores, NOON)] == ["S001", "S002", "S003"]
        assert (lag["S002"]["events_behind"], lag["S002"]["unsent"], lag["S002"]["lag_s"],
                lag["S002"]["heartbeat_age_s"]) == (5, 3, 90, 20)
        assert (lag["S001"]["events_behind"], lag["S001"]["lag_s"]) == (0, 0)
        assert (lag["S003"]["events_behind"], lag["S003"]["lag_s"], lag["S003"]["heartbeat_age_s"]) == (None, None,
                                                                                                         None)


moments = st.builds(lambda day, minute: datetime.combine(DAY + timedelta(days=day), datetime.min.time(),
                                                         timezone.utc) + timedelta(minutes=minute),
                    st.integers(0, 4), st.integers(0, 24 * 60 - 1))
money = st.builds(Money, at=moments, store_id=st.sampled_from([None, "S001", "S002"]),
                  channel=st.sampled_from(["web", "walk_in"]), currency=st.sampled_from(["EUR", "SEK"]),
                  kind=st.sampled_from(["sale", "payment", "refund"]), amount=st.integers(0, 10_000),
                  tender=st.sampled_from(["card", "cash"]))
orders = st.builds(OrderFacts, order_id=st.uuids().map(str), channel=st.just("web"), placed_at=moments,
                   completed_at=st.none(), closed=st.booleans(), customer_cancelled=st.booleans(),
                   ordered=st.integers(1, 5), customer_given_up=st.just(0), done=st.integers(0, 1),
                   nodes=st.integers(0, 2), backordered=st.booleans())


@settings(max_examples=60, deadline=None)
@given(money=st.lists(money, max_size=30), orders=st.lists(orders, max_size=20))
def test_the_days_of_a_range_add_up_to_the_range(money, orders):
    window = Window(DAY, DAY + timedelta(days=4))
    facts = Facts(orders=orders, allocations=[], returned=[], sold=[], money=money, demand=[], atp={}, credit=[],
                  stores=[])
    report = kpis(facts, window, NOON + timedelta(days=10))
    placed = daily(facts, window, "orders_placed")
    assert [p["date"] for p in placed] == window.days()
    assert sum(p["value"] for p in placed) == report["orders"]["placed"]
    for metric, field in (("sales", "sales"), ("takings", "takings"), ("refunds", "refunds"),
                          ("net_takings", "net_takings")):
        per_currency: dict[str, int] = {}
        for point in daily(facts, window, metric):
            if point["currency"] is not None:
                per_currency[point["currency"]] = per_currency.get(point["currency"], 0) + point["value"]
        expected: dict[str, int] = {}
        for row in report["sales"]:
            expected[row["currency"]] = expected.get(row["currency"], 0) + row[field]
        assert {c: v for c, v in per_currency.items() if v} == {c: v for c, v in expected.items() if v}, metric
    for row in report["sales"]:  # every tender's net adds up to the row's net takings
        assert sum(row["by_tender"].values()) == row["net_takings"]
