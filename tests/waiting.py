"""Waiting for something that happens elsewhere (another process, a loop, a thread): poll with a generous deadline
and fail naming what did not happen; never assert a time. `poll` for plain tests, `eventually` for async ones."""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


def poll(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition", step: float = 0.05):
    """The first truthy value of `condition()`, or an AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if value := condition():
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(step)


async def eventually(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition",
                     step: float = 0.05, pause: Callable[[float], Awaitable] | None = None):
    """The first truthy value of `condition()` (which may be a coroutine function), awaited between tries with
    `pause` (a Textual Pilot's, so the app keeps drawing) or `asyncio.sleep`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await (pause or asyncio.sleep)(step)
