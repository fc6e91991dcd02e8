"""Search an advocate's own conversations and their children's concerns for some words.

Messages and a concern's words are sealed at rest under each child's key, so no
index of words can exist: the search opens, in memory, the newest messages of
the conversations the caller may read (``Access.conversation_filter``) and the
words of their children's concerns (``Access.children``), and keeps what holds
the words. It is bounded: at most ``MESSAGES_SEARCHED`` messages and
``CONCERNS_SEARCHED`` concerns are opened per search, newest first, and the
answer says when older ones were not reached. That a search happened is
audited (counts, and the children whose records were shown), never the words
searched for; nothing here logs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advocacy import audit
from advocacy.auth.access import Access
from advocacy.auth.principal import Principal
from advocacy.chat.service import message_purpose
from advocacy.clock import Clock
from advocacy.concerns.categories import Category
from advocacy.crypto import keyring_of
from advocacy.errors import ServiceError
from advocacy.people import child_names
from advocacy.store import DESCENDING, Store

SHORTEST_QUERY, LONGEST_QUERY = 2, 100
MESSAGES_SEARCHED = 3000
CONCERNS_SEARCHED = 500
MOST_RESULTS = 20
AROUND = 60  # characters shown either side of the words found


def check_query(query: Any) -> str:
    if not isinstance(query, str) or not SHORTEST_QUERY <= len(query.strip()) <= LONGEST_QUERY:
        raise ServiceError("bad_request", f"Search for {SHORTEST_QUERY} to {LONGEST_QUERY} characters (?q=words). "
                                          "Nothing was searched.")
    return " ".join(query.split())


def snippet(text: str, at: int, length: int) -> str:
    """The words around a match, on one line, with … where the text goes on."""
    start, end = max(0, at - AROUND), min(len(text), at + length + AROUND)
    shown = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + shown + ("…" if end < len(text) else "")


def find(text: str, wanted: str) -> int:
    return text.casefold().find(wanted.casefold())


class Search:
    def __init__(self, store: Store, clock: Clock, access: Access, categories: Mapping[str, Category]) -> None:
        self.store = store
        self.clock = clock
        self.access = access
        self.categories = categories

    async def search(self, principal: Principal, query: Any) -> dict[str, Any]:
        wanted = check_query(query)
        keyring = keyring_of(self.store)
        conversations = {c["_id"]: c["child"] async for c in self.store.conversations.find(
            await self.access.conversation_filter(principal, "search"), {"child": 1})}
        messages, opened = [], 0
        cursor = self.store.messages.find(
            {"conversation": {"$in": list(conversations)}, "sender.role": {"$in": ["child", "advocate"]}},
            {"conversation": 1, "sender": 1, "text": 1, "sent_at": 1},
        ).sort("_id", DESCENDING).limit(MESSAGES_SEARCHED + 1)
        async for doc in cursor:
            if opened == MESSAGES_SEARCHED:
                break
            opened += 1
            child = conversations[doc["conversation"]]
            text = await keyring.unseal_or_erased(child, doc["text"], message_purpose(doc["_id"]))
            at = find(text, wanted)
            if at >= 0:
                messages.append({"id": str(doc["_id"]), "conversation": doc["conversation"], "child": child,
                                 "from": doc["sender"]["role"],
                                 "sent_at": doc["sent_at"].isoformat(timespec="seconds"),
                                 "words": snippet(text, at, len(wanted))})
                if len(messages) == MOST_RESULTS:
                    break
        messages_complete = opened < MESSAGES_SEARCHED and len(messages) < MOST_RESULTS

        children = await self.access.children(principal, "search")
        concerns, looked = [], 0
        cursor = self.store.concerns.find(
            {"child": {"$in": children}, "status": {"$ne": "dismissed"}},
            {"child": 1, "category": 1, "status": 1, "raised_at": 1, "child_words": 1, "child_wants": 1},
        ).sort("raised_at", DESCENDING).limit(CONCERNS_SEARCHED + 1)
        async for doc in cursor:
            if looked == CONCERNS_SEARCHED:
                break
            looked += 1
            for field in ("child_words", "child_wants"):
                text = await keyring.unseal_or_erased(doc["child"], doc.get(field), f"concern.{field}")
                at = find(text, wanted)
                if at >= 0:
                    category = self.categories.get(doc["category"])
                    concerns.append({"id": doc["_id"], "child": doc["child"], "status": doc["status"],
                                     "about": category.staff_label if category else doc["category"],
                                     "raised_at": doc["raised_at"].isoformat(timespec="seconds"),
                                     "found_in": field, "words": snippet(text, at, len(wanted))})
                    break
            if len(concerns) == MOST_RESULTS:
                break
        concerns_complete = looked < CONCERNS_SEARCHED and len(concerns) < MOST_RESULTS

        shown = sorted({m["child"] for m in messages} | {c["child"] for c in concerns})
        names = await child_names(self.store, shown)
        active = {c: conv for conv, c in conversations.items()}
        for row in (*messages, *concerns):
            row["child_name"] = names.get(row["child"], "")
        for row in concerns:
            row["conversation"] = active.get(row["child"])
        # That a search happened, how much it opened and whose records it showed: never the words.
        await audit.record(self.store, self.clock, **audit.by(principal), action="search.run",
                           subjects=shown, messages_opened=opened, concerns_opened=looked,
                           found=len(messages) + len(concerns))
        return {"messages": messages, "concerns": concerns,
                "complete": messages_complete and concerns_complete,
                "searched": {"messages": opened, "concerns": looked}}
