"""Webhook rules: which subscriptions want a change, how the body is signed, how long to wait between tries."""

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from central.domain.webhooks import retry_delay_s, signature, wants


class TestWhoWantsAStatusChange:
    def test_a_subscription_without_a_list_wants_every_status(self):
        assert wants(None, "cancelled")

    def test_a_subscription_with_a_list_wants_only_those_statuses(self):
        assert wants(["completed", "cancelled"], "cancelled")
        assert not wants(["completed"], "allocated")


class TestTheSignature:
    def test_is_the_hex_hmac_sha256_of_the_exact_body_under_the_secret(self):
        body = b'{"status":"allocated"}'
        expected = hmac.new(b"0123456789abcdefXYZ", body, hashlib.sha256).hexdigest()
        assert signature("0123456789abcdefXYZ", body) == f"sha256={expected}"

    def test_changes_when_one_byte_of_the_body_changes(self):
        assert signature("k" * 16, b'{"a":1}') != signature("k" * 16, b'{"a":2}')


class TestTheRetryDelay:
    def test_doubles_from_the_base_after_each_failure(self):
        assert [retry_delay_s(n, 2, 300) for n in range(1, 6)] == [2, 4, 8, 16, 32]

    def test_never_exceeds_the_cap_even_after_very_many_failures(self):
        assert retry_delay_s(9, 2, 300) == 300
        assert retry_delay_s(10_000, 2, 300) == 300

    @given(st.integers(1, 200), st.floats(0.01, 10), st.floats(10, 600))
    def test_never_shrinks_as_failures_add_up(self, attempts, base, cap):
        assert retry_delay_s(attempts, base, cap) <= retry_delay_s(attempts + 1, base, cap) <= cap
