"""Stopping background tasks even when one swallows a cancel (as `asyncio.wait_for` can on Python 3.11)."""

import asyncio
import logging

from shared.runtime.tasks import cancel_and_wait


async def test_a_task_that_swallows_the_first_cancel_is_cancelled_again_and_stops():
    cancels = []

    async def stubborn():
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancels.append(1)
                if len(cancels) > 1:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await cancel_and_wait([task], wait_s=0.05)
    assert task.done() and len(cancels) == 2


async def test_a_task_that_never_stops_is_left_behind_with_an_error_instead_of_hanging(caplog):
    mortal = asyncio.Event()

    async def immortal():
        while not mortal.is_set():
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                pass

    task = asyncio.create_task(immortal(), name="immortal")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR):
        await cancel_and_wait([task], wait_s=0.01, rounds=3)
    assert not task.done() and "immortal" in caplog.text
    mortal.set()  # let the test end
    task.cancel()
    await task


async def test_finished_tasks_need_nothing():
    task = asyncio.create_task(asyncio.sleep(0))
    await task
    await cancel_and_wait([task])
