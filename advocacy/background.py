"""Stopping a background task so that the stop always ends."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

# How long a stop waits for a cancelled task before cancelling it again.
RECANCEL_SECONDS = 0.5


async def cancelled(task: asyncio.Task[Any] | None) -> None:
    """Cancel a background task (if any) and wait until it has stopped.

    A task can lose a cancellation without meaning to: the database driver may turn a
    cancelled read into an error of its own, which a job's loop logs and carries on
    from, and the stop would then wait for ever. So the task is cancelled again each
    ``RECANCEL_SECONDS`` while it still runs; the next wait it reaches ends it.
    """
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        await task
