"""Sign-in rules: how many wrong PINs lock an associate out, and when a session lapses. Time is passed in."""

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_WRONG_PINS = 5
LOCKOUT = timedelta(minutes=5)
PIN_DIGITS = range(4, 9)


class PinRuleBroken(ValueError):
    """A PIN that does not follow the store's rule."""


def check_pin_format(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and len(pin) in PIN_DIGITS):
        raise PinRuleBroken(f"A PIN is {PIN_DIGITS.start} to {PIN_DIGITS.stop - 1} digits.")


@dataclass(frozen=True)
class Attempts:
    """Wrong PINs in a row, and the lockout they caused (if any)."""

    failed: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_wrong_pin(self, now: datetime) -> "Attempts":
        if self.locked(now):
            return self  # a try that was on its way when the lock fell: the lock stands as it is
        failed = self.failed + 1
        if failed >= MAX_WRONG_PINS:
            # The count starts again once the lockout ends, so each lockout allows another five tries.
            return Attempts(failed=0, locked_until=now + LOCKOUT)
        return Attempts(failed=failed, locked_until=None)

    def after_right_pin(self) -> "Attempts":
        return Attempts()


def session_live(last_used_at: datetime, now: datetime, idle: timedelta) -> bool:
    """A session lapses after `idle` without use."""
    return now - last_used_at < idle
