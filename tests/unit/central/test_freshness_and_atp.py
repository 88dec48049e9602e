"""Freshness and ATP (DESIGN §4, §5): stale nodes promise nothing, and nothing is ever negative."""

from datetime import datetime, timedelta, timezone

from central.domain.atp import NodeStock, network_atp, node_atp
from central.domain.freshness import (
    StoreSync,
    store_fresh,
    store_online,
    warehouse_fresh,
)
from central.domain.policy import RoutingPolicy
from central.domain.resync import Resend, SnapshotNeeded, missing, request_due
from central.domain.scopes import Scope, grants
from central.domain.sequencing import Arrival, Position
from central.settings import CentralSettings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
STALE_AFTER = timedelta(seconds=120)


def stock(on_hand=10, reserved=0, pending=0, safety=0, fresh=True, node="S001"):
    return NodeStock(node, "store", on_hand, reserved, pending, safety, fresh, NOW)


class TestAtp:
    def test_is_on_hand_less_reserved_pending_and_safety_stock(self):
        assert node_atp(stock(on_hand=10, reserved=2, pending=3, safety=1)) == 4

    def test_a_stale_node_promises_nothing(self):
        assert node_atp(stock(on_hand=10, fresh=False)) == 0

    def test_is_never_negative(self):
        assert node_atp(stock(on_hand=2, reserved=1, pending=5, safety=3)) == 0
        assert node_atp(stock(on_hand=-4)) == 0

    def test_the_network_sums_its_nodes_and_counts_stale_stock_only_as_on_hand(self):
        total = network_atp([stock(on_hand=5, reserved=1), stock(on_hand=7, node="S002", fresh=False),
                             stock(on_hand=1, pending=3, node="S003")])
        assert (total.atp, total.on_hand, total.reserved) == (4, 13, 1)


def sync(epoch="e1", applied=10, heard=NOW - timedelta(seconds=5), hb_epoch="e1", hb_last=10):
    return StoreSync(epoch, applied, heard, hb_epoch, hb_last)


class TestStoreFreshness:
    def test_a_store_heard_recently_and_fully_applied_is_fresh(self):
        assert store_fresh(NOW, sync(), STALE_AFTER)

    def test_a_store_not_heard_for_stale_after_is_stale(self):
        assert not store_fresh(NOW, sync(heard=NOW - timedelta(seconds=121)), STALE_AFTER)
        assert not store_fresh(NOW, sync(heard=None), STALE_AFTER)

    def test_a_store_whose_events_lag_its_heartbeat_is_stale(self):
        assert not store_fresh(NOW, sync(applied=8, hb_last=10), STALE_AFTER)

    def test_a_store_heartbeating_from_another_epoch_is_stale(self):
        assert not store_fresh(NOW, sync(hb_epoch="e2", hb_last=3), STALE_AFTER)

    def test_a_new_store_that_has_written_nothing_is_fresh(self):
        assert store_fresh(NOW, sync(epoch=None, applied=0, hb_epoch="e9", hb_last=0), STALE_AFTER)

    def test_by_default_three_missed_heartbeats_make_a_store_stale_for_atp_and_routing(self):
        settings = CentralSettings(admin_token="a-real-token-9f8e7d6c5b")
        assert settings.stale_after_s == RoutingPolicy().stale_after_s == 3 * 5
        three_missed = NOW - timedelta(seconds=15)
        assert not store_fresh(NOW, sync(heard=three_missed), settings.stale_after)
        assert store_fresh(NOW, sync(heard=NOW - timedelta(seconds=9)), settings.stale_after)

    def test_online_means_a_heartbeat_within_three_intervals(self):
        assert store_online(NOW, NOW - timedelta(seconds=14))
        assert not store_online(NOW, NOW - timedelta(seconds=16))


class TestWarehouseFreshness:
    def test_a_feed_younger_than_its_limit_is_fresh(self):
        assert warehouse_fresh(NOW, NOW - timedelta(hours=2), NOW - timedelta(hours=1), timedelta(hours=24))

    def test_an_old_as_of_is_stale_even_if_it_arrived_just_now(self):
        assert not warehouse_fresh(NOW, NOW - timedelta(hours=25), NOW, timedelta(hours=24))

    def test_a_warehouse_never_fed_is_stale(self):
        assert not warehouse_fresh(NOW, None, None, timedelta(hours=24))


class TestResync:
    def test_a_held_event_above_a_gap_asks_for_the_gap(self):
        assert missing(Position("e", 4), set(), [Arrival("e", 8), Arrival("e", 9)], None) == Resend(5, 7)

    def test_a_heartbeat_ahead_of_the_watermark_asks_for_the_rest(self):
        assert missing(Position("e", 4), set(), [], ("e", 6)) == Resend(5, 6)

    def test_an_epoch_never_opened_asks_for_a_snapshot(self):
        assert missing(Position("e", 4), set(), [Arrival("f", 3)], None) == SnapshotNeeded()
        assert missing(None, set(), [], ("f", 3)) == SnapshotNeeded()

    def test_parked_events_of_an_unopened_epoch_ask_nothing_while_the_store_says_it_is_in_ours(self):
        # left-overs or forgeries sent with the store's identity: asking for snapshots would never end
        assert missing(Position("e", 4), set(), [Arrival("f", 3)], ("e", 4)) is None
        assert missing(Position("e", 4), set(), [Arrival("f", 3)], ("f", 3)) == SnapshotNeeded()

    def test_a_caught_up_store_or_a_retired_epoch_asks_nothing(self):
        assert missing(Position("e", 4), set(), [], ("e", 4)) is None
        assert missing(Position("f", 4), {"e"}, [Arrival("e", 9)], ("e", 9)) is None

    def test_asks_only_once_behind_for_resend_after_and_then_not_more_often(self):
        after = timedelta(seconds=60)
        assert not request_due(NOW - timedelta(seconds=59), None, NOW, after)
        assert request_due(NOW - timedelta(seconds=60), None, NOW, after)
        assert not request_due(NOW - timedelta(seconds=300), NOW - timedelta(seconds=30), NOW, after)
        assert request_due(NOW - timedelta(seconds=300), NOW - timedelta(seconds=60), NOW, after)
        assert not request_due(None, None, NOW, after)


class TestScopes:
    def test_admin_grants_everything(self):
        assert all(grants({Scope.ADMIN}, s) for s in Scope)

    def test_orders_grants_reading_but_not_administration(self):
        assert grants({Scope.ORDERS}, Scope.READ) and not grants({Scope.ORDERS}, Scope.ADMIN)

    def test_read_grants_only_reading(self):
        assert grants({Scope.READ}, Scope.READ)
        assert not grants({Scope.READ}, Scope.ORDERS) and not grants({Scope.READ}, Scope.ADMIN)
