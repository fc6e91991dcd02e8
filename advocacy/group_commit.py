"""Group commit: one database call for everyone who is waiting on the same kind of call.

The first caller's item goes at once; whatever arrives while that call is
running goes together in the next one. Under light load nobody waits for a
timer, and under heavy load the database sees a few large writes instead of
many small ones, each still acknowledged to its own caller only once done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """``await group(item)`` runs ``run([items...])`` for a batch and returns this item's result.

    ``run`` returns one result per item, in order; a result that is an exception
    is raised to that item's caller alone. If ``run`` itself fails, every caller
    in the batch gets the error.
    """

    def __init__(self, run: Callable[[list[Item]], Awaitable[list[Result | BaseException]]],
                 max_size: int = 500) -> None:
        self._run = run
        self.max_size = max_size
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._task: asyncio.Task[None] | None = None
        self.calls = 0  # how many database calls, for the benchmarks

    async def __call__(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._task is None:
            self._task = asyncio.create_task(self._drain())
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[: self.max_size], self._waiting[self.max_size :]
                self.calls += 1
                try:
                    results = await self._run([item for item, _ in batch])
                except Exception as exc:
                    results = [exc] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._task = None
