"""Waking a background loop from any thread: routes run in FastAPI's thread pool and SQLite work runs in worker
threads, while the loops they wake (a store's publisher, central's outboxes) wait on the event loop."""

import asyncio


class Wakeup:
    """An `asyncio.Event` that any thread may set; one loop waits on it.

    Setting an asyncio.Event from another thread is not safe (its waiter would be woken on the wrong thread, or
    not at all), so a notification from outside the event loop goes through `call_soon_threadsafe`.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:  # made before the loop runs: the first wait() binds it
            self._loop = None

    def notify(self) -> None:
        loop = self._loop
        if loop is None or _running_loop() is loop:
            self._event.set()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._event.set)

    async def wait(self, timeout: float) -> bool:
        """True when notified, False when `timeout` passed first; either way the next wait needs a new notify."""
        self._loop = asyncio.get_running_loop()
        # Not asyncio.wait_for: on Python 3.11 it can swallow a cancel that races the wake-up, and the service
        # could then never stop the loop that waits here.
        waiter = asyncio.ensure_future(self._event.wait())
        try:
            done, _ = await asyncio.wait({waiter}, timeout=timeout)
        finally:
            waiter.cancel()
        self._event.clear()
        return bool(done)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
