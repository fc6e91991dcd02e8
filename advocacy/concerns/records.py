"""Concerns as stored: raising one, changing one safely, its timeline and its events.

``ConcernRecords`` is the interface everything that writes a concern goes
through: the concern service (people's actions), the escalation ladder,
safeguarding and the oversight queue.

Every write to a concern goes through ``change``: it reads the concern, lets
the caller work out the change from what it read, recomputes when the next
ladder step falls due (``next_due``, which the escalation sweeper is indexed
on), and writes only if nobody else changed the concern in between (a
``version`` number); otherwise it reads again and retries. So a person moving a
concern and the sweeper escalating it at the same moment can never undo each
other's work.

What a child wrote and what staff wrote about them are sealed with the
child's key (advocacy.crypto) before they are stored; identifiers, dates,
statuses and categories are kept in the clear so they can be queried.

Every event (raised, responded, escalated, resolved ...) is also appended to
``concern_events`` with the child's local authority and the London month, for
the figures per local authority (see docs/concerns.md), and published on
``events``; a concern raised or moved to another status is published on
``changed`` (the ladder takes at once any step already due).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from advocacy import workdays
from advocacy.auth.principal import Principal
from advocacy.clock import Clock
from advocacy.concerns.categories import Category, load_categories
from advocacy.concerns.checks import utc_ms
from advocacy.concerns.ladder_rules import ladder_state, next_due
from advocacy.concerns.sla import Policy, deadlines, load_policy
from advocacy.crypto import Keyring
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.settings import Settings
from advocacy.store import Store

if TYPE_CHECKING:  # a type only: pairing announces changes, concerns follow them
    from advocacy.pairing.changes import PairingChange


@cache
def default_policy() -> Policy:
    return load_policy()


@cache
def default_categories() -> Mapping[str, Category]:
    return load_categories()


@dataclass
class Built:
    """What one change does to a concern: fields to set, timeline entries, other update operators, events."""

    set: dict[str, Any] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    also: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Publish on ``changed`` if the status moves (the ladder's own steps do not).
    announce: bool = True


class ConcernRecords:
    def __init__(
        self, store: Store, clock: Clock, keyring: Keyring, settings: Settings, policy: Policy | None = None,
        categories: Mapping[str, Category] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.settings = settings
        self.policy = policy or default_policy()
        self.categories = categories or default_categories()
        # The stored concern, once raised or moved to another status.
        self.changed: Topic[dict[str, Any]] = Topic("concerns.changed")
        # Each concern_events row once it is stored (the figures' running totals).
        self.events: Topic[dict[str, Any]] = Topic("concerns.events")

    @property
    def limit(self) -> int:
        """The most characters a concern's words, notes and reasons may have."""
        return self.settings.max_concern_chars

    def now(self) -> datetime:
        return utc_ms(self.clock.now())

    def deadlines_for(self, raised_at: datetime, severity: str) -> dict[str, datetime]:
        due = deadlines(raised_at, severity, self.policy)
        return {name: utc_ms(getattr(due, name))
                for name in ("respond_by", "reminder_at", "manager_by", "oversight_by")}

    # raising ---------------------------------------------------------------

    async def insert(
        self, child: Mapping[str, Any], *, category: str, severity: str, child_words: str, child_wants: str,
        source: str, by: Principal | None, linked: list[str] = (), status: str = "open",
        raised_at: datetime | None = None, extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a new concern for ``child`` (already checked) and tell whoever listens."""
        la = await self.store.local_authorities.find_one({"_id": child.get("la")}, {"region": 1}) or {}
        doc = await self.new_doc(child, category=category, severity=severity, child_words=child_words,
                                 child_wants=child_wants, source=source, by=by, linked=linked, status=status,
                                 raised_at=raised_at, region=la.get("region"), extra=extra)
        await self.store.concerns.insert_one(doc)
        await self.record_event(doc, "raised", doc["raised_at"], source=source)
        if doc["responded_at"] is not None:
            await self.record_event(doc, "responded", doc["raised_at"])
        await self.changed.publish(doc)
        return doc

    async def new_doc(
        self, child: Mapping[str, Any], *, category: str, severity: str, child_words: str, child_wants: str,
        source: str, by: Principal | None, linked: list[str] = (), status: str = "open",
        raised_at: datetime | None = None, region: str | None = None, extra: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A concern as it is stored, words sealed and next_due worked out (not stored yet)."""
        raised_at = utc_ms(raised_at or self.clock.now())
        by_staff = by is not None and by.role != "child"
        doc: dict[str, Any] = {
            "_id": new_id("co"),
            "child": child["_id"],
            "advocate": child.get("advocate"),
            "la": child.get("la"),
            "region": region,
            "category": category,
            "severity": severity,
            "status": status,
            "source": source,
            "raised_by": {"id": by.user_id, "role": by.role} if by else {"id": "service", "role": "service"},
            "raised_at": raised_at,
            "deadlines": self.deadlines_for(raised_at, severity),
            # An advocate who writes a worry down has heard the child: that is the response.
            "responded_at": raised_at if by_staff else None,
            "ladder": {},
            "child_words": await self.keyring.seal(child["_id"], child_words, "concern.child_words"),
            "child_wants": await self.keyring.seal(child["_id"], child_wants, "concern.child_wants"),
            "messages": list(linked),
            "timeline": [],
            "outcome": None,
            "resolved_at": None,
            "closed_at": None,
            "version": 0,
            **(extra or {}),
        }
        due = next_due(ladder_state(doc), self.policy)
        if due is not None:  # left out when nothing is due: the sweeper's index holds only what is
            doc["next_due"] = due
        return doc

    # changing --------------------------------------------------------------

    async def change(
        self, concern_id: str, build: Callable[[dict[str, Any]], Built | None], *, attempts: int = 8,
    ) -> dict[str, Any] | None:
        """Apply ``build(concern)`` if nobody changed the concern meanwhile; re-read and retry otherwise.

        ``build`` raises ServiceError to refuse, or returns None for "nothing to do".
        Returns the concern as stored after the change, or None if there was nothing to do.
        """
        for _ in range(attempts):
            doc = await self.store.concerns.find_one({"_id": concern_id})
            if doc is None:
                raise ServiceError("concern_not_found")
            built = build(doc)
            if built is None:
                return None
            after = {**doc, **{k: v for k, v in built.set.items() if "." not in k}}
            ladder = dict(doc.get("ladder", {}))
            for key, value in built.set.items():
                if key.startswith("ladder."):
                    ladder[key.split(".", 1)[1]] = value
            after["ladder"] = ladder
            due = next_due(ladder_state(after), self.policy)
            update: dict[str, Any] = {"$set": {**built.set, **({"next_due": due} if due else {})},
                                      "$inc": {"version": 1}}
            if due is None:  # nothing left to fall due: out of the sweeper's (sparse) index
                update["$unset"] = {"next_due": ""}
            for operator, fields in built.also.items():
                update.setdefault(operator, {}).update(fields)
            if built.timeline:
                update.setdefault("$push", {})["timeline"] = {"$each": built.timeline}
            # update_one then find_one rather than find_one_and_update: the embedded database
            # answers findAndModify by scanning the collection (bench/escalation.py showed it).
            written = await self.store.concerns.update_one({"_id": concern_id, "version": doc.get("version", 0)},
                                                           update)
            if written.matched_count != 1:
                continue  # someone else changed it a moment ago: look again
            stored = await self.store.concerns.find_one({"_id": concern_id})
            for kind, data in built.events:
                await self.record_event(stored, kind, data.pop("at", None) or self.now(), **data)
            if built.announce and built.set.get("status", doc["status"]) != doc["status"]:
                await self.changed.publish(stored)
            return stored
        raise ServiceError("unavailable",
                           "That worry is changing a lot right now; please try again. Nothing was changed.")

    def entry(self, principal: Principal | None, kind: str, **fields: Any) -> dict[str, Any]:
        by = {"id": principal.user_id, "role": principal.role} if principal else {"id": "service", "role": "service"}
        return {"id": new_id("tl"), "at": self.now(), "by": by, "kind": kind, **fields}

    def responded(self, doc: Mapping[str, Any], built: Built, principal: Principal) -> Built:
        """The first thing staff do about a concern is its response to the child."""
        if doc.get("responded_at") is None and principal.role != "child":
            now = self.now()
            built.set["responded_at"] = now
            built.events.append(("responded", {"at": now}))
        return built

    async def seal(self, doc: Mapping[str, Any], text: str, purpose: str) -> bytes:
        return await self.keyring.seal(doc["child"], text, purpose)

    # events and who answers --------------------------------------------------

    async def record_event(self, doc: Mapping[str, Any], kind: str, at: datetime, **data: Any) -> None:
        """One row per event, with the child's local authority and the London month and day."""
        row = {
            "_id": new_id("ce"),
            "concern": doc["_id"],
            "child": doc["child"],
            "la": doc.get("la"),
            "region": doc.get("region"),
            "category": doc["category"],
            "severity": doc["severity"],
            "kind": kind,
            "at": at,
            "month": workdays.london_month(at),
            "day": f"{workdays.local_date(at):%Y-%m-%d}",
            **data,
        }
        await self.store.concern_events.insert_one(row)
        await self.events.publish(row)

    async def advocates_of(self, doc: Mapping[str, Any]) -> list[str]:
        """Who answers for a concern's child now: their advocate and whoever covers their leave."""
        advocate = doc.get("advocate")
        if not advocate:
            return []
        now = self.clock.now()
        covers = self.store.covers.find({"child": doc["child"], "advocate": advocate, "starts_at": {"$lte": now},
                                         "ends_at": {"$gt": now}}, {"cover": 1})
        return [advocate, *[c["cover"] async for c in covers]]

    async def advocate_changed(self, change: PairingChange) -> None:
        """A child's advocate changed: their concerns follow them to the new advocate (reminders and
        escalations then go to the new advocate and their manager)."""
        await self.store.concerns.update_many({"child": change.child}, {"$set": {"advocate": change.advocate}})
