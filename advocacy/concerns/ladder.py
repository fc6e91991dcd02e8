"""The escalation ladder: taking each step of a concern once, by the sweeper or by hand.

A step is taken in two parts:

1. **claimed**: one conditional write to the concern (``ConcernService.change``)
   records the step in ``ladder``, adds it to the timeline, moves the status to
   ``escalated`` (for the manager and oversight steps), and lists the step in
   ``pending``. Two processes trying the same step at once cannot both win
   that write, so a step is never taken twice.
2. **carried out**: staff are told (``Notifier.tell``), the child is told in
   plain words (``ChatService.tell_child``, stored once per concern and step), an
   oversight item is put in the queue (``OversightInbox.open_item``; its id was
   chosen in part 1, so inserting it twice is harmless), and the step is removed
   from ``pending``.

If a process dies between the two parts, the sweeper finds the step still in
``pending`` a couple of minutes later and carries it out again: the child's
notice and the oversight item are still made once; staff may be told twice.

Who is told:

- reminder: the advocate;
- manager: the advocate's manager (if the advocate has none, or the child has
  no advocate, the duty manager; see ``duty_managers``) and the advocate;
- oversight: the advocate and the manager; the item goes to the reviewers.

A draft (an unconfirmed safeguarding flag) is never told to the child and
never goes to oversight (see ``sla``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

from advocacy import audit
from advocacy.auth.access import Access
from advocacy.auth.principal import Principal
from advocacy.chat.service import ChatService
from advocacy.concerns.checks import check_choice, check_words, only_fields, payload
from advocacy.concerns.ladder_rules import Step, ladder_state, next_step
from advocacy.concerns.records import Built, ConcernRecords
from advocacy.concerns.sla import LEVELS, higher_level
from advocacy.concerns.states import UNRESOLVED
from advocacy.concerns.words import escalation_notice
from advocacy.errors import ServiceError
from advocacy.ids import new_id
from advocacy.notifications.service import Notifier
from advocacy.settings import Settings
from advocacy.store import Store

log = logging.getLogger(__name__)

# Statuses that become "escalated" when the manager or oversight step is taken.
_ESCALATES = {"open", "raised", "awaiting_response"}
# How long a claimed step may wait for its effects before the sweeper carries them out again.
PENDING_GRACE = timedelta(minutes=2)

class OversightInbox(Protocol):
    """Where the oversight step puts a concern: the reviewers' queue (advocacy.oversight.service)."""

    async def open_item(self, concern: Mapping[str, Any], item_id: str, *, source: str, level: str,
                        by: Mapping[str, str] | None, reason: bytes | None) -> bool:
        ...


class Ladder:
    def __init__(self, store: Store, records: ConcernRecords, access: Access, notifier: Notifier,
                 oversight: OversightInbox, chat: ChatService, settings: Settings) -> None:
        self.store = store
        self.records = records
        self.access = access
        self.notifier = notifier
        self.oversight = oversight
        self.chat = chat
        self.settings = settings

    # who is told ---------------------------------------------------------------

    async def duty_managers(self, advocate_id: str | None) -> list[str]:
        """Who is alerted at once with the advocate (safeguarding), in this order of choice:

        the manager named by the ``duty_manager`` setting; else the advocate's own
        manager; else every active manager, so an alert always reaches someone.
        """
        if self.settings.duty_manager:
            duty = await self.store.staff.find_one(
                {"username": self.settings.duty_manager, "role": "manager", "active": {"$ne": False}}, {"_id": 1})
            if duty is not None:
                return [duty["_id"]]
            log.warning("the duty_manager setting names no active manager; telling the advocate's manager instead")
        own = await self._own_manager(advocate_id)
        if own:
            return [own]
        return [m["_id"]
                async for m in self.store.staff.find({"role": "manager", "active": {"$ne": False}}, {"_id": 1})]

    async def managers_for(self, advocate_id: str | None) -> list[str]:
        """The manager a concern climbs to: the advocate's own, else the duty manager(s)."""
        own = await self._own_manager(advocate_id)
        return [own] if own else await self.duty_managers(advocate_id)

    async def _own_manager(self, advocate_id: str | None) -> str | None:
        if not advocate_id:
            return None
        advocate = await self.store.staff.find_one({"_id": advocate_id}, {"manager": 1})
        return (advocate or {}).get("manager")

    # the sweeper's part ------------------------------------------------------------

    async def climb(self, concern_id: str) -> list[Step]:
        """Take every ladder step of one concern that is due now, one at a time, in order."""
        taken: list[Step] = []
        for _ in range(len(Step)):
            chosen: list[Step] = []

            def build(doc: dict[str, Any], chosen: list[Step] = chosen) -> Built | None:
                step = next_step(ladder_state(doc), self.records.clock.now(), self.records.policy)
                if step is Step.NONE:
                    return None
                chosen[:] = [step]
                return self._claim(doc, [step], by=None, level=doc["severity"])

            stored = await self.records.change(concern_id, build)
            if stored is None:
                break
            await self.carry_out(stored, chosen[0])
            taken.append(chosen[0])
        return taken

    def _claim(self, doc: Mapping[str, Any], steps: list[Step], *, by: Principal | None, level: str,
               reason: bytes | None = None) -> Built:
        now = self.records.now()
        who = {"id": by.user_id, "role": by.role} if by else {"id": "sweeper", "role": "service"}
        built = Built(also={"$push": {"pending": {"$each": [s.value for s in steps]}}}, announce=False)
        built.set["pending_at"] = now
        for step in steps:
            mark: dict[str, Any] = {"at": now, "by": who, "hand": by is not None}
            if step is Step.OVERSIGHT:
                # The item in the queue now; ladder.oversight keeps the first time the concern got there.
                mark.update(item=new_id("ov"), level=level)
                built.set["oversight"] = {**mark, "open": True, "decision": None}
            # Sent to oversight by hand, the manager hears of it, but the child is told once, of the higher step.
            if step is Step.MANAGER and Step.OVERSIGHT in steps:
                mark["quiet"] = True
            if step.value not in doc.get("ladder", {}):
                built.set[f"ladder.{step.value}"] = mark
            if step is Step.REMINDER:
                built.timeline.append(self.records.entry(by, "reminder"))
                continue
            fields: dict[str, Any] = {"level": step.value}
            if step is Step.OVERSIGHT:
                fields["item"] = mark["item"]
            if reason is not None:
                fields["reason"] = reason
            built.timeline.append(self.records.entry(by, "escalated", **fields))
            built.events.append((f"escalated_{step.value}", {"by_hand": by is not None}))
        if any(s is not Step.REMINDER for s in steps) and doc["status"] in _ESCALATES:
            built.set["status"] = "escalated"
        return built

    async def carry_out(self, doc: Mapping[str, Any], step: Step | str, reason: bytes | None = None) -> None:
        """Tell people about a claimed step and queue its oversight item; then it is no longer pending."""
        step = Step(step)
        mark = doc["oversight"] if step is Step.OVERSIGHT else doc["ladder"][step.value]
        urgent = doc["severity"] == "urgent"
        advocate = doc.get("advocate")
        advocates = await self.records.advocates_of(doc)  # and whoever covers their leave
        ids = {"concern": doc["_id"]}
        if step is Step.REMINDER:
            await self.notifier.tell(advocates, "concern.due_soon", child=doc["child"], urgent=urgent, **ids)
        elif step is Step.MANAGER:
            managers = await self.managers_for(advocate)
            await self.notifier.tell([*managers, *advocates], "concern.escalated", child=doc["child"], urgent=urgent,
                                     level="manager", **ids)
        else:
            by = mark["by"] if mark.get("hand") else None
            await self.oversight.open_item(doc, mark["item"], source="hand" if by else "sweeper",
                                           level=mark.get("level", doc["severity"]), by=by, reason=reason)
            managers = await self.managers_for(advocate)
            await self.notifier.tell([*advocates, *managers], "concern.escalated", child=doc["child"], urgent=urgent,
                                     level="oversight", item=mark["item"], **ids)
        if step is not Step.REMINDER and doc["status"] != "draft" and not mark.get("quiet"):
            category = self.records.categories.get(doc["category"])
            topic = category.child_label if category else ""
            key = f"concern:{doc['_id']}:{step.value}" + (f":{mark['item']}" if step is Step.OVERSIGHT else "")
            at_once = step is Step.MANAGER and doc["deadlines"]["manager_by"] <= doc["raised_at"]
            notice = escalation_notice(step.value, topic, bool(mark.get("hand")),
                                       at_once=at_once and not mark.get("hand"))
            await self.chat.tell_child(doc["child"], notice, key)
        await self.store.concerns.update_one({"_id": doc["_id"]}, {"$pull": {"pending": step.value}})

    async def finish_pending(self, doc: Mapping[str, Any]) -> int:
        """Carry out the steps a process claimed but did not finish (it stopped or failed)."""
        count = 0
        for step in list(doc.get("pending", [])):
            reason = self._hand_reason(doc) if step == Step.OVERSIGHT else None
            await self.carry_out(doc, step, reason)
            count += 1
        return count

    @staticmethod
    def _hand_reason(doc: Mapping[str, Any]) -> bytes | None:
        item = (doc.get("oversight") or {}).get("item")
        for entry in doc.get("timeline", []):
            if entry.get("kind") == "escalated" and entry.get("item") == item:
                return entry.get("reason")
        return None

    # by hand --------------------------------------------------------------------

    async def escalate_by_hand(self, principal: Principal, concern_id: Any, data: Any) -> dict[str, Any]:
        """An advocate or manager sends a concern up the ladder now, with a reason."""
        doc = await self.access.concern(principal, "concern.escalate", concern_id)
        data = payload(data)
        only_fields(data, {"level", "reason", "priority"})
        level = check_choice(data.get("level"), "level", ("manager", "oversight"))
        reason_text = data.get("reason")
        if reason_text is None or (isinstance(reason_text, str) and not reason_text.strip()):
            raise ServiceError("reason_required", "Please say why you are escalating it. Nothing was changed.")
        reason_text = check_words(reason_text, "the reason", self.records.limit)
        priority = data.get("priority")
        if priority is not None:
            priority = check_choice(priority, "priority", LEVELS)
        reason = await self.records.seal(doc, reason_text, "concern.reason")
        chosen: list[Step] = []

        def build(current: dict[str, Any]) -> Built:
            status = current["status"]
            if status == "draft":
                raise ServiceError("move_not_allowed", "Confirm this draft before escalating it. Nothing was changed.")
            if status not in {s.value for s in UNRESOLVED}:
                raise ServiceError("move_not_allowed",
                                   f"This worry is {status}; reopen it before escalating it. Nothing was changed.")
            ladder = current.get("ladder", {})
            if level == "manager":
                if "manager" in ladder:
                    raise ServiceError("already_escalated", "The manager already has this worry. Nothing was changed.")
                steps = [Step.MANAGER]
            else:
                if (current.get("oversight") or {}).get("open"):
                    raise ServiceError("already_escalated",
                                       "This worry is already in the oversight queue. Nothing was changed.")
                steps = ([Step.MANAGER] if "manager" not in ladder else []) + [Step.OVERSIGHT]
            chosen[:] = steps
            item_level = higher_level(priority, current["severity"]) if priority else current["severity"]
            built = self._claim(current, steps, by=principal, level=item_level, reason=reason)
            return self.records.responded(current, built, principal)

        stored = await self.records.change(doc["_id"], build)
        for step in chosen:
            await self.carry_out(stored, step, reason if step is Step.OVERSIGHT else None)
        await audit.record(self.store, self.records.clock, actor=principal.user_id, role=principal.role,
                           action="concern.escalated", subject=stored["child"], concern=stored["_id"], level=level)
        return await self.store.concerns.find_one({"_id": stored["_id"]})

    async def after_change(self, doc: dict[str, Any]) -> None:
        """A concern was raised or moved (``ConcernRecords.changed``): take at once any step already due
        (an urgent one's manager)."""
        if doc.get("next_due") is not None and doc["next_due"] <= self.records.clock.now():
            await self.climb(doc["_id"])
