"""Stopping background tasks for sure.

On Python 3.11, a task inside `asyncio.wait_for` can swallow a cancellation that arrives just as the awaited
thing completes (fixed in 3.12), and a loop around it then runs on: a single cancel-and-gather would wait for
ever and the process would never shut down. So: cancel, wait a little, and cancel again what is still running.
"""

import asyncio
import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)


async def cancel_and_wait(tasks: Iterable[asyncio.Task], wait_s: float = 2.0, rounds: int = 5) -> None:
    """Cancel the tasks and return once all are done; tasks that ignore a cancel get it again, and after
    `rounds` tries the survivors are logged and left behind rather than hanging the caller."""
    pending = {task for task in tasks if not task.done()}
    for _ in range(rounds):
        if not pending:
            return
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=wait_s)
    if pending:
        log.error("tasks still running after %d cancels: %s", rounds, sorted(t.get_name() for t in pending))
