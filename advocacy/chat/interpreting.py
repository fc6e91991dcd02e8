"""Interpreters in a child's chat: asked for by the advocate, agreed (or not) by the child, ended by
either of them or by the clock.

An interpreter is a member of staff with the role ``interpreter`` and no other
access: the permission table gives them the ``invited`` scope on the chat
events alone, which ``advocacy.auth.access`` turns into the conversations with
an agreed invitation before its end time. They read the messages from the
moment the child agreed (all of them only if the child said so), and what they
write is marked as interpretation. Whenever an invitation changes, the people
in it are told through ``access_changed`` (every server process moves or
closes their sockets); the background job ends those whose time has come.

Every step is audited with the child as subject (``interpreting.asked``,
``.agreed``, ``.declined``, ``.ended``); the interpreter's reads and messages
are audited by the chat service. The records hold ids and times only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from advocacy import audit
from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.chat import interpreting_rules as rules
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.settings import Settings
from advocacy.spoken_languages import name_of
from advocacy.store import ASCENDING, ReturnDocument, Store
from advocacy.words import N_, Moment, Words, english

AccessChanged = Callable[[Iterable[str | None]], Awaitable[None]]


def agreed_words(name: str, until: Moment) -> Words:
    return N_("An interpreter, {name}, can read and write in this chat until {time}.", name=name, time=until)


def asked_words(name: str, until: Moment) -> Words:
    return N_("Your advocate would like an interpreter, {name}, to read and write in this chat until {time}. "
              "Is that OK with you?", name=name, time=until)


ENDED_WORDS = N_("The interpreter can no longer read or write in this chat.")


class Interpreting:
    def __init__(self, store: Store, clock: Clock, settings: Settings, chat: ChatService,
                 access_changed: AccessChanged) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.chat = chat
        self.access_changed = access_changed
        self.zone = ZoneInfo(settings.timezone)

    def until(self, doc: dict[str, Any]) -> Moment:
        return Moment(doc["ends_at"].astimezone(self.zone).time().replace(second=0, microsecond=0))

    async def _name(self, staff_id: str) -> str:
        doc = await self.store.staff.find_one({"_id": staff_id}, {"name": 1})
        return doc.get("name", "") if doc else ""

    # reading ----------------------------------------------------------------------

    async def interpreters(self, principal: Principal) -> list[dict[str, Any]]:
        """The interpreters an advocate can ask for: names and languages, nothing else."""
        cursor = self.store.staff.find({"role": "interpreter", "active": {"$ne": False}, "left_at": None},
                                       {"name": 1, "username": 1, "languages": 1}).sort("name", ASCENDING)
        return [{"id": d["_id"], "username": d.get("username", ""), "name": d.get("name", ""),
                 "languages": [{"code": c, "name": name_of(c)} for c in d.get("languages") or []]}
                async for d in cursor]

    async def current(self, principal: Principal, conversation_id: Any) -> dict[str, Any] | None:
        """The open invitation in a conversation (asked, or agreed and not over), as its people see it."""
        conv = await self.chat.conversation(principal, conversation_id, "interpreting.read")
        doc = await self._open_in(conv["_id"])
        return await self.shown(doc) if doc else None

    async def _open_in(self, conversation_id: str) -> dict[str, Any] | None:
        return await self.store.interpreting.find_one(
            {"conversation": conversation_id, "state": {"$in": list(rules.OPEN)}, "ends_at": {"$gt": self.clock.now()}})

    async def shown(self, doc: dict[str, Any]) -> dict[str, Any]:
        def at(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        return {"id": doc["_id"], "conversation": doc["conversation"], "state": doc["state"],
                "interpreter": {"id": doc["interpreter"], "name": await self._name(doc["interpreter"])},
                "asked_at": at(doc["asked_at"]), "ends_at": at(doc["ends_at"]), "agreed_at": at(doc.get("agreed_at")),
                "earlier": bool(doc.get("earlier")), "ended_at": at(doc.get("ended_at"))}

    async def words_for_child(self, child_id: str, language: str) -> dict[str, Any] | None:
        """What the child's chat page shows about an interpreter, in their language: the question while
        it is asked, the line saying who can read until when while it is agreed; None otherwise."""
        conv = await self.chat.active_conversation_of(child_id)
        doc = await self._open_in(conv["_id"]) if conv else None
        if doc is None:
            return None
        name = await self._name(doc["interpreter"])
        words = asked_words(name, self.until(doc)) if doc["state"] == rules.ASKED else agreed_words(
            name, self.until(doc))
        return {"id": doc["_id"], "state": doc["state"], "text": self.chat.languages.write(words, language)}

    # changing ---------------------------------------------------------------------

    async def invite(self, principal: Principal, conversation_id: Any, data: Any) -> dict[str, Any]:
        """An advocate asks the child whether this interpreter may join their chat until a set time."""
        conv = await self.chat.conversation(principal, conversation_id, "interpreting.invite")
        wanted = rules.check_invitation(data, self.settings.interpreting_longest_minutes)
        interpreter = await self.store.staff.find_one(
            {"$or": [{"_id": wanted.interpreter}, {"username": wanted.interpreter.lower()}], "role": "interpreter",
             "active": {"$ne": False}, "left_at": None}, {"name": 1})
        if interpreter is None:
            raise ServiceError("bad_request", "There is no interpreter by that name. Nothing was changed.")
        if await self._open_in(conv["_id"]):
            raise ServiceError("interpreter_already")
        now = self.clock.now()
        doc = {"_id": new_id("in"), "conversation": conv["_id"], "child": conv["child"],
               "advocate": principal.user_id, "interpreter": interpreter["_id"], "state": rules.ASKED,
               "asked_at": now, "ends_at": rules.ends_at(now, wanted.minutes), "agreed_at": None, "earlier": False,
               "visible_from": None, "ended_at": None, "ended_by": None}
        await self.store.interpreting.insert_one(doc)
        await audit.record(self.store, self.clock, **audit.by(principal), action="interpreting.asked",
                           subject=conv["child"], invitation=doc["_id"], interpreter=interpreter["_id"])
        await self.chat.tell_child(conv["child"], asked_words(interpreter.get("name", ""), self.until(doc)),
                                   f"interpreting:{doc['_id']}:asked")
        await self.access_changed([conv["child"], conv["advocate"], principal.user_id])
        return await self.shown(doc)

    async def answer(self, principal: Principal, invitation_id: Any, data: Any) -> dict[str, Any]:
        """The child's yes or no. Yes lets the interpreter in at once (their messages from now on, or all
        of them if the child says ``earlier``)."""
        if not may(principal.role, "interpreting.answer"):
            raise ServiceError("forbidden")
        agree, earlier = rules.check_answer(data)
        doc = await self._childs(principal, invitation_id)
        now = self.clock.now()
        change: dict[str, Any] = {"state": rules.DECLINED, "ended_at": now, "ended_by": principal.by()}
        if agree:
            change = {"state": rules.AGREED, "agreed_at": now, "earlier": earlier,
                      "visible_from": rules.visible_from(now, earlier)}
        claimed = await self.store.interpreting.find_one_and_update(
            {"_id": doc["_id"], "state": rules.ASKED, "ends_at": {"$gt": now}}, {"$set": change},
            return_document=ReturnDocument.AFTER)
        if claimed is None:
            raise ServiceError("interpreter_over")
        await audit.record(self.store, self.clock, **audit.by(principal),
                           action="interpreting.agreed" if agree else "interpreting.declined",
                           subject=doc["child"], invitation=doc["_id"], interpreter=doc["interpreter"],
                           earlier=earlier)
        if agree:
            await self.chat.tell_child(doc["child"], agreed_words(await self._name(doc["interpreter"]),
                                                                  self.until(doc)), f"interpreting:{doc['_id']}:agreed")
        await self.access_changed([doc["interpreter"], doc["child"], doc["advocate"]])
        return await self.shown(claimed)

    async def end(self, principal: Principal, invitation_id: Any) -> dict[str, Any]:
        """The child or the advocate ends it: the interpreter loses the chat at once, on every process."""
        if not may(principal.role, "interpreting.end"):
            raise ServiceError("forbidden")
        if principal.role == "child":
            doc = await self._childs(principal, invitation_id)
        else:
            if not isinstance(invitation_id, str) or len(invitation_id) > rules.LONGEST_ID:
                raise ServiceError("not_found")
            doc = await self.store.interpreting.find_one({"_id": invitation_id})
            if doc is None:
                raise ServiceError("not_found")
            try:
                await self.chat.conversation(principal, doc["conversation"], "interpreting.end")
            except ServiceError:
                raise ServiceError("not_found") from None
        ended = await self._close(doc, principal.by())
        if ended is None:
            raise ServiceError("interpreter_over")
        return await self.shown(ended)

    async def end_due(self) -> int:
        """End every invitation whose time has come (the background job); returns how many."""
        now = self.clock.now()
        count = 0
        async for doc in self.store.interpreting.find({"state": {"$in": list(rules.OPEN)}, "ends_at": {"$lte": now}}):
            if await self._close(doc, {"id": "service", "role": "service"}):
                count += 1
        return count

    async def _close(self, doc: dict[str, Any], by: dict[str, str]) -> dict[str, Any] | None:
        ended = await self.store.interpreting.find_one_and_update(
            {"_id": doc["_id"], "state": {"$in": list(rules.OPEN)}},
            {"$set": {"state": rules.ENDED, "ended_at": self.clock.now(), "ended_by": by}},
            return_document=ReturnDocument.AFTER)
        if ended is None:
            return None
        await audit.record(self.store, self.clock, actor=by["id"], role=by["role"], action="interpreting.ended",
                           subject=doc["child"], invitation=doc["_id"], interpreter=doc["interpreter"],
                           was=doc["state"])
        await self.access_changed([doc["interpreter"], doc["child"], doc["advocate"]])
        if doc["state"] == rules.AGREED:
            await self.chat.tell_child(doc["child"], ENDED_WORDS, f"interpreting:{doc['_id']}:ended")
        return ended

    async def _childs(self, principal: Principal, invitation_id: Any) -> dict[str, Any]:
        if not isinstance(invitation_id, str) or len(invitation_id) > rules.LONGEST_ID:
            raise ServiceError("not_found")
        doc = await self.store.interpreting.find_one({"_id": invitation_id, "child": principal.user_id})
        if doc is None:
            raise ServiceError("not_found")
        return doc


async def export(store: Store, child_id: str) -> tuple[str, list[dict[str, Any]]]:
    """Every interpreter asked into the child's chat: who, until when, the child's answer, how it ended."""
    rows = await store.interpreting.find({"child": child_id}).sort("asked_at", ASCENDING).to_list(None)
    names = {d["_id"]: d.get("name", "") async for d in
             store.staff.find({"_id": {"$in": [r["interpreter"] for r in rows]}}, {"name": 1})}
    answers = {rules.AGREED: "yes", rules.DECLINED: "no"}
    out = []
    for row in rows:
        answer = "yes" if row.get("agreed_at") else answers.get(row["state"], "you didn't answer")
        out.append({"interpreter": names.get(row["interpreter"], ""), "asked": iso(row["asked_at"]),
                    "until": iso(row["ends_at"]), "your_answer": answer,
                    "could_read_earlier": "yes" if row.get("earlier") else "no",
                    "finished": iso(row.get("ended_at"))})
    return english("Interpreters in your chat"), out
