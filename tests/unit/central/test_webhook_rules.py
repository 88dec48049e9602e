"""Webhook rules: which subscriptions want a change, where deliveries may go, how long to wait between tries."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from central.domain.webhooks import address_refusal, retry_delay_s, url_refusal, wants
from central.webhooks.receivers import pinned


class TestWhoWantsAStatusChange:
    def test_a_subscription_without_a_list_wants_every_status(self):
        assert wants(None, "cancelled")

    def test_a_subscription_with_a_list_wants_only_those_statuses(self):
        assert wants(["completed", "cancelled"], "cancelled")
        assert not wants(["completed"], "allocated")


class TestWhereDeliveriesMayGo:
    @pytest.mark.parametrize("url", ["https://hooks.example.com/omnistore", "https://93.184.215.14/h",
                                     "https://[2606:2800:220:1:248:1893:25c8:1946]:8443/h"])
    def test_https_to_a_public_host_is_fine(self, url):
        assert url_refusal(url, allow_private=False) is None

    @pytest.mark.parametrize("url, reason", [
        ("http://hooks.example.com/h", "https only"),
        ("https://user:pw@hooks.example.com/h", "password"),
        ("https://token@hooks.example.com/h", "password"),
        ("https://127.0.0.1/h", "127.0.0.1"), ("https://[::1]/h", "::1"), ("https://10.1.2.3/h", "10.1.2.3"),
        ("https://192.168.0.10/h", "192.168.0.10"), ("https://169.254.169.254/latest", "169.254.169.254"),
        ("https://[fe80::1]/h", "fe80::1"), ("https://[::ffff:127.0.0.1]/h", "127.0.0.1"),
        ("https://0.0.0.0/h", "0.0.0.0"), ("https://localhost/h", "localhost"),
        ("https://printer.local/h", "printer.local"), ("ftp://hooks.example.com/h", "https"),
        ("https://hooks.example.com:99999/h", "not a URL"),
    ])
    def test_plain_http_credentials_and_inner_hosts_are_refused(self, url, reason):
        refusal = url_refusal(url, allow_private=False)
        assert refusal is not None and reason in refusal

    def test_the_setting_lets_http_and_loopback_through_but_never_credentials(self):
        assert url_refusal("http://127.0.0.1:9000/h", allow_private=True) is None
        assert url_refusal("http://user:pw@127.0.0.1:9000/h", allow_private=True) is not None

    @pytest.mark.parametrize("addresses", [["127.0.0.1"], ["93.184.215.14", "10.0.0.5"], ["::1"], ["100.64.0.1"],
                                           ["224.0.0.1"], []])
    def test_a_host_is_refused_when_any_address_it_resolves_to_is_not_public(self, addresses):
        assert address_refusal(addresses, allow_private=False) is not None

    def test_a_host_resolving_only_to_public_addresses_is_fine(self):
        assert address_refusal(["93.184.215.14", "2606:2800:220:1:248:1893:25c8:1946"], allow_private=False) is None


class TestTheRetryDelay:
    def test_doubles_from_the_base_after_each_failure(self):
        assert [retry_delay_s(n, 2, 300) for n in range(1, 6)] == [2, 4, 8, 16, 32]

    def test_never_exceeds_the_cap_even_after_very_many_failures(self):
        assert retry_delay_s(9, 2, 300) == 300
        assert retry_delay_s(10_000, 2, 300) == 300

    @given(st.integers(1, 200), st.floats(0.01, 10), st.floats(10, 600))
    def test_never_shrinks_as_failures_add_up(self, attempts, base, cap):
        assert retry_delay_s(attempts, base, cap) <= retry_delay_s(attempts + 1, base, cap) <= cap


class TestPinnedDelivery:
    def test_the_request_goes_to_the_checked_address_with_the_name_as_host_and_tls_server_name(self):
        assert pinned("https://hooks.example.com/h?x=1", "93.184.215.14") == (
            "https://93.184.215.14/h?x=1", "hooks.example.com", "hooks.example.com")
        assert pinned("https://hooks.example.com:8443/h", "2606:2800:220:1::1") == (
            "https://[2606:2800:220:1::1]:8443/h", "hooks.example.com:8443", "hooks.example.com")
