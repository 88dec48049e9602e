"""The transfer rules at central: its lifecycle on the stores' events and head office's cancel, which requests are
refused and why, where moving units are counted, and the discrepancy."""

from datetime import datetime, timedelta, timezone

import pytest

from central.domain.transfers import (
    NodeFacts,
    TransferStatus,
    cancel,
    check_request,
    discrepancy,
    expected_at,
    on_event,
    units_by_sku,
    units_pending,
)
from shared.contract.errors import InvalidInput, InvalidTransition
from shared.contract.events import WireLine

S = TransferStatus
STORE_1, STORE_2, DC = NodeFacts("S001", "store"), NodeFacts("S002", "store"), NodeFacts("DC1", "warehouse")


class TestLifecycleOnTheStoresEvents:
    @pytest.mark.parametrize(("status", "event", "after"), [
        (S.REQUESTED, "transfer.accepted", S.ACCEPTED),
        (S.CANCEL_REQUESTED, "transfer.accepted", S.CANCEL_REQUESTED),
        (S.REQUESTED, "transfer.rejected", S.REJECTED),
        (S.ACCEPTED, "transfer.rejected", S.REJECTED),
        (S.CANCEL_REQUESTED, "transfer.cancelled", S.CANCELLED),
        (S.ACCEPTED, "transfer.shipped", S.SHIPPED),
        (S.REQUESTED, "transfer.shipped", S.SHIPPED),
        (S.SHIPPED, "transfer.received", S.RECEIVED),
    ])
    def test_the_expected_path_applies(self, status, event, after):
        step = on_event(status, event)
        assert (step.status, step.applies, step.note, step.cancel_too_late) == (after, True, None, False)

    def test_a_shipment_after_head_offices_cancel_wins_and_says_the_cancel_was_too_late(self):
        step = on_event(S.CANCEL_REQUESTED, "transfer.shipped")
        assert (step.status, step.applies, step.cancel_too_late) == (S.SHIPPED, True, True)
        assert "too late" in step.note

    @pytest.mark.parametrize(("status", "event"), [
        (S.SHIPPED, "transfer.cancelled"), (S.RECEIVED, "transfer.cancelled"), (S.SHIPPED, "transfer.rejected"),
        (S.SHIPPED, "transfer.accepted"), (S.SHIPPED, "transfer.shipped"), (S.RECEIVED, "transfer.received"),
        (S.CANCELLED, "transfer.accepted"),
    ])
    def test_an_event_out_of_place_is_recorded_and_never_undoes_a_shipment(self, status, event):
        step = on_event(status, event)
        assert (step.status, step.applies) == (status, False) and step.note

    def test_units_that_left_the_shelf_count_even_after_a_rejection_or_a_cancel(self):
        for status in (S.REJECTED, S.CANCELLED):
            step = on_event(status, "transfer.shipped")
            assert (step.status, step.applies) == (S.SHIPPED, True) and "wins" in step.note

    def test_an_unknown_event_is_not_a_transfer_event(self):
        with pytest.raises(ValueError):
            on_event(S.REQUESTED, "transfer.lost")


class TestHeadOfficesCancel:
    def test_before_shipping_it_is_requested_and_asking_again_changes_nothing(self):
        assert cancel(S.REQUESTED, "TR-1") == S.CANCEL_REQUESTED
        assert cancel(S.ACCEPTED, "TR-1") == S.CANCEL_REQUESTED
        assert cancel(S.CANCEL_REQUESTED, "TR-1") == S.CANCEL_REQUESTED
        assert cancel(S.CANCELLED, "TR-1") == S.CANCELLED

    @pytest.mark.parametrize("status", [S.SHIPPED, S.RECEIVED])
    def test_once_shipped_it_is_too_late(self, status):
        with pytest.raises(InvalidTransition, match="too late to cancel"):
            cancel(status, "TR-1")

    def test_a_rejected_transfer_has_nothing_to_cancel(self):
        with pytest.raises(InvalidTransition, match="rejected"):
            cancel(S.REJECTED, "TR-1")


class TestWhereMovingUnitsAreCounted:
    def test_pending_at_the_sender_only_until_it_answers(self):
        assert units_pending(S.REQUESTED, answered=False)
        assert units_pending(S.CANCEL_REQUESTED, answered=False)
        assert not units_pending(S.CANCEL_REQUESTED, answered=True)  # its reserved holds them now
        assert not any(units_pending(s, answered=False) for s in (S.ACCEPTED, S.SHIPPED, S.RECEIVED, S.REJECTED,
                                                                   S.CANCELLED))

    def test_units_in_transit_are_due_on_head_offices_date_else_after_the_transit_time(self):
        shipped = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)
        asked = shipped + timedelta(days=5)
        assert expected_at(asked, shipped, 3600) == asked
        assert expected_at(None, shipped, 3600) == shipped + timedelta(hours=1)


class TestARequest:
    def test_from_a_store_to_a_store_or_a_warehouse_is_fine(self):
        check_request(STORE_1, STORE_2, "S001", "S002", [])
        check_request(STORE_1, DC, "S001", "DC1", [])

    @pytest.mark.parametrize(("sender", "receiver", "from_id", "to_id", "unknown", "words"), [
        (STORE_1, STORE_1, "S001", "S001", [], "S001 is both"),
        (None, STORE_2, "S404", "S002", [], "No store or warehouse S404"),
        (STORE_1, None, "S001", "S404", [], "No store or warehouse S404"),
        (DC, STORE_2, "DC1", "S002", [], "DC1 is a warehouse"),
        (STORE_1, STORE_2, "S001", "S002", ["ZZ", "AA", "ZZ"], "No product has the SKU AA, ZZ"),
    ])
    def test_is_refused_with_a_sentence(self, sender, receiver, from_id, to_id, unknown, words):
        with pytest.raises(InvalidInput, match=words):
            check_request(sender, receiver, from_id, to_id, unknown)


class TestTheDiscrepancy:
    def test_lists_each_sku_whose_received_units_differ_from_those_shipped(self):
        assert discrepancy({"TEE": 3, "HAT": 2}, {"TEE": 2, "HAT": 2}) == [
            {"sku": "TEE", "shipped": 3, "received": 2, "missing": 1}]

    def test_more_arrived_is_a_negative_missing_and_an_unshipped_sku_counts(self):
        assert discrepancy({"TEE": 1}, {"TEE": 2, "CAP": 1}) == [
            {"sku": "CAP", "shipped": 0, "received": 1, "missing": -1},
            {"sku": "TEE", "shipped": 1, "received": 2, "missing": -1}]

    def test_none_when_everything_arrived(self):
        assert discrepancy({"TEE": 3}, {"TEE": 3}) == []

    def test_a_sku_on_two_lines_of_a_message_counts_once_with_both(self):
        assert units_by_sku([WireLine(sku="TEE", qty=1), WireLine(sku="TEE", qty=2), WireLine(sku="HAT", qty=1)]) \
            == {"TEE": 3, "HAT": 1}
