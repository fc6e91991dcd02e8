"""What bots may ask and do: identifiers and facts, never what anyone wrote.

Bots see which conversation a child wrote in and when, whether the child's
advocate is around, and who is waiting for a reply; they may write into a
conversation as themselves (stored once per key) and tell staff through the
console notifications (once per key). They can read no message text.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from advocacy.auth.principal import Principal
from advocacy.botapi import hours
from advocacy.chat.presence import (
    Presence,
    PresenceChange,
    available,
    out_of_hours_reply,
    reply_expected,
    reply_expected_words,
)
from advocacy.chat.service import ChatService
from advocacy.chat.text import check_client_id, check_message_text
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.notifications.service import Notifier
from advocacy.pairing.changes import PairingChange
from advocacy.settings import Settings
from advocacy.store import DuplicateKeyError, Store

# What bots may tell staff about (the console turns each kind into words).
NOTIFY_KINDS = frozenset({"child.waiting", "child.waiting_long"})
PAIRINGS_LOOK_BACK_MAX = timedelta(days=31)


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServiceError("bad_request",
                           "That request didn't make sense to us: it should be a JSON object. Nothing was changed.")
    return data


def _iso(at: datetime | None) -> str | None:
    return at.isoformat(timespec="milliseconds") if at else None


class BotService:
    def __init__(self, store: Store, settings: Settings, clock: Clock, chat: ChatService, notifier: Notifier,
                 presence: Presence) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.chat = chat
        self.notifier = notifier
        self.presence = presence

    def hours_of(self, advocate: dict[str, Any] | None) -> tuple[str, str]:
        return hours.of(advocate, self.settings.working_day_start, self.settings.working_day_end)

    async def _conversation(self, data: dict[str, Any]) -> dict[str, Any]:
        conversation_id = data.get("conversation")
        if not isinstance(conversation_id, str) or len(conversation_id) > 64:
            raise ServiceError("conversation_not_found")
        conv = await self.store.conversations.find_one({"_id": conversation_id, "active": True})
        if conv is None:
            raise ServiceError("conversation_not_found")
        return conv

    # writing into a conversation -------------------------------------------

    async def post(self, bot: Principal, data: Any) -> dict[str, Any]:
        data = _object(data)
        text = check_message_text(data.get("text"), self.settings.max_message_chars)
        key = check_client_id(data.get("key"))
        message, is_new = await self.chat.post_as_bot(bot, data.get("conversation"), text, key)
        return {"message": message, "new": is_new}

    # is the advocate around? ---------------------------------------------------

    async def away(self, data: Any) -> dict[str, Any]:
        """Whether the child's advocate is away (offline, or outside their working hours).

        ``absence`` names the current absence: it changes only once the advocate has
        been around again, so a bot keyed on it replies once per absence.
        """
        conv = await self._conversation(_object(data))
        advocate = await self.store.staff.find_one({"_id": conv["advocate"]}, {"name": 1, "working_hours": 1,
                                                                               "last_available_at": 1})
        now = self.clock.now()
        own_hours = self.hours_of(advocate)
        # A child who reads another language gets what to tell them, and the whole reply a bot may
        # post while away, in it (the bot words English itself).
        language = await self.chat.language_of(conv["child"])
        english = language == self.chat.languages.default
        write = self.chat.languages.write
        # Online and not switched to away is around, in working hours or not: what the child's header says.
        if conv["advocate"] in await available(self.store, self.presence, [conv["advocate"]]):
            if hours.is_working(now, own_hours):
                await self.available(conv["advocate"], now)
            return {"away": False, "absence": None,
                    "expected": reply_expected(True, now, self.settings) if english
                    else write(reply_expected_words(True, now, self.settings), language)}
        last = (advocate or {}).get("last_available_at")
        absence = f"{conv['advocate']}:{_iso(last) or 'never'}"
        if english:
            return {"away": True, "absence": absence,
                    "expected": reply_expected(False, now, self.settings, own_hours)}
        expected = reply_expected_words(False, now, self.settings, own_hours)
        return {"away": True, "absence": absence, "expected": write(expected, language),
                "reply": write(out_of_hours_reply(expected), language)}

    async def available(self, advocate_id: str, now: datetime) -> None:
        await self.store.staff.update_one(
            {"_id": advocate_id, "$or": [{"last_available_at": None}, {"last_available_at": {"$lt": now}}]},
            {"$set": {"last_available_at": now}},
        )

    async def presence_changed(self, change: PresenceChange) -> None:
        """An advocate came or went: if it is their working time, they were around just now."""
        if change.role != "advocate":
            return
        advocate = await self.store.staff.find_one({"_id": change.user}, {"working_hours": 1})
        now = self.clock.now()
        if hours.is_working(now, self.hours_of(advocate)):
            await self.available(change.user, now)

    # who is waiting ----------------------------------------------------------

    async def waiting(self) -> dict[str, Any]:
        convs = await self.store.conversations.find(
            {"active": True, "waiting_since": {"$ne": None}}, {"child": 1, "advocate": 1, "waiting_since": 1}
        ).to_list(None)
        staff_ids = list({c["advocate"] for c in convs})
        staff = {d["_id"]: d async for d in self.store.staff.find(
            {"_id": {"$in": staff_ids}}, {"manager": 1, "working_hours": 1})}
        now = self.clock.now()
        out = []
        for conv in convs:
            advocate = staff.get(conv["advocate"])
            own_hours = self.hours_of(advocate)
            out.append({
                "conversation": conv["_id"],
                "child": conv["child"],
                "advocate": conv["advocate"],
                "manager": (advocate or {}).get("manager"),
                "waiting_since": _iso(conv["waiting_since"]),
                "waited_working_hours": round(hours.waited(conv["waiting_since"], now, own_hours), 3),
                "working_day_hours": hours.day_length(own_hours),
            })
        return {"waiting": out, "nudge_after_working_hours": self.settings.nudge_after_working_hours}

    # telling staff -----------------------------------------------------------

    async def notify(self, bot: Principal, data: Any) -> dict[str, Any]:
        data = _object(data)
        kind, to = data.get("kind"), data.get("to")
        if kind not in NOTIFY_KINDS:
            raise ServiceError("bad_request", f"kind must be one of {', '.join(sorted(NOTIFY_KINDS))}.")
        if to not in ("advocate", "manager"):
            raise ServiceError("bad_request", "to must be advocate or manager.")
        key = check_client_id(data.get("key"))
        conv = await self._conversation(data)
        recipient = conv["advocate"]
        if to == "manager":
            advocate = await self.store.staff.find_one({"_id": conv["advocate"]}, {"manager": 1})
            recipient = (advocate or {}).get("manager")
            if recipient is None:
                return {"told": False}
        try:
            await self.store.bot_marks.insert_one({"_id": f"{bot.user_id}:notify:{key}", "at": self.clock.now()})
        except DuplicateKeyError:
            return {"told": False}
        await self.notifier.tell([recipient], kind, child=conv["child"], conversation=conv["_id"])
        return {"told": True}

    # pairings ----------------------------------------------------------------

    async def pairing_news(self, change: PairingChange) -> dict[str, Any]:
        """A change of advocate as bots are told it."""
        advocate = await self.store.staff.find_one({"_id": change.advocate}, {"name": 1}) if change.advocate else None
        pairing = await self.store.pairings.find_one({"_id": change.pairing}) if change.pairing else None
        return {
            "pairing": change.pairing,
            "child": change.child,
            "advocate": change.advocate,
            "advocate_name": (advocate or {}).get("name", ""),
            "previous": change.previous,
            "conversation": change.conversation,
            "why": change.why,
            "started_at": _iso(pairing["started_at"]) if pairing else None,
        }

    async def pairings(self, data: Any) -> dict[str, Any]:
        """Current pairings started since ``since`` (at most a month back), oldest first."""
        since = _object(data).get("since")
        try:
            since_at = datetime.fromisoformat(since) if isinstance(since, str) else None
        except ValueError:
            since_at = None
        if since_at is None or since_at.tzinfo is None:
            raise ServiceError("bad_request", "since must be a date and time in ISO 8601 with its offset.")
        since_at = max(since_at.astimezone(timezone.utc), self.clock.now() - PAIRINGS_LOOK_BACK_MAX)
        current = await self.store.pairings.find(
            {"started_at": {"$gte": since_at}, "ended_at": None}
        ).sort("started_at", 1).to_list(None)
        names = {d["_id"]: d["name"] async for d in self.store.staff.find(
            {"_id": {"$in": list({p["advocate"] for p in current})}}, {"name": 1})}
        out = []
        for p in current:
            before = await self.store.pairings.find_one(
                {"child": p["child"], "started_at": {"$lt": p["started_at"]}}, sort=[("started_at", -1)]
            )
            conv = await self.store.conversations.find_one({"child": p["child"], "advocate": p["advocate"]}, {"_id": 1})
            out.append({
                "pairing": p["_id"], "child": p["child"], "advocate": p["advocate"],
                "advocate_name": names.get(p["advocate"], ""), "previous": before["advocate"] if before else None,
                "conversation": conv["_id"] if conv else None, "why": p.get("why"), "started_at": _iso(p["started_at"]),
            })
        return {"pairings": out}
