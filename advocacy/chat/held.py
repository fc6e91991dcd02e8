"""Conversations held in memory for the message path, so a send needs no read to know whose chat it is.

Only what decides access is held: a conversation's id, its child, its advocate and
whether it is active (``advocacy.auth.access.matches`` checks each request against
these). A conversation's child and advocate never change; only ``active`` does, and
only through a change of advocate, which is announced on ``access_changed`` (heard
by every server process). That news forgets everything held, so a child moved to
another advocate is refused to the old one at once, as before.

A lookup that was already on its way when the news came may carry the old state:
each lookup notes the ``generation`` it started in and is kept only if no news came
since. Anything held is also forgotten after ``seconds`` (``conversation_cache_seconds``),
so a change whose news was missed (Redis away) cannot outlive that. Inactive
conversations are never held: they are read each time, as before, and a read that
finds one inactive forgets what was held of it.

Any read of a conversation's ``FIELDS`` may keep it, not only a lookup on a miss: the
message path's read of the waits a batch ends renews what it reads, so a conversation
in use is not read again only because its seconds ran out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

# What is held of a conversation: all that access to it turns on, and all its users read.
FIELDS = ("_id", "child", "advocate", "active")


class HeldConversations:
    """At most ``size`` active conversations, each for ``seconds`` (0: none held)."""

    def __init__(self, seconds: float, monotonic: Callable[[], float], size: int = 50_000) -> None:
        self.seconds = seconds
        self.size = size
        self._monotonic = monotonic
        self._held: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self.generation = 0

    def get(self, conversation_id: str) -> dict[str, Any] | None:
        found = self._held.get(conversation_id)
        if found is None:
            return None
        until, conv = found
        if self._monotonic() >= until:
            del self._held[conversation_id]
            return None
        return conv

    def keep(self, conv: dict[str, Any] | None, generation: int) -> None:
        """Hold ``conv``, read in ``generation``, unless news of a change came since it was read. A read
        that finds it inactive forgets what was held of it, whenever it was read (it can only be older)."""
        if conv is not None and not conv.get("active"):
            self._held.pop(conv["_id"], None)
            return
        if conv is None or generation != self.generation or self.seconds <= 0:
            return
        self._held[conv["_id"]] = (self._monotonic() + self.seconds, {k: conv.get(k) for k in FIELDS})
        self._held.move_to_end(conv["_id"])
        while len(self._held) > self.size:
            self._held.popitem(last=False)

    async def forget(self, _user_ids: list[str]) -> None:
        """Someone's conversations changed (``access_changed``): forget everything held. Changes of
        advocate are rare beside messages, so forgetting all is cheap and leaves nothing to get wrong."""
        self.generation += 1
        self._held.clear()

    def __len__(self) -> int:
        return len(self._held)
