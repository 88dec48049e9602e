"""Shipment rules: what is left to ship, believable times, and the tracking page of a carrier."""

from datetime import datetime, timedelta, timezone

import pytest

from central.domain.shipments import (
    DEFAULT_TRACKING_URLS,
    ShipmentRefused,
    carrier_key,
    check_shipped_at,
    shipment_lines,
    tracking_templates,
    tracking_url,
    unshipped,
)

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


class TestTrackingPages:
    def test_a_known_carrier_gets_its_page_with_the_number_escaped(self):
        templates = tracking_templates({})
        assert tracking_url(templates, "UPS", "1Z 999/AA") == "https://www.ups.com/track?tracknum=1Z%20999%2FAA"

    def test_carrier_names_are_matched_loosely(self):
        assert carrier_key("Royal Mail") == carrier_key("royal-mail") == carrier_key(" ROYAL_MAIL ") == "royal_mail"
        assert tracking_url(tracking_templates({}), "Royal Mail", "AB1") == DEFAULT_TRACKING_URLS["royal_mail"].replace(
            "{tracking_number}", "AB1")

    def test_an_unknown_carrier_has_no_page(self):
        assert tracking_url(tracking_templates({}), "Bike courier", "7") is None

    def test_the_settings_add_replace_and_forget_carriers(self):
        templates = tracking_templates({"Acme Freight": "https://acme.example/{tracking_number}",
                                        "DHL": "https://dhl.example/t/{tracking_number}", "ups": ""})
        assert tracking_url(templates, "acme freight", "9") == "https://acme.example/9"
        assert tracking_url(templates, "dhl", "9") == "https://dhl.example/t/9"
        assert tracking_url(templates, "UPS", "9") is None

    def test_every_built_in_page_is_https_and_takes_the_number(self):
        assert all(t.startswith("https://") and "{tracking_number}" in t for t in DEFAULT_TRACKING_URLS.values())


class TestWhatIsLeftToShip:
    def test_everything_left_when_no_lines_are_given(self):
        assert shipment_lines({"A": 3, "B": 1}, {"A": 1}, None) == {"A": 2, "B": 1}

    def test_a_part_within_what_is_left(self):
        assert shipment_lines({"A": 3}, {"A": 1}, {"A": 2}) == {"A": 2}
        with pytest.raises(ShipmentRefused, match="Only 2 of A"):
            shipment_lines({"A": 3}, {"A": 1}, {"A": 3})

    def test_a_sku_not_allocated_or_nothing_left_is_refused(self):
        with pytest.raises(ShipmentRefused, match="not part"):
            shipment_lines({"A": 3}, {}, {"B": 1})
        with pytest.raises(ShipmentRefused, match="shipped already"):
            shipment_lines({"A": 3}, {"A": 3}, None)
        assert unshipped({"A": 3, "B": 2}, {"A": 3, "B": 1}) == {"B": 1}


class TestShippedAt:
    def test_late_reports_and_a_little_clock_skew_are_fine(self):
        check_shipped_at(NOW - timedelta(days=3), NOW)
        check_shipped_at(NOW + timedelta(minutes=5), NOW)

    def test_the_future_is_refused(self):
        with pytest.raises(ShipmentRefused, match="future"):
            check_shipped_at(NOW + timedelta(hours=1), NOW)
