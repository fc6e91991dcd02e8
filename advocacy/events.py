"""News one part of the service gives and other parts act on: a small, typed publish-subscribe.

A service that has news owns a ``Topic`` for it (``PairingChanges.announced``,
``ChatService.message_added`` ...) and publishes once the news has happened
(it is stored). ``advocacy.bootstrap`` subscribes the services that act on it,
and the Socket.IO edge subscribes what it delivers, so a reader finds who
acts on which news in those two places, in the order they act.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

News = TypeVar("News")
Subscriber = Callable[[News], Awaitable[None]]

__all__ = ["Subscriber", "Topic"]


class Topic(Generic[News]):
    """One kind of news. Subscribers run one after another, in the order they subscribed.

    The news has happened by the time it is published, so a subscriber cannot refuse it:
    one that fails is logged (its name and the error's type, never the news itself, which
    may be about a child) and the others still run.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Subscriber[News]] = []

    def subscribe(self, subscriber: Subscriber[News]) -> None:
        self._subscribers.append(subscriber)

    @property
    def heard(self) -> bool:
        """Whether anyone subscribed: news nobody hears need not be worked out."""
        return bool(self._subscribers)

    async def publish(self, news: News) -> None:
        for subscriber in self._subscribers:
            try:
                await subscriber(news)
            except Exception:
                log.exception("a subscriber to %s failed", self.name)

    def __repr__(self) -> str:
        return f"Topic({self.name!r}, {len(self._subscribers)} subscribers)"
