"""Waiting for something that happens in another process: poll with a generous deadline, never assert a time."""

import time


def poll(condition, timeout: float = 30.0, what: str = "condition"):
    """The first truthy value of `condition()`, or an AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")
