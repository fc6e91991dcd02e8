"""A team's canned replies: kept per team, written and changed by its people, inserted into a reply.

A team is a manager and the advocates they manage: an advocate's team is their
manager's, a manager's is their own. Everyone in the team reads the team's
replies and may add one; a reply is changed or removed by whoever wrote it or
by the team's manager. The body is staff rich text (``advocacy.rich_text``),
cleaned when it is written; ``text`` is the same words as plain text, which the
console puts into the reply box (a chat message is plain text), so it must fit
in one message. Replies are about no child. Every change is audited (ids only,
never the words).
"""

from __future__ import annotations

from typing import Any

from advocacy import audit
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.rich_text import plain_text, sanitise
from advocacy.store import ASCENDING, Store

LONGEST_TITLE = 120
LONGEST_BODY_HTML = 20_000


def _public(doc: dict[str, Any], principal: Principal, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": doc["_id"], "title": doc["title"], "body": doc["body"], "text": doc["text"],
        "written_by": {"id": doc["created_by"], "name": names.get(doc["created_by"], "")},
        "updated_at": doc["updated_at"].isoformat(timespec="seconds"),
        "may_change": principal.role == "manager" or doc["created_by"] == principal.user_id,
    }


class CannedReplies:
    def __init__(self, store: Store, clock: Clock, longest_text: int) -> None:
        self.store = store
        self.clock = clock
        self.longest_text = longest_text

    async def team_of(self, principal: Principal) -> str | None:
        """The manager whose team the caller is in (a manager: themself); None for someone in no team."""
        if principal.role == "manager":
            return principal.user_id
        if principal.role != "advocate":
            return None
        doc = await self.store.staff.find_one({"_id": principal.user_id}, {"manager": 1})
        return doc.get("manager") if doc else None

    async def listing(self, principal: Principal) -> list[dict[str, Any]]:
        team = await self.team_of(principal)
        if team is None:
            return []
        docs = await self.store.canned_replies.find({"team": team}).sort([("title", ASCENDING)]).to_list(None)
        return await self._shown(docs, principal)

    async def _shown(self, docs: list[dict[str, Any]], principal: Principal) -> list[dict[str, Any]]:
        writers = list({d["created_by"] for d in docs})
        names = {d["_id"]: d.get("name", "") async for d in self.store.staff.find({"_id": {"$in": writers}},
                                                                                 {"name": 1})}
        return [_public(d, principal, names) for d in docs]

    def _checked(self, body: Any, partial: bool = False) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ServiceError("bad_request")
        problems: list[str] = []
        fields: dict[str, Any] = {}
        unknown = sorted(set(body) - {"title", "body"})
        if unknown:
            problems.append(f"{', '.join(repr(k) for k in unknown)} is not something a reply has (title, body)")
        if "title" in body or not partial:
            title = body.get("title")
            if not isinstance(title, str) or not title.strip():
                problems.append('"title" is needed: a few words to find the reply by')
            elif len(title.strip()) > LONGEST_TITLE:
                problems.append(f'"title" is too long ({LONGEST_TITLE} characters at most)')
            else:
                fields["title"] = " ".join(title.split())
        if "body" in body or not partial:
            raw = body.get("body")
            if not isinstance(raw, str) or not raw.strip():
                problems.append('"body" is needed: the words of the reply')
            elif len(raw) > LONGEST_BODY_HTML:
                problems.append(f'"body" is too long ({LONGEST_BODY_HTML:,} characters at most)')
            else:
                clean = sanitise(raw)
                text = plain_text(clean)
                if not text.strip():
                    problems.append('"body" has no words left once the markup that is not allowed is removed')
                elif len(text) > self.longest_text:
                    problems.append(f"the reply is too long to send as one message ({self.longest_text:,} "
                                    f"characters at most, this is {len(text):,})")
                else:
                    fields["body"], fields["text"] = clean, text
        if problems:
            raise ServiceError("reply_invalid", "That reply can't be saved: " + "; ".join(problems)
                               + ". Nothing was saved.")
        return fields

    async def create(self, principal: Principal, body: Any) -> dict[str, Any]:
        team = await self.team_of(principal)
        if team is None:
            raise ServiceError("forbidden", "You're not in a team yet, so there are no team replies to add to.")
        fields = self._checked(body)
        now = self.clock.now()
        doc = {"_id": new_id("cr"), "team": team, **fields, "created_by": principal.user_id, "created_at": now,
               "updated_by": principal.user_id, "updated_at": now}
        await self.store.canned_replies.insert_one(doc)
        await audit.record(self.store, self.clock, **audit.by(principal), action="reply.created", reply=doc["_id"])
        return (await self._shown([doc], principal))[0]

    async def _own(self, principal: Principal, reply_id: Any) -> dict[str, Any]:
        """The reply if the caller may change it; the same refusal for one that does not exist or is another
        team's, and a plain "ask" for one of the team's that someone else wrote."""
        team = await self.team_of(principal)
        if team is None or not isinstance(reply_id, str) or len(reply_id) > 64:
            raise ServiceError("reply_not_found")
        doc = await self.store.canned_replies.find_one({"_id": reply_id, "team": team})
        if doc is None:
            raise ServiceError("reply_not_found")
        if principal.role != "manager" and doc["created_by"] != principal.user_id:
            raise ServiceError("forbidden", "Only whoever wrote this reply, or your manager, can change it. "
                                            "Nothing was changed.")
        return doc

    async def change(self, principal: Principal, reply_id: Any, body: Any) -> dict[str, Any]:
        doc = await self._own(principal, reply_id)
        fields = self._checked(body, partial=True)
        if not fields:
            raise ServiceError("reply_invalid", 'Send a new "title", "body" or both. Nothing was saved.')
        fields.update(updated_by=principal.user_id, updated_at=self.clock.now())
        await self.store.canned_replies.update_one({"_id": doc["_id"]}, {"$set": fields})
        await audit.record(self.store, self.clock, **audit.by(principal), action="reply.changed", reply=doc["_id"])
        return (await self._shown([{**doc, **fields}], principal))[0]

    async def remove(self, principal: Principal, reply_id: Any) -> None:
        doc = await self._own(principal, reply_id)
        await self.store.canned_replies.delete_one({"_id": doc["_id"]})
        await audit.record(self.store, self.clock, **audit.by(principal), action="reply.removed", reply=doc["_id"])
