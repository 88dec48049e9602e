"""The pure sign-in rules: lockout after wrong PINs, sessions lapsing when unused, PIN format."""

from datetime import datetime, timedelta, timezone

import pytest

from edge.domain.access import (
    LOCKOUT,
    MAX_WRONG_PINS,
    Attempts,
    PinRuleBroken,
    check_pin_format,
    session_live,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class TestLockout:
    def test_four_wrong_pins_do_not_lock(self):
        attempts = Attempts()
        for _ in range(MAX_WRONG_PINS - 1):
            attempts = attempts.after_wrong_pin(NOW)
        assert not attempts.locked(NOW)

    def test_the_fifth_wrong_pin_locks_for_five_minutes(self):
        attempts = Attempts(failed=MAX_WRONG_PINS - 1).after_wrong_pin(NOW)
        assert attempts.locked(NOW + LOCKOUT - timedelta(seconds=1))
        assert not attempts.locked(NOW + LOCKOUT)

    def test_a_right_pin_clears_the_count(self):
        assert Attempts(failed=3).after_right_pin() == Attempts()


class TestSessions:
    def test_a_session_lives_while_used_within_the_idle_time(self):
        assert session_live(NOW, NOW + timedelta(minutes=29), timedelta(minutes=30))

    def test_a_session_lapses_after_the_idle_time(self):
        assert not session_live(NOW, NOW + timedelta(minutes=30), timedelta(minutes=30))


class TestPinFormat:
    @pytest.mark.parametrize("pin", ["2468", "12345678"])
    def test_four_to_eight_digits_are_a_pin(self, pin):
        check_pin_format(pin)

    @pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "١٢٣٤"])
    def test_anything_else_is_refused(self, pin):
        with pytest.raises(PinRuleBroken):
            check_pin_format(pin)
