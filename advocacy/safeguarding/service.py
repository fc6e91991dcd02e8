"""Safeguarding in a running service: triage of children's messages, drafts, alerts, disclosures.

Every message a child sends reaches here (``child_wrote``, subscribed to the
chat's ``message_added``) and is checked in a task of its own, so checking never
delays delivery. If triage matches:

- the message is flagged (``flags``, by message id: the rules that fired, never words);
- a draft urgent concern is opened with the message as the child's words (or
  the message is added to the child's undecided draft); a person must confirm
  it (it becomes an open concern) or dismiss it with a reason;
- the advocate and the duty manager (``Ladder.duty_managers``) are alerted on
  the console at once (``safeguarding.flagged``, urgent);
- if the advocate is not online, the child gets at once an automatic reply
  with help that works now (999; Childline 0800 1111), once per draft.

Nobody outside the service is contacted automatically. When an advocate
decides to share information outside the service, they record a disclosure:
with whom, what, why, and whether the child was told beforehand (and if not,
why not). Disclosures are append-only (there is no way to change or remove
one) and each is written to the audit trail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from functools import cache
from typing import Any

from advocacy import audit
from advocacy.auth.access import Access
from advocacy.auth.principal import Principal
from advocacy.chat.presence import Presence, available
from advocacy.chat.service import ChatService, MessageAdded
from advocacy.concerns.checks import check_severity, check_words, only_fields, payload, refused
from advocacy.concerns.ladder import Ladder
from advocacy.concerns.records import Built, ConcernRecords
from advocacy.concerns.states import CONCERN, TransitionRefused
from advocacy.concerns.words import SAFEGUARDING_HELP
from advocacy.date_words import iso
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.notifications.service import Notifier
from advocacy.safeguarding.triage import MODEL_RULE_ID, Match, Rules, load_rules, triage
from advocacy.store import DESCENDING, DuplicateKeyError, Store

log = logging.getLogger(__name__)

# The concern category a draft starts in, by the triage category that fired; the advocate can change it on confirming.
DRAFT_CATEGORY = {"self_harm": "health"}
DRAFT_FALLBACK_CATEGORY = "feeling_safe"
DISCLOSED_TO = ("la_front_door", "police", "other")



@cache
def default_rules() -> Rules:
    return load_rules()


# What each sealed field of a disclosure is sealed as (its purpose, bound into the sealing): one table for
# sealing and opening, so staff read what was written (the child's export reads "disclosure.with" too).
DISCLOSURE_PURPOSES = {"with_detail": "disclosure.with", "what": "disclosure.what", "why": "disclosure.why",
                       "why_not_told": "disclosure.why_not_told"}

class Safeguarding:
    def __init__(self, store: Store, records: ConcernRecords, access: Access, ladder: Ladder, notifier: Notifier,
                 chat: ChatService, presence: Presence, rules: Rules | None = None) -> None:
        self.store = store
        self.records = records
        self.access = access
        self.ladder = ladder
        self.notifier = notifier
        self.chat = chat
        self.presence = presence
        self.rules = rules or default_rules()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._drafting: dict[str, asyncio.Lock] = {}

    # what children write ---------------------------------------------------------

    async def child_wrote(self, added: MessageAdded) -> None:
        """A message was stored: if a child wrote it, check it in the background."""
        if added.message["sender"]["role"] != "child":
            return
        task = asyncio.create_task(self.check_message(added.message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the checks in flight (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def check_message(self, message: Mapping[str, Any]) -> list[Match]:
        try:
            matches = triage(message["text"], self.rules)
            if matches:
                await self._flag(message, matches)
            return matches
        except Exception:
            log.exception("safeguarding check failed for message %s", message.get("id"))
            return []

    async def _flag(self, message: Mapping[str, Any], matches: list[Match]) -> None:
        conv = await self.store.conversations.find_one({"_id": message["conversation"]}, {"child": 1})
        child = await self.store.children.find_one({"_id": conv["child"]}) if conv else None
        if child is None:
            return
        found = [{"category": m.category, "severity": m.severity, "rule": m.rule_id} for m in matches]
        try:
            await self.store.flags.insert_one({
                "_id": message["id"], "child": child["_id"], "conversation": message["conversation"],
                "matches": found, "flagged_at": self.records.now(), "advocate": child.get("advocate"),
            })
        except DuplicateKeyError:
            return  # already flagged (a retried check)
        lock = self._drafting.setdefault(child["_id"], asyncio.Lock())
        async with lock:
            concern, new = await self._draft(child, message, found)
        await self.store.flags.update_one({"_id": message["id"]}, {"$set": {"concern": concern["_id"]}})
        await self._alert(child, concern, message["id"], found[0]["severity"],
                          help_key=f"safeguarding-help:{concern['_id']}" if new else None)

    async def _draft(self, child: Mapping[str, Any], message: Mapping[str, Any],
                     found: list[dict[str, str]]) -> tuple[dict[str, Any], bool]:
        """The child's undecided draft with this message added, or a new draft; (concern, is new)."""
        existing = await self.store.concerns.find_one({"child": child["_id"], "status": "draft"})
        if existing is not None:
            def build(doc: dict[str, Any]) -> Built | None:
                if doc["status"] != "draft":
                    return None
                return Built(also={"$push": {"safeguarding.messages": message["id"], "messages": message["id"],
                                             "safeguarding.matches": {"$each": found}}})

            stored = await self.records.change(existing["_id"], build)
            if stored is not None:
                return stored, False
        category = DRAFT_CATEGORY.get(found[0]["category"], DRAFT_FALLBACK_CATEGORY)
        concern = await self.records.insert(
            child, category=category, severity="urgent", child_words=message["text"], child_wants="",
            source="safeguarding", by=None, linked=[message["id"]], status="draft",
            raised_at=None, extra={
                "safeguarding": {"messages": [message["id"]], "matches": found, "decision": None},
                # The duty manager is alerted at once (below): that is the urgent manager step.
                "ladder": {"manager": {"at": self.records.now(), "by": {"id": "safeguarding", "role": "service"},
                                       "hand": False, "quiet": True}},
            },
        )
        return concern, True

    async def _alert(self, child: Mapping[str, Any], concern: Mapping[str, Any], message_id: str | None,
                     severity: str, help_key: str | None) -> None:
        """Alert the advocates and duty managers, as loud as the strongest rule that matched: only an
        ``urgent`` rule makes the alert urgent; ``severity`` goes with it so the console says which."""
        advocate = child.get("advocate")
        advocates = await self.records.advocates_of(concern)  # and whoever covers their leave
        duty = await self.ladder.duty_managers(advocate)
        ids = {"concern": concern["_id"], "severity": severity, **({"message": message_id} if message_id else {})}
        await self.notifier.tell([*advocates, *duty], "safeguarding.flagged", child=child["_id"],
                                 urgent=severity == "urgent", **ids)
        if help_key and not await available(self.store, self.presence, advocates):
            await self.chat.tell_child(child["_id"], SAFEGUARDING_HELP, help_key)

    # a worry a child raised themselves ---------------------------------------------

    async def worry_raised(self, concern: dict[str, Any], principal: Principal, text: str) -> dict[str, Any] | None:
        """Triage a child's own worry: on a rule's match it becomes urgent and people are alerted at once.

        Only the rules count here, not the second reader: a worry is already in front of the
        advocate, and worry words alone ("nobody asked me") must not make it urgent.
        """
        matches = [m for m in triage(text, self.rules) if m.rule_id != MODEL_RULE_ID]
        if not matches:
            return None
        found = [{"category": m.category, "severity": m.severity, "rule": m.rule_id} for m in matches]

        def build(doc: dict[str, Any]) -> Built:
            built = Built(set={"safeguarding": {"messages": [], "matches": found, "decision": "raised_by_child"}})
            if doc["severity"] != "urgent":
                built.set["severity"] = "urgent"
                built.set["deadlines"] = self.records.deadlines_for(doc["raised_at"], "urgent")
            return built

        stored = await self.records.change(concern["_id"], build)
        child = await self.store.children.find_one({"_id": concern["child"]})
        advocate_online = (bool(child.get("advocate"))
                           and child["advocate"] in await available(self.store, self.presence, [child["advocate"]]))
        await self._alert(child, stored, None, found[0]["severity"], help_key=f"safeguarding-help:{stored['_id']}")
        await self.ladder.after_change(stored)
        if advocate_online:
            return {"flagged": True, "help": None}
        return {"flagged": True, "help": self.chat.languages.write(SAFEGUARDING_HELP, child.get("language"))}

    # a person decides ------------------------------------------------------------

    async def confirm(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        """A draft becomes an open concern (optionally with its category, severity and what the child wants)."""
        doc = await self.access.concern(principal, "safeguarding.decide", concern_id)
        data = payload(data if data is not None else {})
        only_fields(data, {"category", "severity", "child_wants", "note"})
        category = data.get("category", doc["category"])
        if not isinstance(category, str) or category not in self.records.categories:
            raise ServiceError("category_unknown")
        severity = check_severity(data.get("severity", doc["severity"]))
        wants = check_words(data.get("child_wants"), "what the child wants to happen", self.records.limit,
                            required=False)
        note = check_words(data.get("note"), "the note", self.records.limit, required=False)
        sealed_wants = await self.records.seal(doc, wants, "concern.child_wants") if wants else None
        sealed_note = await self.records.seal(doc, note, "concern.note") if note else None

        def build(current: dict[str, Any]) -> Built:
            _draft_move(current, "open")
            now = self.records.now()
            built = Built(
                set={"status": "open", "category": category, "severity": severity,
                     "safeguarding.decision": "confirmed", "safeguarding.decided_at": now,
                     "safeguarding.decided_by": {"id": principal.user_id, "role": principal.role}},
                timeline=[self.records.entry(principal, "confirmed", **({"note": sealed_note} if sealed_note else {}))],
                events=[("confirmed", {})],
            )
            if severity != current["severity"]:
                built.set["deadlines"] = self.records.deadlines_for(current["raised_at"], severity)
            if sealed_wants:
                built.set["child_wants"] = sealed_wants
            return self.records.responded(current, built, principal)

        stored = await self.records.change(doc["_id"], build)
        await audit.record(self.store, self.records.clock, actor=principal.user_id, role=principal.role,
                           action="safeguarding.confirmed", subject=stored["child"], concern=stored["_id"])
        return stored

    async def dismiss(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        """A draft was a false alarm: dismissed, with the reason kept."""
        doc = await self.access.concern(principal, "safeguarding.decide", concern_id)
        data = payload(data)
        only_fields(data, {"reason"})
        reason = data.get("reason")
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            raise ServiceError("reason_required", "Please say why this is not a worry. Nothing was changed.")
        sealed = await self.records.seal(doc, check_words(reason, "the reason", self.records.limit), "concern.reason")

        def build(current: dict[str, Any]) -> Built:
            _draft_move(current, "dismissed")
            now = self.records.now()
            return self.records.responded(current, Built(
                set={"status": "dismissed", "safeguarding.decision": "dismissed", "safeguarding.decided_at": now,
                     "safeguarding.decided_by": {"id": principal.user_id, "role": principal.role}, "closed_at": now},
                timeline=[self.records.entry(principal, "dismissed", reason=sealed)],
                events=[("dismissed", {})],
            ), principal)

        stored = await self.records.change(doc["_id"], build)
        await audit.record(self.store, self.records.clock, actor=principal.user_id, role=principal.role,
                           action="safeguarding.dismissed", subject=stored["child"], concern=stored["_id"])
        return stored

    # disclosures -----------------------------------------------------------------

    async def disclose(self, principal: Principal, child_id: Any, data: Any) -> dict[str, Any]:
        """Record that information about a child was shared outside the service. Append-only."""
        data = payload(data)
        only_fields(data, {"concern", "with", "with_detail", "what", "why", "child_told", "why_not_told"})
        child = await self.access.child(principal, "safeguarding.disclose", child_id, missing="child_not_found")
        concern_id = data.get("concern")
        if concern_id is not None:
            concern = await self.access.concern(principal, "safeguarding.disclose", concern_id)
            if concern["child"] != child["_id"]:
                raise ServiceError("concern_not_found")
        shared_with = data.get("with")
        if shared_with not in DISCLOSED_TO:
            raise ServiceError("bad_request", f"with must be one of {', '.join(DISCLOSED_TO)}. Nothing was saved.")
        limit = self.records.limit
        detail = check_words(data.get("with_detail"), "who it was shared with", limit, required=shared_with == "other")
        what = check_words(data.get("what"), "what was shared", limit)
        why = check_words(data.get("why"), "why it was shared", limit)
        told = data.get("child_told")
        if not isinstance(told, bool):
            raise ServiceError("bad_request",
                               "child_told must be true or false: was the child told beforehand? Nothing was saved.")
        why_not = check_words(data.get("why_not_told"), "why the child was not told beforehand", limit,
                              required=not told)
        if told and why_not:
            raise ServiceError("bad_request",
                               "why_not_told is only for when the child was not told. Nothing was saved.")
        keyring = self.records.keyring

        async def seal(text: str, purpose: str) -> bytes | None:
            return await keyring.seal(child["_id"], text, purpose) if text else None

        doc = {
            "_id": new_id("di"),
            "child": child["_id"],
            "concern": concern_id,
            "by": {"id": principal.user_id, "role": principal.role},
            "at": self.records.now(),
            "with": shared_with,
            "with_detail": await seal(detail, DISCLOSURE_PURPOSES["with_detail"]),
            "what": await seal(what, DISCLOSURE_PURPOSES["what"]),
            "why": await seal(why, DISCLOSURE_PURPOSES["why"]),
            "child_told": told,
            "why_not_told": await seal(why_not, DISCLOSURE_PURPOSES["why_not_told"]),
        }
        await self.store.disclosures.insert_one(doc)
        await audit.record(self.store, self.records.clock, actor=principal.user_id, role=principal.role,
                           action="safeguarding.disclosed", subject=child["_id"], disclosure=doc["_id"],
                           shared_with=shared_with, child_told=told, **({"concern": concern_id} if concern_id else {}))
        if concern_id is not None:
            await self.records.change(concern_id, lambda current: Built(
                timeline=[self.records.entry(principal, "disclosure", disclosure=doc["_id"], to=shared_with)]))
        return await self._disclosure_view(doc)

    async def disclosures(self, principal: Principal, child_id: Any) -> list[dict[str, Any]]:
        child = await self.access.child(principal, "safeguarding.disclosures", child_id, missing="child_not_found")
        docs = await self.store.disclosures.find({"child": child["_id"]}).sort("at", DESCENDING).to_list(None)
        await audit.record(self.store, self.records.clock, **audit.by(principal), action="safeguarding.disclosures",
                           subject=child["_id"], records=len(docs))
        return [await self._disclosure_view(d) for d in docs]

    async def _disclosure_view(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        keyring = self.records.keyring

        async def opened(field: str) -> str | None:
            value = doc.get(field)
            return await keyring.unseal_or_erased(doc["child"], value, DISCLOSURE_PURPOSES[field]) if value else None

        return {
            "id": doc["_id"], "child": doc["child"], "concern": doc.get("concern"),
            "by": doc["by"], "at": iso(doc["at"]),
            "with": doc["with"], "with_detail": await opened("with_detail"), "what": await opened("what"),
            "why": await opened("why"), "child_told": doc["child_told"], "why_not_told": await opened("why_not_told"),
        }

    async def flags(self, principal: Principal, child_id: Any) -> list[dict[str, Any]]:
        child = await self.access.child(principal, "safeguarding.decide", child_id, missing="child_not_found")
        docs = await (self.store.flags.find({"child": child["_id"]}).sort("flagged_at", DESCENDING)
                      .limit(200).to_list(None))
        await audit.record(self.store, self.records.clock, **audit.by(principal), action="safeguarding.flags",
                           subject=child["_id"], records=len(docs))
        return [{"message": d["_id"], "conversation": d["conversation"], "matches": d["matches"],
                 "flagged_at": iso(d["flagged_at"]), "concern": d.get("concern")} for d in docs]


def _draft_move(doc: Mapping[str, Any], target: str) -> None:
    if doc["status"] != "draft":
        raise ServiceError("move_not_allowed",
                           "Only a draft from safeguarding triage can be confirmed or dismissed. Nothing was changed.")
    try:
        CONCERN.transition(doc["status"], target)
    except TransitionRefused as exc:
        raise refused(exc) from None

