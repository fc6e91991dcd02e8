"""What each reader sees of a concern: a line in a staff list, the whole concern for staff, and
the child's own view in their words (``advocacy.concerns.words``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advocacy.auth.principal import Principal
from advocacy.concerns import sla
from advocacy.concerns.records import ConcernRecords
from advocacy.concerns.rights import default_rights
from advocacy.concerns.states import CONCERN
from advocacy.concerns.words import child_view, written
from advocacy.date_words import iso
from advocacy.languages import Languages
from advocacy.people import child_names


class ConcernViews:
    def __init__(self, records: ConcernRecords) -> None:
        self.store = records.store
        self.clock = records.clock
        self.keyring = records.keyring
        self.categories = records.categories
        self.languages = Languages.shared()
        self.rights = default_rights()

    def category_list(self) -> list[dict[str, str]]:
        return [{"key": c.key, "child_label": c.child_label, "staff_label": c.staff_label}
                for c in self.categories.values()]

    def summary(self, doc: Mapping[str, Any], child_name: str = "") -> dict[str, Any]:
        """A concern in a staff list: no words, no timeline."""
        now = self.clock.now()
        category = self.categories.get(doc["category"])
        ladder = doc.get("ladder", {})
        deadline = sla.next_deadline(doc, now)
        return {
            "id": doc["_id"],
            "child": doc["child"],
            "child_name": child_name,
            "la": doc.get("la"),
            "category": doc["category"],
            "category_label": category.staff_label if category else doc["category"],
            "severity": doc["severity"],
            "status": doc["status"],
            "source": doc["source"],
            "raised_at": iso(doc["raised_at"]),
            "deadlines": {k: iso(doc["deadlines"][k]) for k in ("respond_by", "manager_by", "oversight_by")},
            "next_due": iso(doc.get("next_due")),
            # The same words as the manager's team page (one function): the next deadline, never the reminder.
            "due_words": deadline.words if deadline else None,
            "due_late": deadline.late if deadline else False,
            "escalated_to": "oversight" if "oversight" in ladder else "manager" if "manager" in ladder else None,
        }

    async def for_staff(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        child = doc["child"]
        names = await child_names(self.store, [child])

        async def opened(value: Any, purpose: str) -> str | None:
            return await self.keyring.unseal_or_erased(child, value, purpose) if value is not None else None

        timeline = []
        for entry in doc.get("timeline", []):
            shown = {k: v for k, v in entry.items() if k not in {"note", "reason"}}
            shown["at"] = iso(entry["at"])
            if entry.get("answer_by"):
                shown["answer_by"] = iso(entry["answer_by"])
            if "note" in entry:
                shown["note"] = await opened(entry["note"],
                                             "concern.note" if entry["kind"] != "resolved" else "concern.outcome")
            if "reason" in entry:
                shown["reason"] = await opened(entry["reason"], "concern.reason")
            timeline.append(shown)
        outcome = doc.get("outcome")
        ladder = {
            step: {"at": iso(value["at"]), "by": value.get("by"),
                   **({"item": value["item"]} if value.get("item") else {})}
            for step, value in doc.get("ladder", {}).items()
        }
        safeguarding = doc.get("safeguarding")
        return {
            **self.summary(doc, names.get(child, "")),
            "deadlines": {k: iso(v) for k, v in doc["deadlines"].items()},
            "raised_by": doc["raised_by"],
            "responded_at": iso(doc.get("responded_at")),
            "resolved_at": iso(doc.get("resolved_at")),
            "closed_at": iso(doc.get("closed_at")),
            "ladder": ladder,
            "child_words": await opened(doc["child_words"], "concern.child_words"),
            "child_wants": await opened(doc["child_wants"], "concern.child_wants"),
            # Raised by staff from what they observed of a non-instructed child, not on the child's instruction.
            "from_observation": doc["source"] == "observation",
            "observed": await opened(doc.get("observed"), "concern.observed"),
            "rights": [{"key": k, "label": self.rights[k].label if k in self.rights else k}
                       for k in doc.get("rights", [])],
            "messages": doc.get("messages", []),
            "timeline": timeline,
            "outcome": None if outcome is None else {
                "summary": await opened(outcome["summary"], "concern.outcome"),
                "child_happy": outcome.get("child_happy"), "at": iso(outcome["at"]),
            },
            "oversight": None if not doc.get("oversight") else {
                "item": doc["oversight"]["item"], "open": doc["oversight"]["open"],
                "decision": doc["oversight"].get("decision"), "level": doc["oversight"].get("level"),
                "at": iso(doc["oversight"].get("at")),
            },
            "safeguarding": None if safeguarding is None else {
                "matches": safeguarding.get("matches", []),
                "messages": safeguarding.get("messages", []),
                "decision": safeguarding.get("decision"),
                "decided_at": iso(safeguarding.get("decided_at")),
                "decided_by": safeguarding.get("decided_by"),
            },
            "allowed_moves": sorted(s.value for s in CONCERN.allowed_from(doc["status"])),
        }

    async def language_of(self, child_id: str) -> str:
        """The language of the child's pages (their record), or the default."""
        doc = await self.store.children.find_one({"_id": child_id}, {"language": 1})
        return self.languages.pick(doc.get("language") if doc else None)

    async def for_child(self, doc: Mapping[str, Any], language: str | None = None) -> dict[str, Any]:
        """The concern as its child reads it, in ``language`` (read from their record when not given)."""
        child = doc["child"]
        language = language or await self.language_of(child)
        words = await self.keyring.unseal_or_erased(child, doc["child_words"], "concern.child_words")
        wants = await self.keyring.unseal_or_erased(child, doc["child_wants"], "concern.child_wants")
        shown = {**doc, "oversight_closed": bool(doc.get("oversight")) and not doc["oversight"].get("open")}
        return {
            **written(child_view(shown, self.categories.get(doc["category"]), words, wants, self.clock.now()),
                      lambda sentence: self.languages.write(sentence, language)),
            "raised_at": iso(doc["raised_at"]),
            "deadlines": {k: iso(doc["deadlines"][k]) for k in ("respond_by", "manager_by", "oversight_by")},
        }

    async def view(self, principal: Principal, doc: Mapping[str, Any]) -> dict[str, Any]:
        return await (self.for_child(doc) if principal.role == "child" else self.for_staff(doc))
