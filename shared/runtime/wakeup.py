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
        # A set() is on its way to the loop: more notifies from threads meanwhile need not queue another. Central's
        # ingest notifies once per event from its worker thread, and each queued call wakes the event loop.
        self._scheduled = False

    def notify(self) -> None:
        # Set, or about to be: the waiter has yet to clear it, so its next pass starts after this call anyway.
        if self._event.is_set() or self._scheduled:
            return
        loop = self._loop
        if loop is None or _running_loop() is loop:
            self._event.set()
        elif not loop.is_closed():
            self._scheduled = True
            loop.call_soon_threadsafe(self._set)

    def _set(self) -> None:
        self._scheduled = False
        self._event.set()

    async def wait(self, timeout: float) -> bool:
        """True when notified, False when `timeout` passed first; either way the next wait needs a new notify."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a set() queued on another loop will never run
            self._loop, self._scheduled = loop, False
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
