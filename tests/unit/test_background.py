"""Stopping a background task always ends (advocacy.background)."""

from __future__ import annotations

import asyncio

import pytest

from advocacy.background import cancelled


async def test_a_task_that_catches_the_first_cancellation_is_cancelled_again_until_it_stops():
    caught = []

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                if caught:
                    raise
                caught.append(1)  # as a driver turning a cancelled read into an error of its own would

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancelled(task), 10)
    assert task.cancelled() and caught == [1]


async def test_a_task_that_failed_before_the_stop_still_raises_its_error():
    async def broken() -> None:
        raise ValueError("broken")

    task = asyncio.create_task(broken())
    await asyncio.sleep(0)
    with pytest.raises(ValueError):
        await cancelled(task)


async def test_no_task_is_nothing_to_stop():
    await cancelled(None)
