"""Who may see which record: the one place that applies the permission table's scopes to records.

The permission table (``advocacy.auth.permissions``, pure) says which roles may
do an action and with what scope; this module turns a scope into the records it
reaches, for children, advocates, conversations and concerns alike:

- ``own``: the child themself; ``paired``: children whose advocate is the
  caller; ``team``: children of advocates the manager manages; ``any``: all;
- cover: an advocate covering for a colleague on leave acts for each covered
  child only from the cover's start to its end (``starts_at`` <= now <
  ``ends_at``), and only while that child still has the advocate who is away;
  what they may do is the ``cover_advocate`` row of the table (scope ``covered``);
- earlier chat: a child's conversations with earlier advocates are readable
  (history only) by their current advocate only while the child says yes; the
  child can change their mind at any time.

A record that does not exist and one outside the caller's scope get the same
refusal, so ids cannot be probed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advocacy.auth.permissions import ANY, COVERED, INVITED, OWN, PAIRED, TEAM, Role, scope_for
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.store import Store

LONGEST_ID = 64


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    """Whether ``doc`` meets ``query``: the few operators the conversation filters use.

    Conversations are fetched in batches by id alone and each request's own
    filter is checked here; an operator this does not know is an error, never a match.
    """
    for key, wanted in query.items():
        if key == "$or":
            if not any(matches(doc, alternative) for alternative in wanted):
                return False
        elif isinstance(wanted, dict):
            if set(wanted) != {"$in"}:
                raise ValueError(f"matches() does not know {sorted(wanted)}: check the filter in Python")
            if doc.get(key) not in wanted["$in"]:
                return False
        elif doc.get(key) != wanted:
            return False
    return True


def _scope(principal: Principal, action: str) -> str:
    scope = scope_for(principal.role, action)
    if scope is None:
        raise ServiceError("forbidden")
    return scope


class Access:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    # cover and earlier chat -----------------------------------------------------

    async def covering(self, advocate_id: str, child_id: str | None = None) -> list[dict[str, Any]]:
        """The covers ``advocate_id`` is doing right now (optionally for one child) that still apply."""
        now = self.clock.now()
        query: dict[str, Any] = {"cover": advocate_id, "starts_at": {"$lte": now}, "ends_at": {"$gt": now}}
        if child_id is not None:
            query["child"] = child_id
        covers = await self.store.covers.find(query, {"child": 1, "advocate": 1}).to_list(None)
        if not covers:
            return []
        current = {d["_id"]: d.get("advocate") async for d in
                   self.store.children.find({"_id": {"$in": [c["child"] for c in covers]}}, {"advocate": 1})}
        return [c for c in covers if current.get(c["child"]) == c["advocate"]]

    async def _covers_child(self, principal: Principal, action: str, child_id: str) -> bool:
        """True if this advocate may do ``action`` for this child because they cover for its advocate."""
        if principal.role != Role.ADVOCATE.value or scope_for(Role.COVER_ADVOCATE, action) != COVERED:
            return False
        return bool(await self.covering(principal.user_id, child_id))

    async def _earlier_conversations_shared(self, advocate_id: str) -> list[str]:
        """Conversations of this advocate's children with earlier advocates that the child agreed to show them."""
        agreed = [d["child"] async for d in
                  self.store.earlier_chat.find({"advocate": advocate_id, "share": True}, {"child": 1})]
        if not agreed:
            return []
        still_mine = [d["_id"] async for d in
                      self.store.children.find({"_id": {"$in": agreed}, "advocate": advocate_id}, {"_id": 1})]
        if not still_mine:
            return []
        cursor = self.store.conversations.find({"child": {"$in": still_mine}, "advocate": {"$ne": advocate_id}},
                                               {"_id": 1})
        return [d["_id"] async for d in cursor]

    async def _granted_conversations(self, principal: Principal, action: str) -> list[str]:
        """Conversations beyond an advocate's own that cover or earlier chat let them use for ``action`` now."""
        if principal.role != Role.ADVOCATE.value:
            return []
        granted: list[str] = []
        if scope_for(Role.COVER_ADVOCATE, action) == COVERED:
            children = [c["child"] for c in await self.covering(principal.user_id)]
            if children:
                cursor = self.store.conversations.find({"child": {"$in": children}, "active": True}, {"_id": 1})
                granted += [d["_id"] async for d in cursor]
        if action == "chat.history":
            granted += await self._earlier_conversations_shared(principal.user_id)
        return granted

    # children -------------------------------------------------------------------

    async def child(self, principal: Principal, action: str, child_id: Any, *,
                    missing: str = "not_found") -> dict[str, Any]:
        """The child's record if ``principal`` may do ``action`` to it; ServiceError(``missing``) otherwise."""
        scope = _scope(principal, action)
        if not isinstance(child_id, str) or len(child_id) > LONGEST_ID:
            raise ServiceError(missing)
        child = await self.store.children.find_one({"_id": child_id})
        if child is None:
            raise ServiceError(missing)
        if scope == ANY or (scope == OWN and child["_id"] == principal.user_id):
            return child
        if scope == PAIRED and child.get("advocate") == principal.user_id:
            return child
        if scope == TEAM and child.get("advocate"):
            advocate = await self.store.staff.find_one({"_id": child["advocate"]}, {"manager": 1})
            if advocate and advocate.get("manager") == principal.user_id:
                return child
        if await self._covers_child(principal, action, child["_id"]):
            return child
        raise ServiceError(missing)

    async def children(self, principal: Principal, action: str) -> list[str]:
        """The ids of every child ``principal`` may do ``action`` for."""
        scope = _scope(principal, action)
        if scope == OWN:
            return [principal.user_id]
        if scope == PAIRED:
            mine = [c["_id"] async for c in self.store.children.find({"advocate": principal.user_id}, {"_id": 1})]
            if scope_for(Role.COVER_ADVOCATE, action) == COVERED:  # and the children they cover for now
                mine += [c["child"] for c in await self.covering(principal.user_id)]
            return list(dict.fromkeys(mine))
        if scope == TEAM:
            team = [a["_id"] async for a in self.store.staff.find({"manager": principal.user_id}, {"_id": 1})]
            return [c["_id"] async for c in self.store.children.find({"advocate": {"$in": team}}, {"_id": 1})]
        if scope == ANY:
            return [c["_id"] async for c in self.store.children.find({}, {"_id": 1})]
        raise ServiceError("forbidden")

    # advocates ------------------------------------------------------------------

    async def advocate(self, principal: Principal, action: str, advocate_id: Any,
                       fields: dict[str, int] | None = None) -> dict[str, Any]:
        """An advocate's record if ``principal`` may do ``action`` to it (their manager, or an admin)."""
        scope = _scope(principal, action)
        if scope not in (TEAM, ANY) or not isinstance(advocate_id, str) or len(advocate_id) > LONGEST_ID:
            raise ServiceError("not_found")
        advocate = await self.store.staff.find_one({"_id": advocate_id, "role": "advocate"},
                                                   {"manager": 1, **(fields or {})})
        if advocate is None or (scope == TEAM and advocate.get("manager") != principal.user_id):
            raise ServiceError("not_found")
        return advocate

    async def advocates(self, principal: Principal, action: str) -> set[str] | None:
        """The advocates whose records ``principal`` may act on for ``action``; None: every one (an admin)."""
        if _scope(principal, action) == ANY:
            return None
        return {d["_id"] async for d in
                self.store.staff.find({"role": "advocate", "manager": principal.user_id}, {"_id": 1})}

    # conversations --------------------------------------------------------------

    def own_conversations(self, principal: Principal, action: str) -> dict[str, Any]:
        """A query for ``principal``'s own conversations for ``action``, with no read: a child's, or
        their advocate's active one. ServiceError("forbidden") for a role with no conversations."""
        scope = scope_for(principal.role, action)
        if scope == OWN:
            return {"child": principal.user_id, "active": True}
        if scope == PAIRED:
            return {"advocate": principal.user_id, "active": True}
        if scope == INVITED:  # an interpreter has none of their own: only those they are let into (a read)
            return {"_id": {"$in": []}}
        raise ServiceError("forbidden")

    async def conversation_filter(self, principal: Principal, action: str) -> dict[str, Any]:
        """A query for the conversations ``principal`` may do ``action`` in (``matches`` checks one in Python)."""
        own = self.own_conversations(principal, action)
        if scope_for(principal.role, action) == PAIRED:
            # Cover during a colleague's leave, and earlier chat a child agreed to show (history only).
            granted = await self._granted_conversations(principal, action)
            return {"$or": [own, {"_id": {"$in": granted}}]} if granted else own
        if scope_for(principal.role, action) == INVITED:
            return {"_id": {"$in": [d["conversation"] for d in await self._invitations(principal.user_id)]}}
        return own

    async def _invitations(self, interpreter_id: str, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """An interpreter's agreed invitations whose end time has not come."""
        query: dict[str, Any] = {"interpreter": interpreter_id, "state": "agreed", "ends_at": {"$gt": self.clock.now()}}
        if conversation_id is not None:
            query["conversation"] = conversation_id
        return await self.store.interpreting.find(query, {"conversation": 1, "visible_from": 1}).to_list(None)

    async def visible_from(self, principal: Principal, conversation_id: str) -> datetime | None:
        """The first moment of a conversation whose messages ``principal`` may read: None (all) for
        everyone but an interpreter, who reads from when the child let them in (unless the child agreed to more)."""
        if principal.role != Role.INTERPRETER.value:
            return None
        found = await self._invitations(principal.user_id, conversation_id)
        if not found:
            raise ServiceError("conversation_not_found")
        return found[0].get("visible_from")

    # concerns -------------------------------------------------------------------

    async def concern(self, principal: Principal, action: str, concern_id: Any) -> dict[str, Any]:
        """The concern if ``principal`` may do ``action`` to it. A child never sees drafts or dismissed ones."""
        scope = _scope(principal, action)
        if not isinstance(concern_id, str) or len(concern_id) > LONGEST_ID:
            raise ServiceError("concern_not_found")
        doc = await self.store.concerns.find_one({"_id": concern_id})
        if doc is None:
            raise ServiceError("concern_not_found")
        if scope == OWN:
            if doc["child"] != principal.user_id or doc["status"] in {"draft", "dismissed"}:
                raise ServiceError("concern_not_found")
        else:
            await self.child(principal, action, doc["child"], missing="concern_not_found")
        return doc
