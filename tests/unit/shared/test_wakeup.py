"""A loop waiting on a Wakeup is woken by a notify from another thread (a route, an ingest batch)."""

import asyncio
import threading

from shared.runtime.wakeup import Wakeup


class TestWakeup:
    async def test_a_notify_from_another_thread_wakes_the_waiting_loop(self):
        wakeup = Wakeup()
        waiting = asyncio.create_task(wakeup.wait(30))
        await asyncio.sleep(0)  # the waiter is in place
        notifier = threading.Thread(target=wakeup.notify)
        notifier.start()
        assert await waiting is True
        notifier.join()

    async def test_a_wait_without_a_notify_ends_at_its_timeout_and_a_notify_is_used_once(self):
        wakeup = Wakeup()
        wakeup.notify()
        assert await wakeup.wait(5) is True
        assert await wakeup.wait(0.01) is False
