"""Who is connected and what a child is told about replies.

``Presence`` counts connections in this process; with several processes
``advocacy.scale_out.RedisPresence`` keeps the same counts in Redis. Both have the
same (async) methods, and the same ``changed`` topic: the chat publishes on it
when someone comes online or goes offline (the bots are told; an advocate
around in their working hours is noted as available).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from advocacy import workdays
from advocacy.date_words import day_words
from advocacy.events import Topic
from advocacy.settings import Settings
from advocacy.store import Store
from advocacy.words import N_, Moment, Words


@dataclass(frozen=True)
class PresenceChange:
    """Someone came online (their first connection) or went offline (their last one closed)."""

    user: str
    role: str
    online: bool


class Presence:
    """Counts open connections per user in this process; a user is online while they have one."""

    def __init__(self) -> None:
        self._connections: Counter[str] = Counter()
        self.changed: Topic[PresenceChange] = Topic("presence.changed")

    async def connected(self, user_id: str) -> bool:
        """Record a connection; True if the user has just come online."""
        self._connections[user_id] += 1
        return self._connections[user_id] == 1

    async def disconnected(self, user_id: str) -> bool:
        """Record a disconnection; True if the user has just gone offline."""
        self._connections[user_id] -= 1
        if self._connections[user_id] <= 0:
            del self._connections[user_id]
            return True
        return False

    async def online(self, user_ids: Iterable[str]) -> set[str]:
        """Which of ``user_ids`` are online."""
        return {u for u in user_ids if self._connections.get(u, 0) > 0}


async def available(store: Store, presence: Presence, user_ids: Iterable[str]) -> set[str]:
    """Which of ``user_ids`` are around for their children: online, and not switched to away.

    The one answer the child's header, the away reply and the safeguarding help all follow, so
    they never contradict one another.
    """
    online = await presence.online(user_ids)
    if not online:
        return online
    away = {d["_id"] async for d in store.staff.find({"_id": {"$in": sorted(online)}, "away": True}, {"_id": 1})}
    return online - away


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _spoken_time(t: time) -> str:
    hour = t.hour % 12 or 12
    suffix = "am" if t.hour < 12 else "pm"
    return f"{hour}{suffix}" if t.minute == 0 else f"{hour}:{t.minute:02d}{suffix}"


def reply_expected(online: bool, now: datetime, settings: Settings, hours: tuple[str, str] | None = None) -> str:
    """A plain-words sentence telling a child when their advocate is likely to answer (English; see
    ``reply_expected_words`` for the child's language).

    ``hours`` are the advocate's own working hours ("HH:MM", "HH:MM"); by default
    the service's.
    """
    if online:
        return "Your advocate is online now."
    start, end = (_hhmm(t) for t in (hours or (settings.working_day_start, settings.working_day_end)))
    if workdays.is_working_time(now, start, end):
        return "Your advocate isn't online right now. They'll reply as soon as they can today."
    back = workdays.next_working_start(now, start, end).astimezone(ZoneInfo(settings.timezone))
    local_now = now.astimezone(ZoneInfo(settings.timezone))
    days = (back.date() - local_now.date()).days
    if days == 0:
        when = f"today at {_spoken_time(back.time())}"
    elif days == 1:
        when = f"tomorrow at {_spoken_time(back.time())}"
    elif days < 7:
        when = f"on {back:%A} at {_spoken_time(back.time())}"
    else:
        when = f"on {day_words(back.date(), year=False)} at {_spoken_time(back.time())}"
    return f"Your advocate isn't working right now. They'll be back {when}."


def reply_expected_words(online: bool, now: datetime, settings: Settings,
                         hours: tuple[str, str] | None = None) -> Words:
    """``reply_expected`` as ``Words``, so it reads in the child's language (days and times too)."""
    if online:
        return N_("Your advocate is online now.")
    start, end = (_hhmm(t) for t in (hours or (settings.working_day_start, settings.working_day_end)))
    if workdays.is_working_time(now, start, end):
        return N_("Your advocate isn't online right now. They'll reply as soon as they can today.")
    back = workdays.next_working_start(now, start, end).astimezone(ZoneInfo(settings.timezone))
    days = (back.date() - now.astimezone(ZoneInfo(settings.timezone)).date()).days
    at = Moment(back.time().replace(tzinfo=None))
    if days == 0:
        return N_("Your advocate isn't working right now. They'll be back today at {time}.", time=at)
    if days == 1:
        return N_("Your advocate isn't working right now. They'll be back tomorrow at {time}.", time=at)
    return N_("Your advocate isn't working right now. They'll be back on {day} at {time}.",
              day=Moment(back.date(), "EEEE" if days < 7 else "EEEE d MMMM"), time=at)


def out_of_hours_reply(expected: Words) -> Words:
    """What the away bot answers a child while their advocate is away, in the child's language."""
    return N_("Thanks for your message.") + expected + N_(
        "If you are in danger right now, call 999. You can talk to Childline any time, day or night, "
        "on 0800 1111. It's free.")
