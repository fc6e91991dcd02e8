"""Conversations and messages: storing, paging, unread counts and read receipts.

A message is acknowledged only after it is stored. The unique index on
(sender, client_id) makes a resend return the stored message instead of a
second copy. Messages are written in small batches (group commit, see
``advocacy.group_commit``), and conversations looked up in batches, so that under
load the database does a few large operations rather than many small ones.

Every message read and write goes through here. The text is sealed under the
child's data key (advocacy.crypto), bound to the message's id, before it is
stored; the stored sender is an id and a role, and names are looked up when
messages are read, so the database holds no readable words or names.

One door into a conversation: a child's or an advocate's message (``send``),
a notice from the service (``tell_child``) and a bot's message (``post_as_bot``)
are each stored, then published once on ``message_added``; the Socket.IO edge
delivers it, the bots are told, safeguarding reads a child's.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from advocacy import audit
from advocacy.auth.access import Access, matches
from advocacy.auth.permissions import ANY, PAIRED, scope_for
from advocacy.auth.principal import Principal
from advocacy.chat.held import FIELDS, HeldConversations
from advocacy.chat.text import check_client_id, check_message_text
from advocacy.clock import Clock
from advocacy.crypto import Keyring, keyring_of
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.group_commit import GroupCommit
from advocacy.languages import Languages
from advocacy.people import child_names, open_needs, staff_by_ids
from advocacy.settings import Settings
from advocacy.spoken_languages import LANGUAGES, name_of
from advocacy.store import (
    ASCENDING,
    DESCENDING,
    DuplicateKeyError,
    ObjectId,
    PyMongoError,
    Store,
    UpdateMany,
    UpdateOne,
    find_in,
    insert_each,
)
from advocacy.words import Words

log = logging.getLogger(__name__)

# The sender of messages the service itself writes into a conversation (notices).
SERVICE_SENDER = {"id": "service", "role": "service", "name": "Advocacy service"}
# Senders whose messages are automatic, not a person's (labelled so on both sides, never unread for staff).
AUTOMATIC_SENDERS = ("service", "bot")
# How many message ids a process remembers having published, so a resend it has already
# passed on is not passed on again.
REMEMBERED_PUBLISHED = 20_000


@dataclass(frozen=True)
class MessageAdded:
    """A message was stored in a conversation. ``message`` is as clients see it (text opened,
    sender named); ``origin`` is the connection it came from, which has it already (in its
    acknowledgement), so it is not sent back there. ``child`` is whose conversation it is, so
    what acts on the news (telling the child's phones) need not read the conversation again."""

    message: dict[str, Any]
    child: str
    origin: str | None = None


@dataclass(frozen=True)
class Reply:
    """An advocate's message ended a child's wait for a reply (the figures' median time to a reply)."""

    child: str
    waiting_since: datetime
    answered_at: datetime


def message_purpose(message_id: ObjectId) -> str:
    """Sealed text opens only as the message it was written for (not moved to another one)."""
    return f"message:{message_id}"


def language_purpose(message_id: ObjectId) -> str:
    return f"message-language:{message_id}"


@dataclass(frozen=True)
class MessageAbout:
    """What a message may say about itself: its language (a code of ``advocacy.spoken_languages``) and,
    for an interpreter's message, the message it interprets."""

    language: str | None = None
    interprets: ObjectId | None = None


def _payload(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ServiceError("bad_request",
                           "That request didn't make sense to us: it should be a JSON object. Nothing was changed.")
    return data


def _message_id(value: Any) -> ObjectId:
    if isinstance(value, str) and ObjectId.is_valid(value):
        return ObjectId(value)
    raise ServiceError("message_not_found")


def wait_after(role: str, since: datetime | None, sent_at: datetime) -> datetime | None:
    """The rule of a child's wait for a reply, one message at a time: a child's message starts a wait
    unless one is open, their advocate's ends it; notices, bots and interpreters do neither. ``since``
    is when the open wait began (None: none is open); returns it after a message sent at ``sent_at``."""
    if role == "child":
        return sent_at if since is None else since
    if role == "advocate":
        return None
    return since


def waits_answered(messages: Iterable[Mapping[str, Any]],
                   since: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """(waiting since, answered at) for each wait one conversation's ``messages`` (oldest first) end,
    from a wait open since ``since`` (None: none) before them."""
    answered = []
    for message in messages:
        after = wait_after(message["sender"]["role"], since, message["sent_at"])
        if since is not None and after is None:
            answered.append((since, message["sent_at"]))
        since = after
    return answered


def _wait_updates(docs: list[dict[str, Any]],
                  known: Mapping[str, datetime | None] | None = None) -> list[UpdateOne | UpdateMany]:
    """The writes that keep each conversation's ``waiting_since`` in step with a stored batch
    (``wait_after``, message by message), at most one per conversation, and those that end a wait
    together in one. Each filter matches only where something changes (a wait opened, or one ended),
    so the many messages that change nothing (a child's second message, an advocate's second) write nothing.

    ``known`` is what was read of some conversations' waits just before the batch (``_waiting_before``).
    Where it found no wait open, an advocate's messages have none to end and are not sent to the
    database at all (each write, even one that finds nothing to change, costs it as much as a message).
    A wait a child's message opens is always written, even where one was read open: another process may
    end that one meanwhile, and a child's message must never be left looking answered."""
    plans: dict[str, tuple[bool, datetime | None]] = {}  # conversation -> (answered in the batch, wait since)
    for doc in docs:
        role, conv = doc["sender"]["role"], doc["conversation"]
        answered, since = plans.get(conv, (False, None))
        plans[conv] = (answered or role == "advocate", wait_after(role, since, doc["sent_at"]))
    known = known or {}
    ended: list[str] = []
    updates: list[UpdateOne | UpdateMany] = []
    for conv, (answered, since) in plans.items():
        if since is None and answered:  # the last word was the advocate's: the wait ends, if one was open
            if conv not in known or known[conv] is not None:
                ended.append(conv)
        elif since is not None and answered:  # answered, then the child wrote again: a new wait from then
            updates.append(UpdateOne({"_id": conv}, {"$set": {"waiting_since": since}}))
        elif since is not None:  # only the child wrote: a wait from their first message, unless one is open
            updates.append(UpdateOne({"_id": conv, "waiting_since": None}, {"$set": {"waiting_since": since}}))
    if ended:
        updates.append(UpdateMany({"_id": {"$in": sorted(ended)}, "waiting_since": {"$ne": None}},
                                  {"$set": {"waiting_since": None}}))
    return updates


async def _nothing() -> dict[str, tuple[str, datetime | None]]:
    return {}


def _waits_ended(waiting: dict[str, tuple[str, datetime | None]],
                 docs: list[dict[str, Any]]) -> list[tuple[str, datetime, datetime]]:
    """(child, waiting since, answered at) for each wait an advocate's message in ``docs`` ends, from
    the conversations' ``waiting`` before the batch (``_waiting_before``) and the batch's messages in order."""
    ended = []
    for conv, (child, since) in waiting.items():
        ended += [(child, *wait) for wait in waits_answered([d for d in docs if d["conversation"] == conv], since)]
    return ended


class ChatService:
    def __init__(self, store: Store, settings: Settings, clock: Clock, access: Access,
                 languages: Languages | None = None) -> None:
        self.store = store
        self.languages = languages or Languages.shared()
        self.settings = settings
        self.clock = clock
        self.access = access
        self.message_added: Topic[MessageAdded] = Topic("chat.message_added")
        # Each stored batch's answered waits, at once: the figures count them in one write.
        self.replied: Topic[list[Reply]] = Topic("chat.replied")
        self._published: OrderedDict[str, None] = OrderedDict()
        self.writes: GroupCommit[dict[str, Any], None] = GroupCommit(self._store_messages)
        self.lookups: GroupCommit[str, dict[str, Any] | None] = GroupCommit(self._find_conversations)
        # Whose each active conversation is, so a message needs no read (forgotten on ``access_changed``).
        self.held = HeldConversations(settings.conversation_cache_seconds, clock.monotonic)

    async def _find_conversations(self, ids: list[str]) -> list[dict[str, Any] | None]:
        found = {c["_id"]: c async for c in find_in(self.store.conversations, "_id", ids, dict.fromkeys(FIELDS, 1))}
        return [found.get(i) for i in ids]

    async def _store_messages(self, docs: list[dict[str, Any]]) -> list[Exception | None]:
        """Insert a batch, then keep each conversation's ``waiting_since`` in step, in message order.
        The waits the batch may end are read while it is being inserted (this process stores one
        batch at a time, so nothing of its own moves them meanwhile)."""
        waiting = self._waiting_before(docs) if self.replied.heard else _nothing()
        results, before = await asyncio.gather(insert_each(self.store.messages, docs), waiting)
        stored = [doc for doc, error in zip(docs, results, strict=True) if error is None]
        waits = _waits_ended(before, stored)
        updates = _wait_updates(stored, {conv: since for conv, (_child, since) in before.items()})
        if updates:
            try:
                await self.store.conversations.bulk_write(updates, ordered=True)
            except PyMongoError as exc:
                # The messages are stored: acknowledge them (a refusal now would make the
                # resend find them and deliver nothing live); only the waiting mark is late.
                log.warning("could not update waiting times: %s", exc.__class__.__name__)
                waits = []
        if waits:
            await self.replied.publish([Reply(child, since, answered) for child, since, answered in waits])
        return results

    async def _waiting_before(self, docs: list[dict[str, Any]]) -> dict[str, tuple[str, datetime | None]]:
        """(child, waiting since) of each conversation an advocate's message in ``docs`` may answer.
        The same read renews what is held of each (``HeldConversations.keep``): a conversation in use
        is then not looked up again only because what was held of it ran out."""
        answered = sorted({d["conversation"] for d in docs if d["sender"]["role"] == "advocate"})
        if not answered:
            return {}
        generation, waiting = self.held.generation, {}
        async for conv in find_in(self.store.conversations, "_id", answered,
                                  dict.fromkeys((*FIELDS, "waiting_since"), 1)):
            self.held.keep(conv, generation)
            waiting[conv["_id"]] = (conv["child"], conv.get("waiting_since"))
        return waiting

    @property
    def keyring(self) -> Keyring:
        return keyring_of(self.store)

    # sealing and opening -------------------------------------------------

    async def _new_message(
        self, conversation: dict[str, Any], sender: dict[str, Any], client_id: str, text: str,
        about: MessageAbout | None = None,
    ) -> dict[str, Any]:
        message_id = ObjectId()
        doc = {
            "_id": message_id,
            "conversation": conversation["_id"],
            "sender": {"id": sender["id"], "role": sender["role"]},
            "client_id": client_id,
            "text": await self.keyring.seal(conversation["child"], text, message_purpose(message_id)),
            "sent_at": self.clock.now(),
        }
        if about is not None and about.language is not None:
            # Which language a child writes in says something about them: sealed like the text.
            doc["language"] = await self.keyring.seal(conversation["child"], about.language,
                                                      language_purpose(message_id))
        if about is not None and about.interprets is not None:
            doc["interprets"] = about.interprets
        return doc

    async def _sender_names(self, docs: list[dict[str, Any]]) -> dict[str, str]:
        senders = {(d["sender"]["id"], d["sender"]["role"]) for d in docs}
        children = await child_names(self.store, [i for i, role in senders if role == "child"])
        staff = await staff_by_ids(self.store, [i for i, role in senders if role not in {"child", "service", "bot"}])
        names = {SERVICE_SENDER["id"]: SERVICE_SENDER["name"], **children}
        names.update({i: doc.get("name", "") for i, doc in staff.items()})
        bot_ids = [i for i, role in senders if role == "bot"]
        if bot_ids:
            names.update({d["_id"]: d["name"]
                          async for d in self.store.bots.find({"_id": {"$in": bot_ids}}, {"name": 1})})
        return names

    async def _public(
        self, docs: list[dict[str, Any]], child_id: str, names: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        """Messages as clients see them: text opened, senders named."""
        if names is None:
            names = await self._sender_names(docs)
        keyring, out = self.keyring, []
        for doc in docs:
            text = await keyring.unseal_or_erased(child_id, doc["text"], message_purpose(doc["_id"]))
            language = (await keyring.unseal_or_erased(child_id, doc["language"], language_purpose(doc["_id"]))
                        if doc.get("language") else None)
            out.append(self._shown(doc, text, names.get(doc["sender"]["id"], ""), language))
        return out

    @staticmethod
    def _shown(doc: dict[str, Any], text: str, sender_name: str, language: str | None = None) -> dict[str, Any]:
        """A stored message as clients see it, given its words, its sender's name and its language's code."""
        sender = doc["sender"]
        shown: dict[str, Any] = {
            "id": str(doc["_id"]),
            "conversation": doc["conversation"],
            "sender": {"id": sender["id"], "role": sender["role"], "name": sender_name},
            "text": text,
            "sent_at": doc["sent_at"].isoformat(timespec="milliseconds"),
            "client_id": doc["client_id"],
        }
        if language:
            shown["language"] = {"code": language, "name": name_of(language)}
        if sender["role"] == "interpreter":
            shown["interpretation"] = True
            shown["interprets"] = str(doc["interprets"]) if doc.get("interprets") else None
        return shown

    async def _public_one(self, doc: dict[str, Any], child_id: str, **names: str) -> dict[str, Any]:
        return (await self._public([doc], child_id, names or None))[0]

    # who may see what ---------------------------------------------------

    async def conversation(self, principal: Principal, conversation_id: Any, action: str) -> dict[str, Any]:
        """The conversation if ``principal`` may do ``action`` in it; the same refusal whether
        it does not exist or is someone else's."""
        own = self.access.own_conversations(principal, action)
        if not isinstance(conversation_id, str) or len(conversation_id) > 64:
            raise ServiceError("conversation_not_found")
        conv = self.held.get(conversation_id)
        if conv is None:
            generation = self.held.generation
            conv = await self.lookups(conversation_id)  # looked up with others at the same moment, by id alone
            self.held.keep(conv, generation)
        if conv is None:
            raise ServiceError("conversation_not_found")
        # Their own needs no further read; covers and earlier chat are looked up only for another's.
        if not matches(conv, own) and not matches(conv, await self.access.conversation_filter(principal, action)):
            raise ServiceError("conversation_not_found")
        return conv

    async def conversation_ids(self, principal: Principal) -> list[str]:
        query = await self.access.conversation_filter(principal, "chat.conversations")
        return [c["_id"] async for c in self.store.conversations.find(query, {"_id": 1})]

    # listing -------------------------------------------------------------

    async def conversations(self, principal: Principal) -> list[dict[str, Any]]:
        query = await self.access.conversation_filter(principal, "chat.conversations")
        convs = await self.store.conversations.find(query).sort("created_at", ASCENDING).to_list(None)
        if principal.role == "interpreter":
            return await self._interpreters_conversations(principal, convs)
        if principal.role != "child" and convs:
            # Each child's name and last message are shown: one entry for the whole list.
            await audit.record(self.store, self.clock, **audit.by(principal), action="chat.conversations",
                               children=len(convs), subjects=[c["child"] for c in convs])
        child_ids = {c["child"] for c in convs}
        advocate_ids = {c["advocate"] for c in convs}
        children = await child_names(self.store, child_ids)
        # Staff see the language each child reads the service in and the languages on their record.
        spoken = {} if principal.role == "child" else {d["_id"]: d for d in await open_needs(self.store, [
            d async for d in self.store.children.find({"_id": {"$in": list(child_ids)}},
                                                      {"language": 1, "languages": 1, "needs_sealed": 1,
                                                       "non_instructed": 1, "advocate": 1, "left_care_at": 1,
                                                       "left_care_source": 1})])}
        staff = {d["_id"]: d async for d in self.store.staff.find({"_id": {"$in": list(advocate_ids)}}, {"name": 1})}
        names = {SERVICE_SENDER["id"]: SERVICE_SENDER["name"], **children,
                 **{i: d.get("name", "") for i, d in staff.items()}}

        async def summary(conv: dict[str, Any]) -> dict[str, Any]:
            last_read = conv.get("read", {}).get(principal.user_id)
            unread_query: dict[str, Any] = {"conversation": conv["_id"], "sender.id": {"$ne": principal.user_id}}
            if principal.role != "child":  # staff: the service's and bots' automatic messages are not unread
                unread_query["sender.role"] = {"$nin": list(AUTOMATIC_SENDERS)}
            if last_read is not None:
                unread_query["_id"] = {"$gt": last_read}
            unread, last = await asyncio.gather(
                self.store.messages.count_documents(unread_query),
                self.store.messages.find_one({"conversation": conv["_id"]}, sort=[("_id", DESCENDING)]),
            )
            waiting = conv.get("waiting_since")
            others_read = [v for k, v in conv.get("read", {}).items() if k != principal.user_id]
            return {
                "id": conv["_id"],
                "child": conv["child"],
                "child_name": children.get(conv["child"], ""),
                "advocate": conv["advocate"],
                "advocate_name": staff.get(conv["advocate"], {}).get("name", ""),
                "unread": unread,
                "waiting_since": waiting.isoformat(timespec="seconds") if waiting else None,
                "seen_up_to": str(max(others_read)) if others_read else None,
                "last_message": await self._last_message(last, conv["child"], names),
                **({} if principal.role == "child" else self._languages_of(spoken.get(conv["child"], {}))),
                **({} if principal.role == "child" else self._left_care_of(principal, spoken.get(conv["child"], {}))),
            }

        return list(await asyncio.gather(*(summary(c) for c in convs)))

    async def _interpreters_conversations(self, principal: Principal,
                                          convs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """An interpreter's list: each chat they are in now, named by the child's and advocate's names
        alone (no unread counts, waiting times or anything from the child's record)."""
        if convs:
            await audit.record(self.store, self.clock, **audit.by(principal), action="chat.conversations",
                               children=len(convs), subjects=[c["child"] for c in convs])
        children = await child_names(self.store, {c["child"] for c in convs})
        staff = await staff_by_ids(self.store, list({c["advocate"] for c in convs}))
        return [{"id": c["_id"], "child": c["child"], "child_name": children.get(c["child"], ""),
                 "advocate": c["advocate"], "advocate_name": staff.get(c["advocate"], {}).get("name", ""),
                 "interpreting": True} for c in convs]

    def _languages_of(self, child: dict[str, Any]) -> dict[str, Any]:
        language = self.languages.get(child.get("language"))
        # Non-instructed advocacy (advocacy.non_instructed): the console shows it and when the last visit was.
        state = child.get("non_instructed")
        return {"child_language": {"code": language.code, "name": language.english},
                "child_languages": [name_of(c) for c in child.get("languages") or []],
                "non_instructed": None if not state else {
                    "review_by": state.get("review_by"), "last_visit_at": iso(state.get("last_visit_at")),
                    "visit_due_at": iso(state.get("visit_due_at")),
                    "visit_overdue": bool(state.get("visit_due_at") and state["visit_due_at"] <= self.clock.now())}}

    @staticmethod
    def _left_care_of(principal: Principal, child: dict[str, Any]) -> dict[str, Any]:
        """The day the child left care and who said so (``advocacy.people.LEFT_CARE_SOURCES``), for the
        console's "Leaving care" panel: only to staff who may record it for this child (``child.left_care``)."""
        scope = scope_for(principal.role, "child.left_care")
        if not (scope == ANY or (scope == PAIRED and child.get("advocate") == principal.user_id)):
            return {}
        at = child.get("left_care_at")
        return {"child_left_care": None if not isinstance(at, datetime) else {
            "on": at.date().isoformat(), "source": child.get("left_care_source")}}

    async def _last_message(
        self, doc: dict[str, Any] | None, child_id: str, names: dict[str, str]
    ) -> dict[str, Any] | None:
        if doc is None:
            return None
        if doc["sender"]["id"] not in names:  # a previous advocate, a cover advocate
            names = {**names, **await self._sender_names([doc])}
        return (await self._public([doc], child_id, names))[0]

    # sending -------------------------------------------------------------

    async def send(self, principal: Principal, data: Any, origin: str | None = None) -> tuple[dict[str, Any], bool]:
        """Store a message from a child or their advocate; returns (message, True) or, for a resend,
        (the stored message, False). ``origin`` names the connection it came from."""
        data = _payload(data)
        text = check_message_text(data.get("text"), self.settings.max_message_chars)
        client_id = check_client_id(data.get("client_id"))
        sender = {"id": principal.user_id, "role": principal.role, "name": principal.name}
        language = data.get("language")
        if language is not None and language not in LANGUAGES:
            raise ServiceError("bad_request", '"language" must be a language code from the list (e.g. "ar"). '
                                              "Nothing was sent.")
        if data.get("interprets") is not None and principal.role != "interpreter":
            raise ServiceError("bad_request", "Only an interpreter's message can interpret another. Nothing was sent.")
        try:
            conv = await self.conversation(principal, data.get("conversation"), "chat.send")
        except ServiceError:
            # A resend of a message stored before the child was paired with someone else.
            existing = await self._sent(sender, client_id)
            if existing is None or principal.role == "interpreter":
                raise
            (message, child), is_new = await self._stored(existing, sender), False
        else:
            child = conv["child"]
            interprets = None
            if data.get("interprets") is not None:
                interprets = await self._anchor(conv["_id"], data["interprets"],
                                                await self.access.visible_from(principal, conv["_id"]))
            message, is_new = await self._add(conv, sender, client_id, text, MessageAbout(language, interprets))
            if principal.role == "interpreter" and is_new:
                await audit.record(self.store, self.clock, **audit.by(principal), action="chat.interpreted",
                                   subject=conv["child"], conversation=conv["_id"], message=message["id"])
        if is_new or message["id"] not in self._published:
            # A resend this process has not passed on may have been stored by a process that
            # stopped before passing it on: pass it on now (what hears it copes with a repeat).
            self._remember_published(message["id"])
            await self.message_added.publish(MessageAdded(message, child, origin))
        return message, is_new

    async def language_of(self, child_id: str) -> str:
        """The language the child chose (their record), or the default."""
        doc = await self.store.children.find_one({"_id": child_id}, {"language": 1})
        return self.languages.pick(doc.get("language") if doc else None)

    async def tell_child(self, child_id: str, text: str | Words, key: str) -> dict[str, Any] | None:
        """Write a notice from the service into the child's conversation (pairing news, escalations...).

        The one way the service tells a child something in their chat. ``key`` names the
        event the notice is about (e.g. ``paired:pa_123``): a notice with the same key is
        stored once, so a retried job never tells a child twice. None if the child has no
        advocate now. A notice does not count as an answer to the child. ``Words`` are written
        in the child's language (their record), each sentence the catalogue lacks in English.
        """
        conv = await self.active_conversation_of(child_id)
        if conv is None:
            return None
        if isinstance(text, Words):
            text = self.languages.write(text, await self.language_of(child_id))
        message, is_new = await self._add(conv, SERVICE_SENDER, key, text)
        if is_new:
            await self.message_added.publish(MessageAdded(message, child_id))
        return message

    async def post_as_bot(self, bot: Principal, conversation_id: Any, text: str,
                          key: str) -> tuple[dict[str, Any], bool]:
        """A bot writes into an active conversation as itself, once per ``key``: (message, is new)."""
        if not isinstance(conversation_id, str) or len(conversation_id) > 64:
            raise ServiceError("conversation_not_found")
        conv = await self.store.conversations.find_one({"_id": conversation_id, "active": True})
        if conv is None:
            raise ServiceError("conversation_not_found")
        message, is_new = await self._add(conv, {"id": bot.user_id, "role": "bot", "name": bot.name}, key, text)
        if is_new:
            await self.message_added.publish(MessageAdded(message, conv["child"]))
        return message, is_new

    async def _add(self, conv: dict[str, Any], sender: dict[str, str], client_id: str,
                   text: str, about: MessageAbout | None = None) -> tuple[dict[str, Any], bool]:
        """Store a message once per (sender, client id): (message, True), or (the stored one, False)."""
        doc = await self._new_message(conv, sender, client_id, text, about)
        try:
            await self.writes(doc)
        except DuplicateKeyError:  # a resend (or the same resend racing us)
            stored, _child = await self._stored(await self._sent(sender, client_id), sender)
            return stored, False
        # Built from the checked words just sealed: opening the sealed copy again would only cost time.
        return self._shown(doc, text, sender["name"], about.language if about is not None else None), True

    async def _stored(self, doc: dict[str, Any], sender: dict[str, str]) -> tuple[dict[str, Any], str]:
        """A message stored earlier, as clients see it, and whose conversation it is in."""
        conv = await self.store.conversations.find_one({"_id": doc["conversation"]}, {"child": 1})
        return await self._public_one(doc, conv["child"], **{sender["id"]: sender["name"]}), conv["child"]

    async def _sent(self, sender: dict[str, str], client_id: str) -> dict[str, Any] | None:
        return await self.store.messages.find_one({"sender.id": sender["id"], "client_id": client_id})

    def _remember_published(self, message_id: str) -> None:
        self._published[message_id] = None
        if len(self._published) > REMEMBERED_PUBLISHED:
            self._published.popitem(last=False)

    async def everything_of_child(self, child_id: str) -> list[dict[str, Any]]:
        """Every conversation of a child with all its messages, oldest first (their data export)."""
        out = []
        async for conv in self.store.conversations.find({"child": child_id}).sort("created_at", ASCENDING):
            docs = await self.store.messages.find({"conversation": conv["_id"]}).sort("_id", ASCENDING).to_list(None)
            out.append({"id": conv["_id"], "advocate": conv["advocate"], "active": conv.get("active", False),
                        "messages": await self._public(docs, child_id)})
        return out

    async def unread_for_child(self, principal: Principal) -> int:
        """How many messages in the child's conversation they have not read yet (the count on their Chat tab)."""
        conv = await self.active_conversation_of(principal.user_id)
        if conv is None:
            return 0
        query: dict[str, Any] = {"conversation": conv["_id"], "sender.id": {"$ne": principal.user_id}}
        last_read = conv.get("read", {}).get(principal.user_id)
        if last_read is not None:
            query["_id"] = {"$gt": last_read}
        return await self.store.messages.count_documents(query)

    async def active_conversation_of(self, child_id: str) -> dict[str, Any] | None:
        return await self.store.conversations.find_one({"child": child_id, "active": True})

    # reading -------------------------------------------------------------

    async def set_away(self, principal: Principal, data: Any) -> bool:
        """An advocate switches between around (``{"away": false}``) and away (``{"away": true}``).

        Switching to away starts a new absence for the away reply (they were around until now).
        Returns the switch as stored.
        """
        away = data.get("away") if isinstance(data, dict) else None
        if not isinstance(away, bool):
            raise ServiceError("bad_request", 'Say {"away": true} or {"away": false}.')
        change: dict[str, Any] = {"away": away}
        if away:
            change["last_available_at"] = self.clock.now()
        await self.store.staff.update_one({"_id": principal.user_id}, {"$set": change})
        return away

    async def is_away(self, user_id: str) -> bool:
        return await self.store.staff.count_documents({"_id": user_id, "away": True}, limit=1) > 0

    async def history(self, principal: Principal, data: Any) -> dict[str, Any]:
        data = _payload(data)
        conv = await self.conversation(principal, data.get("conversation"), "chat.history")
        limit = data.get("limit", self.settings.history_page_default)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= self.settings.history_page_max:
            raise ServiceError(
                "bad_request", f"limit must be a whole number from 1 to {self.settings.history_page_max}."
            )
        before, after = data.get("before"), data.get("after")
        if before is not None and after is not None:
            raise ServiceError("bad_request", "Ask for messages before one message or after one, not both.")
        query: dict[str, Any] = {"conversation": conv["_id"]}
        since = await self.access.visible_from(principal, conv["_id"])
        if since is not None:  # an interpreter: from when the child let them in
            query["sent_at"] = {"$gte": since}
        if after is not None:
            query["_id"] = {"$gt": await self._anchor(conv["_id"], after, since)}
            docs = await self.store.messages.find(query).sort("_id", ASCENDING).limit(limit + 1).to_list(None)
            more = len(docs) > limit
            docs = docs[:limit]
        else:
            if before is not None:
                query["_id"] = {"$lt": await self._anchor(conv["_id"], before, since)}
            docs = await self.store.messages.find(query).sort("_id", DESCENDING).limit(limit + 1).to_list(None)
            more = len(docs) > limit
            docs = list(reversed(docs[:limit]))
        if principal.role != "child":
            await audit.record(self.store, self.clock, **audit.by(principal), action="chat.history",
                               subject=conv["child"], conversation=conv["_id"], messages=len(docs))
        messages = await self._public(docs, conv["child"])
        if principal.role not in ("child", "bot", "interpreter") and messages:
            # Staff see which messages safeguarding flagged (the flag's own id is the message's).
            flagged = {f["_id"] async for f in self.store.flags.find(
                {"_id": {"$in": [m["id"] for m in messages]}}, {"_id": 1})}
            for message in messages:
                if message["id"] in flagged:
                    message["flagged"] = True
        return {"messages": messages, "more": more}

    async def _anchor(self, conversation_id: str, message_id: Any, since: datetime | None = None) -> ObjectId:
        """A message of this conversation (one the reader may see, from ``since`` on), by id."""
        oid = _message_id(message_id)
        query: dict[str, Any] = {"_id": oid, "conversation": conversation_id}
        if since is not None:
            query["sent_at"] = {"$gte": since}
        if not await self.store.messages.find_one(query, {"_id": 1}):
            raise ServiceError("message_not_found")
        return oid

    async def mark_read(self, principal: Principal, data: Any) -> dict[str, Any]:
        data = _payload(data)
        conv = await self.conversation(principal, data.get("conversation"), "chat.read")
        up_to = await self._anchor(conv["_id"], data.get("up_to"))
        field = f"read.{principal.user_id}"
        # Only ever move the read pointer forward.
        await self.store.conversations.update_one(
            {"_id": conv["_id"], "$or": [{field: {"$exists": False}}, {field: {"$lt": up_to}}]},
            {"$set": {field: up_to}},
        )
        return {"conversation": conv["_id"], "reader": {"id": principal.user_id, "role": principal.role},
                "up_to": str(up_to)}

    async def check_typing(self, principal: Principal, data: Any) -> dict[str, Any]:
        data = _payload(data)
        return await self.conversation(principal, data.get("conversation"), "chat.typing")
