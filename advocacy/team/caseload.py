"""An advocate's list of children in the console, filtered: unread, waiting longest, a concern due.

One answer for the whole list, so the console asks once whichever filter is
chosen: for each conversation the caller may read (their own children, and
those they cover now), the messages they have not read (a person's, not the
service's or a bot's), how long the child has waited for a reply, and the
soonest deadline of the child's unresolved concerns when it falls within
``team.service.NEAR_HOURS`` or has passed (the one wording of each deadline,
``concerns.sla.next_deadline``). Ids and counts only: the console has the
names already.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from advocacy.auth.access import Access
from advocacy.auth.principal import Principal
from advocacy.chat.service import AUTOMATIC_SENDERS
from advocacy.clock import Clock
from advocacy.concerns.sla import next_deadline
from advocacy.concerns.states import UNRESOLVED
from advocacy.errors import ServiceError
from advocacy.store import Store
from advocacy.team.service import NEAR_HOURS

FILTERS = ("all", "unread", "waiting", "concern_due")


class Caseload:
    def __init__(self, store: Store, clock: Clock, access: Access) -> None:
        self.store = store
        self.clock = clock
        self.access = access

    async def children(self, principal: Principal, wanted: Any) -> list[dict[str, Any]]:
        """The caller's conversations that pass the filter ``wanted`` (one of ``FILTERS``), in its order:
        waiting longest first for "waiting", soonest deadline first for "concern_due", else most unread."""
        if wanted is None:
            wanted = "all"
        if wanted not in FILTERS:
            raise ServiceError("bad_request", f"filter must be one of {', '.join(FILTERS)}. Nothing was read.")
        now = self.clock.now()
        convs = await self.store.conversations.find(
            await self.access.conversation_filter(principal, "console.children"),
            {"child": 1, "waiting_since": 1, f"read.{principal.user_id}": 1}).to_list(None)
        due: dict[str, Any] = {}
        near = now + timedelta(hours=NEAR_HOURS)
        async for concern in self.store.concerns.find(
                {"child": {"$in": [c["child"] for c in convs]},
                 "status": {"$in": [*sorted(s.value for s in UNRESOLVED), "draft"]}},
                {"child": 1, "status": 1, "deadlines": 1, "ladder": 1, "responded_at": 1}):
            deadline = next_deadline(concern, now)
            if deadline is None or deadline.at > near:
                continue
            if concern["child"] not in due or deadline.at < due[concern["child"]][0].at:
                due[concern["child"]] = (deadline, concern["_id"])
        rows = []
        for conv in convs:
            unread_query: dict[str, Any] = {"conversation": conv["_id"], "sender.id": {"$ne": principal.user_id},
                                            "sender.role": {"$nin": list(AUTOMATIC_SENDERS)}}
            last_read = conv.get("read", {}).get(principal.user_id)
            if last_read is not None:
                unread_query["_id"] = {"$gt": last_read}
            waiting = conv.get("waiting_since")
            deadline, concern = due.get(conv["child"], (None, None))
            rows.append({
                "conversation": conv["_id"], "child": conv["child"],
                "unread": await self.store.messages.count_documents(unread_query),
                "waiting_since": waiting.isoformat(timespec="seconds") if waiting else None,
                "concern_due": None if deadline is None else {
                    "concern": concern, "due_at": deadline.at.isoformat(timespec="seconds"),
                    "words": deadline.words, "late": deadline.late},
                "_waiting": waiting, "_due": deadline.at if deadline else None,
            })
        if wanted == "unread":
            rows = [r for r in rows if r["unread"]]
        elif wanted == "waiting":
            rows = sorted((r for r in rows if r["_waiting"]), key=lambda r: r["_waiting"])
        elif wanted == "concern_due":
            rows = sorted((r for r in rows if r["_due"]), key=lambda r: r["_due"])
        if wanted in ("all", "unread"):
            rows.sort(key=lambda r: -r["unread"])
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
