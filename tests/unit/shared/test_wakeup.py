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

    async def test_notifies_while_one_is_pending_cost_the_loop_one_wake_up_and_a_later_one_still_wakes(self):
        # Central's ingest notifies once per event from its worker thread: a batch must not flood the event loop.
        loop = asyncio.get_running_loop()
        scheduled = []
        real = loop.call_soon_threadsafe

        def counting(callback, *args, **kwargs):
            scheduled.append(callback)
            return real(callback, *args, **kwargs)

        loop.call_soon_threadsafe = counting
        try:
            wakeup = Wakeup()
            burst = threading.Thread(target=lambda: [wakeup.notify() for _ in range(1000)])
            burst.start()
            burst.join()
            await asyncio.sleep(0)  # the one scheduled set() runs
            assert len(scheduled) == 1
            assert await wakeup.wait(5) is True
            notifier = threading.Thread(target=wakeup.notify)
            notifier.start()
            notifier.join()
            assert await wakeup.wait(5) is True
        finally:
            del loop.call_soon_threadsafe
