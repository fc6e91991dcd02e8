"""The pairing flows on live data: entering care, opting out and back in, asking for someone else,
offers to children who opted out, an advocate leaving or changing capacity, and what children are told.

Every change of advocate goes through ``PairingChanges.pair`` (recorded, then
announced); ``PairingService.tell_people``, subscribed to that news, tells the
child in plain words and tells staff on their console.

Placing one child (entering care, opting back in, asking for someone else)
never re-solves the roster: the child is placed at the least cost the current
loads allow (``placement.place_one``). Candidates are fetched tier by tier:
the child's current, previous and named advocates by id, then advocates
working in the child's region (an index on ``regions``); advocates elsewhere
are fetched only if the best so far costs more than ``placement.lower_bound``
says any of them could, first those sharing a language (an index on
``languages``), then everyone. The result is the exact optimum for that child,
usually from a few hundred small documents. Placing several children at once
(an advocate leaving, a capacity cut, an import) solves a min-cost flow over
just those children with every advocate's spare room (``residual_instance``),
again exact for them with everyone else staying put.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from advocacy import audit, workdays
from advocacy.auth.accounts import AccessCode, create_child
from advocacy.chat.service import ChatService
from advocacy.clock import Clock
from advocacy.crypto import Keyring
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.notifications.service import Notifier
from advocacy.pairing import plans
from advocacy.pairing.authorities import open_codes
from advocacy.pairing.changes import PairingChange, PairingChanges, PairingRefused
from advocacy.pairing.instance import load_second_approval_above, load_weights
from advocacy.pairing.intake import check_child
from advocacy.pairing.placement import lower_bound, place_one, residual_instance, spare_room
from advocacy.pairing.policy import Policy, add_months, load_policy
from advocacy.pairing.roster import (
    ADVOCATE_FIELDS,
    advocate_record,
    advocate_records,
    child_record,
    children_records,
    regions_by_la,
)
from advocacy.pairing.solver import solve
from advocacy.people import case_ref_lookup, open_needs, record_left_care
from advocacy.settings import Settings
from advocacy.store import Store
from advocacy.words import N_, Words

log = logging.getLogger(__name__)

By = dict[str, str] | None

REASON_MAX = 1000
TIER_FIELDS = {key: 1 for key in ADVOCATE_FIELDS if key not in ("regions", "conflicts")}
RETRIES = 3

# Why a child's advocate changed: the code stored with the change, and the words staff and children read.
WHY = {
    "entered_care": "came into care",
    "opted_out": "chose not to have an advocate",
    "opted_in": "asked for an advocate again",
    "asked_for_someone_else": "asked for a different advocate",
    "advocate_leaving": "their advocate left",
    "capacity_change": "their advocate had too many young people",
    "plan": "a reviewed pairing plan",
    "waited": "waited until an advocate had room",
}
# How many waiting children a change that frees room tries at once, longest waiting first (the pairing
# job tries them all).
RETRY_ON_CHANGE = 20
WAITING_MIGRATION = "waiting_since"
FREES_A_PLACE = ("opted_out", "asked_for_someone_else")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def why_words(why: str) -> str:
    return WHY.get(why, why)


def first_name(name: str | None) -> str:
    return (name or "").split(" ")[0] or "your advocate"


def paired_text(why: str, name: str, before: str | None, earlier_chat: bool) -> Words:
    """What a child reads in their chat when they get a new advocate: plain words, no jargon, in their language."""
    you_can = N_("You can send {name} a message here any time.", name=name)
    if why in ("entered_care", "waited"):
        # The welcome bot follows with what an advocate does and what stays private.
        text = N_("Hi! {name} is your advocate.", name=name) + you_can
    elif why == "opted_in":
        text = N_("Welcome back! {name} is your advocate now.", name=name) + you_can
    elif why == "asked_for_someone_else":
        text = N_("You asked for a different advocate, so {name} is your advocate now.", name=name) + you_can
    else:
        if why == "advocate_leaving":
            reason = N_("{before} can't be your advocate any more, so {name} is your advocate now.",
                        before=before, name=name)
        elif why == "capacity_change":
            reason = N_("{before} has too many young people to help at the moment, so {name} is your advocate now.",
                        before=before, name=name)
        else:
            reason = N_("We have changed who helps you, so {name} is your advocate now.", name=name)
        text = reason + N_("{name} can see the worries you have told us about, so you don't have to explain them "
                           "again.", name=name) + you_can
    if earlier_chat:
        text += N_("{name} can't read your old messages with your last advocate unless you say yes. "
                   "You can choose on your advocate page, and change your mind any time.", name=name)
    return text


class PairingService:
    """The flows. Each opt-out, opt-in and offer is recorded in ``opt_events`` and published on
    ``opt_events`` (the figures' running totals count them)."""

    def __init__(
        self, store: Store, clock: Clock, settings: Settings, changes: PairingChanges, notifier: Notifier,
        keyring: Keyring, chat: ChatService, policy: Policy | None = None, weights: dict[str, int] | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.changes = changes
        self.notifier = notifier
        self.keyring = keyring
        self.chat = chat
        self.policy = policy or load_policy()
        self.weights = weights or load_weights()
        self.zone = ZoneInfo(settings.timezone)
        self.second_approval_above = load_second_approval_above()
        self.plan_lock = asyncio.Lock()  # one whole-roster plan at a time in this process
        self.retry_lock = asyncio.Lock()  # one pass over the waiting list at a time in this process
        self.opt_events: Topic[dict[str, Any]] = Topic("pairing.opt_events")

    # dates -------------------------------------------------------------------

    def today(self) -> date:
        return self.clock.now().astimezone(self.zone).date()

    # placing -----------------------------------------------------------------

    async def away_now(self) -> set[str]:
        """Advocates on leave right now: no new children for them."""
        now = self.clock.now()
        cursor = self.store.leaves.find({"starts_at": {"$lte": now}, "ends_at": {"$gt": now},
                                         "state": {"$ne": "cancelled"}},
                                        {"advocate": 1})
        return {d["advocate"] async for d in cursor}

    async def best_for(self, child: dict[str, Any]) -> tuple[str | None, int]:
        """The advocate this one child should have now, everyone else staying put (see the module docstring)."""
        w = self.weights
        seen: dict[str, dict[str, Any]] = {}
        specials = list({child["current"], child["prefers"]["advocate"], *child["previous"]} - {None})

        async def fetch(query: dict[str, Any], fields: dict[str, int] = ADVOCATE_FIELDS) -> list[dict[str, Any]]:
            # The role is checked here, not in the query: with it the database scans every staff record.
            return await self.store.staff.find(query, {**fields, "role": 1}).to_list(None)

        async def consider(*found: list[dict[str, Any]], known: dict[str, Any] | None = None) -> tuple[str | None, int]:
            for docs in found:
                for doc in docs:
                    if doc.get("role") == "advocate" and doc["_id"] not in away and doc["_id"] not in seen:
                        seen[doc["_id"]] = {**advocate_record(doc), **(known or {})}
            return place_one(child, seen.values(), w)

        # The first tier asks for the child's region and no conflict with their authority, so it need not
        # read either list back (less to read: this is most of the time a new child's pairing takes).
        away, special, in_region = await asyncio.gather(
            self.away_now(), fetch({"_id": {"$in": specials}}) if specials else _nothing(),
            fetch({"available": True, "regions": child["region"], "conflicts": {"$ne": child["la"]}}, TIER_FIELDS))
        await consider(special)
        best = await consider(in_region, known={"regions": [child["region"]], "conflicts": []})
        if best[1] <= lower_bound(child, w, in_region=False, shares_language=True):
            return best
        if child["languages"]:
            best = await consider(await fetch({"available": True, "languages": {"$in": child["languages"]}}))
            if best[1] <= lower_bound(child, w, in_region=False, shares_language=False):
                return best
        return await consider(await fetch({"available": True}))

    async def place(self, child_id: str, why: str, by: By, avoid: tuple[str, ...] = (),
                    record: dict[str, Any] | None = None) -> PairingChange | None:
        """Give this child the best advocate for them now (or none if no one may take them).
        ``record`` is the child's solver record when the caller has it already (a child just recorded)."""
        for _ in range(RETRIES):
            records = [record] if record else await children_records(self.store, [child_id])
            record = None  # a retry reads the child again
            if not records:
                raise ServiceError("not_found")
            child = records[0]
            child["avoid"] = sorted(set(child["avoid"]) | set(avoid))
            chosen, _ = await self.best_for(child)
            if chosen == child["current"]:
                return None
            try:
                return await self.changes.pair(child_id, chosen, why, by=by)
            except PairingRefused as refused:
                if refused.reason not in ("full", "changed"):
                    raise
        log.warning("placing a child gave up after %d tries (advocates filling up at the same moment)", RETRIES)
        return None

    async def solve_places(
        self, child_ids: list[str], *, unavailable: set[str] = frozenset(), extra_load: dict[str, int] | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
        """The best advocates for several children together (exact, for them), everyone else staying put.

        Their current advocates' places count as free; advocates in ``unavailable``
        (and those on leave now) take no one; ``extra_load`` adds to advocates'
        loads (cover they are already giving). Returns the children's records and
        child id -> advocate id or None. Changes nothing.
        """
        children = await children_records(self.store, child_ids)
        away = await self.away_now() | set(unavailable)
        advocates = await advocate_records(self.store)
        moving = {}
        for child in children:
            if child["current"]:
                moving[child["current"]] = moving.get(child["current"], 0) + 1
        for advocate in advocates:
            advocate["load"] = max(0, advocate["load"] - moving.get(advocate["id"], 0)
                                   + (extra_load or {}).get(advocate["id"], 0))
            if advocate["id"] in away:
                advocate["available"] = False
        known = {a["id"] for a in advocates}
        for child in children:
            _forget_unknown(child, known)
        result = await asyncio.to_thread(solve, residual_instance(children, advocates), self.weights)
        return children, result["assignments"]

    async def place_many(self, child_ids: list[str], why: str, by: By, *,
                         unavailable: set[str] = frozenset()) -> dict[str, str | None]:
        """Place several children together (see ``solve_places``) and make the changes."""
        children, assignments = await self.solve_places(child_ids, unavailable=unavailable)
        # Children leaving an advocate go first, so places are free before they are taken.
        for child in sorted(children, key=lambda c: assignments[c["id"]] is not None):
            target = assignments[child["id"]]
            if target == child["current"]:
                continue
            try:
                await self.changes.pair(child["id"], target, why, by=by)
            except PairingRefused as refused:
                log.warning("a planned placement was refused (%s); placing that child on their own", refused.reason)
                change = await self.place(child["id"], why, by)
                assignments[child["id"]] = change.advocate if change else child["current"]
        return assignments

    # entering care -------------------------------------------------------------

    async def known_las(self) -> set[str]:
        """The local authorities a new child can be placed in (not the retired ones)."""
        return await open_codes(self.store)

    async def enter_care(self, data: dict[str, Any], by: By) -> dict[str, Any]:
        """Record a child coming into care and pair them at once. Returns the child, their access code
        and setup word (shown once, for their advocate to hand over) and their advocate."""
        fields, problems = check_child(data, await self.known_las(), self.today())
        if not problems and fields.get("ref") and await self.store.children.find_one(
                {"ref_lookup": case_ref_lookup(await self.keyring.secrets(), fields["la"], fields["ref"])},
                {"_id": 1}):
            problems.append(f'"ref" {fields["ref"]!r} is already used for another child of {fields["la"]}')
        if problems:
            raise ServiceError("child_invalid", "Some of the child's details are missing or wrong: "
                               + "; ".join(problems) + ". Nothing was changed.")
        doc, code = await self.create(fields, by)
        change = await self.pair_new_child(doc, by)
        return {"child": doc["_id"], **code.public(), "advocate": await self.advocate_summary(
            change.advocate if change else None), "conversation": change.conversation if change else None}

    async def pair_new_child(self, doc: dict[str, Any], by: By) -> PairingChange | None:
        """Pair a child who has just come into care (``doc`` as ``create`` returned it)."""
        la = await self.store.local_authorities.find_one({"_id": doc["la"]}, {"region": 1})
        [opened] = await open_needs(self.store, [doc])
        return await self.place(doc["_id"], "entered_care", by,
                                record=child_record(opened, la.get("region") if la else None))

    async def create(self, fields: dict[str, Any], by: By, source: str = "staff") -> tuple[dict[str, Any], AccessCode]:
        """Record a child (``fields`` as ``intake.check_child`` gives them); a ``left_care`` day is recorded
        as said by ``source`` (``people.LEFT_CARE_SOURCES``)."""
        fields = dict(fields)
        name = fields.pop("name")
        left = fields.pop("left_care", None)
        if left:
            fields.update(left_care_at=datetime.combine(date.fromisoformat(left), datetime.min.time(),
                                                        tzinfo=timezone.utc), left_care_source=source)
        doc, code = await create_child(self.store, self.clock, name=name, avoid=[], **fields)
        await audit.record(self.store, self.clock, actor=by["id"] if by else "service",
                           role=by["role"] if by else "service", action="child.created", subject=doc["_id"])
        return doc, code

    async def advocate_summary(self, advocate_id: str | None) -> dict[str, Any] | None:
        if not advocate_id:
            return None
        doc = await self.store.staff.find_one({"_id": advocate_id}, {"name": 1, "username": 1})
        return {"id": advocate_id, "name": doc.get("name", "") if doc else "",
                "username": doc.get("username") if doc else None}

    # opting out and in ---------------------------------------------------------

    async def _reason(self, child_id: str, reason: Any, purpose: str) -> bytes | None:
        if reason is None or (isinstance(reason, str) and not reason.strip()):
            return None
        if not isinstance(reason, str):
            raise ServiceError("bad_request", "The reason should be text, or left out. Nothing was changed.")
        if len(reason) > REASON_MAX:
            raise ServiceError("reason_too_long", limit=REASON_MAX)
        return await self.keyring.seal(child_id, reason.strip(), purpose)

    async def _event(self, child: dict[str, Any], kind: str, by: By, **extra: Any) -> None:
        now = self.clock.now()
        regions = await regions_by_la(self.store)
        row = {
            "_id": new_id("oe"), "child": child["_id"], "la": child.get("la"), "region": regions.get(child.get("la")),
            "kind": kind, "at": now, "month": workdays.london_month(now),
            "by": (by or {}).get("role", "service"), **extra,
        }
        await self.store.opt_events.insert_one(row)
        await self.opt_events.publish(row)

    async def opt_out(self, child_id: str, reason: Any, by: By) -> dict[str, Any]:
        """The child chooses to have no advocate: nothing is deleted; their advocate and manager are told."""
        sealed = await self._reason(child_id, reason, "opt_out_reason")
        now = self.clock.now()
        child = await self.store.children.find_one_and_update(
            {"_id": child_id, "opted_out": {"$ne": True}},
            {"$set": {"opted_out": True, "opted_out_at": now, "offer": None,
                      "offer_due_at": add_months(now, self.policy.reoffer_every_months)},
             "$unset": {"waiting_since": ""}})
        if child is None:
            return {"changed": False}
        await self._event(child, "opted_out", by, reason=sealed)
        await self.changes.pair(child_id, None, "opted_out", by=by)
        return {"changed": True}

    async def opt_in(self, child_id: str, by: By) -> dict[str, Any]:
        """The child wants an advocate again: paired at once, preferring someone they know."""
        child = await self.store.children.find_one_and_update(
            {"_id": child_id, "opted_out": True},
            {"$set": {"opted_out": False, "opted_in_at": self.clock.now(), "offer": None,
                      "waiting_since": self.clock.now()},
             "$unset": {"offer_due_at": ""}})
        if child is None:
            current = await self.store.children.find_one({"_id": child_id}, {"advocate": 1})
            if current is not None and not current.get("advocate"):
                await self.place(child_id, "opted_in", by)  # waiting for an advocate: try again now
            return {"changed": False}
        await self._event(child, "opted_in", by)
        await self.place(child_id, "opted_in", by)
        return {"changed": True}

    async def someone_else(self, child_id: str, reason: Any, by: By) -> dict[str, Any]:
        """Re-pair the child with anyone but their current advocate; the change is recorded."""
        sealed = await self._reason(child_id, reason, "someone_else_reason")
        child = await self.store.children.find_one({"_id": child_id}, {"advocate": 1, "la": 1})
        current = child.get("advocate") if child else None
        if not current:
            raise ServiceError("no_advocate")
        records = await children_records(self.store, [child_id])
        record = records[0]
        record["avoid"] = sorted(set(record["avoid"]) | {current})
        chosen, _ = await self.best_for(record)
        if chosen is None:
            manager = await self._manager_of(current)
            await self.notifier.tell([manager], "child.asked_for_someone_else", child=child_id, outcome="none_free")
            raise ServiceError("no_other_advocate")
        await self.store.children.update_one(
            {"_id": child_id},
            {"$addToSet": {"avoid": current},
             "$push": {"someone_else": {"at": self.clock.now(), "from": current, "reason": sealed}}})
        change = await self.place(child_id, "asked_for_someone_else", by, avoid=(current,))
        return {"advocate": await self.advocate_summary(change.advocate if change else None)}

    # offers to children who opted out -------------------------------------------

    async def offer(self, child_id: str, why: str) -> bool:
        """Offer an advocate again to a child who opted out (shown on their page until they answer)."""
        now = self.clock.now()
        child = await self.store.children.find_one_and_update(
            {"_id": child_id, "opted_out": True},
            {"$set": {"offer": {"at": now, "why": why},
                      "offer_due_at": add_months(now, self.policy.reoffer_every_months)}})
        if child is None:
            return False
        await self._event(child, "offered", None, why=why)
        return True

    async def decline_offer(self, child_id: str, by: By) -> dict[str, Any]:
        child = await self.store.children.find_one_and_update(
            {"_id": child_id, "offer": {"$ne": None}, "opted_out": True}, {"$set": {"offer": None}})
        if child is None:
            return {"changed": False}
        await self._event(child, "offer_declined", by)
        return {"changed": True}

    async def placement_move(self, child_id: str, moved_on: Any, by: By) -> dict[str, Any]:
        """Record that the child moved placement; a child who opted out is offered an advocate again."""
        when = self.today().isoformat() if moved_on in (None, "") else moved_on
        try:
            moved = date.fromisoformat(when) if isinstance(when, str) else None
        except ValueError:
            moved = None
        if moved is None or moved > self.today():
            raise ServiceError("dates_invalid", "The move date should be a date written YYYY-MM-DD, today or "
                               "earlier. Nothing was changed.")
        child = await self.store.children.find_one({"_id": child_id}, {"la": 1, "opted_out": 1})
        await self.store.placement_moves.insert_one({
            "_id": new_id("pm"), "child": child_id, "la": child.get("la"), "moved_on": moved.isoformat(),
            "at": self.clock.now(), "by": by})
        offered = False
        if child.get("opted_out") and self.policy.reoffer_on_placement_move:
            offered = await self.offer(child_id, "placement_move")
        return {"offered": offered}

    async def left_care(self, child_id: str, data: dict[str, Any], by: By) -> dict[str, Any]:
        """Record the day the child left care, from the console (``{"on": "YYYY-MM-DD"}``, today if left
        out; ``{"on": null}`` forgets a date recorded by mistake, and the date of birth counts again).
        Their records are erased the retention period after it; audited with the child as subject."""
        on = data.get("on", self.today().isoformat()) if isinstance(data, dict) else None
        unknown = sorted(set(data) - {"on"}) if isinstance(data, dict) else []
        when = None
        if on is not None:
            try:
                when = date.fromisoformat(on) if isinstance(on, str) and len(on) == 10 else None
            except ValueError:
                when = None
            if when is None or when > self.today():
                raise ServiceError("dates_invalid", 'The day they left care should be a date written YYYY-MM-DD, '
                                   'today or earlier (or null to forget it). Nothing was changed.')
        if unknown or not isinstance(data, dict):
            raise ServiceError("bad_request", 'Send {"on": "YYYY-MM-DD"} (or null). Nothing was changed.')
        at = datetime.combine(when, datetime.min.time(), tzinfo=timezone.utc) if when else None
        if not await record_left_care(self.store, child_id, at, "staff"):
            raise ServiceError("not_found")  # erased
        await audit.record(self.store, self.clock, actor=(by or {}).get("id", "service"),
                           role=(by or {}).get("role", "service"), action="child.left_care", subject=child_id,
                           recorded=at is not None)
        return {"left_care": when.isoformat() if when else None, "source": "staff" if when else None}

    async def waiting(self, limit: int | None = None) -> list[str]:
        """The children on the waiting list (no advocate had room for them), longest waiting first."""
        query = self.store.children.find(
            {"waiting_since": {"$gte": EPOCH}, "advocate": None, "opted_out": {"$ne": True}, "erased_at": None},
            {"_id": 1}).sort([("waiting_since", 1), ("_id", 1)])
        if limit is not None:
            query = query.limit(limit)
        return [doc["_id"] for doc in await query.to_list(None)]

    async def mark_waiting_once(self) -> int:
        """Give ``waiting_since`` to the children an older version left waiting without one: the moment
        they last came into care, opted back in or lost an advocate. Once per database; returns how many."""
        if await self.store.migrations.find_one({"_id": WAITING_MIGRATION}, {"_id": 1}):
            return 0
        children = await self.store.children.find(
            {"advocate": None, "opted_out": {"$ne": True}, "erased_at": None, "waiting_since": {"$exists": False}},
            {"created_at": 1, "opted_in_at": 1}).to_list(None)
        ended: dict[str, datetime] = {}
        async for p in self.store.pairings.find({"child": {"$in": [c["_id"] for c in children]},
                                                 "ended_at": {"$ne": None}}, {"child": 1, "ended_at": 1}):
            ended[p["child"]] = max(p["ended_at"], ended.get(p["child"], p["ended_at"]))
        for child in children:
            since = max((m for m in (child.get("created_at"), child.get("opted_in_at"), ended.get(child["_id"]))
                         if m), default=self.clock.now())
            await self.store.children.update_one({"_id": child["_id"], "advocate": None},
                                                 {"$set": {"waiting_since": since}})
        await self.store.migrations.update_one({"_id": WAITING_MIGRATION}, {"$set": {"counts": len(children)}},
                                               upsert=True)
        return len(children)

    async def room(self) -> int:
        """How many more children advocates who take new children now could take (one with no capacity
        set counts as room for the whole waiting list)."""
        away = await self.away_now()
        room = 0
        async for doc in self.store.staff.find({"available": True}, {"role": 1, "active": 1, "capacity": 1,
                                                                     "load": 1}):
            if doc.get("role") != "advocate" or doc.get("active") is False or doc["_id"] in away:
                continue
            room += spare_room(doc.get("capacity"), doc.get("load", 0))
        return room

    async def retry_waiting(self, limit: int | None = None, places: int | None = None) -> int:
        """Try again to pair the children on the waiting list, longest waiting first; returns how many now
        have an advocate.

        Each child gets the best advocate for them among those with room (``place``), so one who can
        use no advocate with room (every one tied to their authority, say) is passed over and the next
        is tried. It stops when no room is left (or ``places`` children are paired: the places a change
        freed), having tried at most ``limit`` children. One run at a time in a process; in several
        processes the conditional writes of ``pair_child`` keep any advocate from going over capacity.
        """
        async with self.retry_lock:
            waiting = await self.waiting(limit)
            room = await self.room() if waiting else 0
            if room <= 0:
                return 0
            paired = 0
            for child_id in waiting:
                change = await self.place(child_id, "waited", None)
                if change and change.advocate:
                    paired += 1
                    room -= 1
                if room <= 0 or (places is not None and paired >= places):
                    break
            return paired

    async def room_made(self, places: int) -> None:
        """Room for ``places`` more children appeared (an advocate added or back, capacity raised, a child
        erased): the children who have waited longest are tried at once."""
        if places > 0:
            await self.retry_waiting(RETRY_ON_CHANGE, places)

    async def place_freed(self, change: PairingChange) -> None:
        """A child chose to have nobody, or someone else: the place they left may suit the child who has
        waited longest. (Moves of a leaving or over-full advocate's children, and reviewed plans, free
        no place to give: the children being moved need it. The pairing job catches what is left.)"""
        if change.previous and change.why in FREES_A_PLACE:
            await self.room_made(1)

    async def offers_due(self) -> int:
        """Offer again to every child who opted out and was last offered (or opted out) long enough ago."""
        due = self.store.children.find(
            {"opted_out": True, "offer_due_at": {"$lte": self.clock.now()}}, {"_id": 1}).limit(1000)
        count = 0
        for doc in await due.to_list(None):
            count += await self.offer(doc["_id"], "every_months")
        return count

    # earlier chat ----------------------------------------------------------------

    async def set_earlier_chat(self, child_id: str, share: Any, by: By) -> dict[str, Any]:
        """The child says whether their advocate may read their chat with earlier advocates."""
        if not isinstance(share, bool):
            raise ServiceError("bad_request", 'Say "share": true or false. Nothing was changed.')
        child = await self.store.children.find_one({"_id": child_id}, {"advocate": 1})
        advocate = child.get("advocate") if child else None
        if not advocate:
            raise ServiceError("no_advocate")
        now = self.clock.now()
        await self.store.earlier_chat.update_one(
            {"_id": f"{child_id}:{advocate}"},
            {"$set": {"share": share, "answered_at": now},
             "$setOnInsert": {"child": child_id, "advocate": advocate, "asked_at": now}}, upsert=True)
        await audit.record(self.store, self.clock, actor=(by or {}).get("id", "service"),
                           role=(by or {}).get("role", "service"), action="pairing.earlier_chat",
                           subject=child_id, advocate=advocate, share=share)
        return {"share": share}

    # advocates leaving or changing capacity ----------------------------------------

    async def leaving(self, advocate_id: str, by: By) -> dict[str, Any]:
        """The advocate is leaving: they take no more children and theirs are re-paired, preferring
        advocates each child already knows."""
        await self.store.staff.update_one({"_id": advocate_id},
                                          {"$set": {"available": False, "left_at": self.clock.now()}})
        children = [d["_id"] async for d in self.store.children.find({"advocate": advocate_id}, {"_id": 1})]
        assignments = await self.place_many(children, "advocate_leaving", by, unavailable={advocate_id})
        return {"children": assignments}

    async def set_capacity(self, advocate_id: str, data: dict[str, Any], by: By) -> dict[str, Any]:
        """Change how many children the advocate takes; if they now have too many, some are re-paired."""
        changes: dict[str, Any] = {}
        for field in ("capacity", "comfortable"):
            if field in data:
                value = data[field]
                if field == "comfortable" and value is None:
                    changes[field] = None
                elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 500:
                    raise ServiceError("bad_request",
                                       f'"{field}" must be a whole number from 0 to 500. Nothing was changed.')
                else:
                    changes[field] = value
        if "available" in data:
            if not isinstance(data["available"], bool):
                raise ServiceError("bad_request", '"available" must be true or false. Nothing was changed.')
            changes["available"] = data["available"]
        if not changes:
            raise ServiceError("bad_request", 'Give "capacity", "comfortable" or "available". Nothing was changed.')
        doc = await self.store.staff.find_one({"_id": advocate_id}, {"capacity": 1, "comfortable": 1})
        capacity = changes.get("capacity", doc.get("capacity"))
        comfortable = changes.get("comfortable", doc.get("comfortable"))
        if isinstance(capacity, int) and isinstance(comfortable, int) and comfortable > capacity:
            raise ServiceError("bad_request", '"comfortable" cannot be more than "capacity". Nothing was changed.')
        await self.store.staff.update_one({"_id": advocate_id}, {"$set": changes})
        load = await self.store.children.count_documents({"advocate": advocate_id})
        moved: dict[str, str | None] = {}
        if changes.get("available") is False or (isinstance(capacity, int) and load > capacity):
            children = [d["_id"] async for d in self.store.children.find({"advocate": advocate_id}, {"_id": 1})]
            result = await self.place_many(children, "capacity_change", by)
            moved = {child: advocate for child, advocate in result.items() if advocate != advocate_id}
        elif "capacity" in changes or changes.get("available"):
            await self.room_made(spare_room(capacity, load))
        return {"capacity": capacity, "comfortable": comfortable, "moved": moved}

    async def plan_after_staff_change(self, change: Any) -> None:
        """An advocate's ties or capacity changed (``advocacy.team.staff.TiesChanged``) and some of their
        children may not stay: propose a plan to move them (nobody moves until a person applies it)."""
        async with self.plan_lock:
            plan = await plans.make_plan(self.store, self.clock, self.weights, by=change.by)
        await self.store.pairing_plans.update_one({"_id": plan["_id"]}, {"$set": {
            "after_change": change.change, "advocate_changed": change.advocate}})

    # what the child and staff see ----------------------------------------------------

    async def status(self, child_id: str) -> dict[str, Any]:
        """What the child's advocate page shows: who their advocate is, cover, an offer, the earlier-chat question."""
        child = await self.store.children.find_one(
            {"_id": child_id}, {"advocate": 1, "opted_out": 1, "offer": 1, "la": 1})
        advocate = await self.advocate_summary(child.get("advocate"))
        if advocate:
            advocate.pop("username", None)
        cover = None
        earlier = None
        if advocate:
            now = self.clock.now()
            doc = await self.store.covers.find_one(
                {"child": child_id, "advocate": advocate["id"], "starts_at": {"$lte": now}, "ends_at": {"$gt": now},
                 "cover": {"$ne": None}})
            if doc:
                covering = await self.advocate_summary(doc["cover"])
                covering.pop("username", None)
                cover = {"advocate": covering, "until": doc["last_day"]}
            others = await self.store.conversations.count_documents({"child": child_id,
                                                                     "advocate": {"$ne": advocate["id"]}})
            if others:
                answer = await self.store.earlier_chat.find_one({"_id": f"{child_id}:{advocate['id']}"})
                earlier = {"share": answer.get("share") if answer else None}
        offer = child.get("offer")
        return {
            "opted_out": bool(child.get("opted_out")),
            "advocate": advocate,
            "waiting": not child.get("opted_out") and advocate is None,
            "cover": cover,
            "offer": {"at": offer["at"].isoformat(timespec="seconds"), "why": offer["why"]} if offer else None,
            "earlier_chat": earlier,
        }

    async def history(self, child_id: str, for_child: bool, reader: By = None) -> dict[str, Any]:
        """Every change of the child's advocate (who, when, why) and their opt-out/opt-in record.

        A member of staff reading it (``reader``) is audited, with the child as the subject.
        """
        if reader and reader.get("role") != "child":
            await audit.record(self.store, self.clock, actor=reader["id"], role=reader["role"],
                               action="pairing.history", subject=child_id)
        pairings = await self.store.pairings.find({"child": child_id}).sort("started_at", 1).to_list(None)
        names = {d["_id"]: d.get("name", "") async for d in
                 self.store.staff.find({"_id": {"$in": list({p["advocate"] for p in pairings})}}, {"name": 1})}

        def who(by: Any) -> Any:
            if not by:
                return {"role": "service"}
            return {"role": by.get("role")} if for_child else {"id": by.get("id"), "role": by.get("role")}

        def at(value: datetime | None) -> str | None:
            return value.isoformat(timespec="seconds") if value else None

        changes = [{
            "advocate": {"id": p["advocate"], "name": names.get(p["advocate"], "")},
            "started_at": at(p["started_at"]), "why": p.get("why"), "why_words": why_words(p.get("why", "")),
            "by": who(p.get("by")), "ended_at": at(p.get("ended_at")),
            "end_why": p.get("end_why"), "end_why_words": why_words(p["end_why"]) if p.get("end_why") else None,
            "end_by": who(p.get("end_by")) if p.get("ended_at") else None,
        } for p in pairings]
        events = [{"kind": e["kind"], "at": at(e["at"]), "why": e.get("why")} async for e in
                  self.store.opt_events.find({"child": child_id}).sort("at", 1)]
        return {"changes": changes, "events": events}

    # telling people ----------------------------------------------------------------

    async def _manager_of(self, advocate_id: str | None) -> str | None:
        if not advocate_id:
            return None
        doc = await self.store.staff.find_one({"_id": advocate_id}, {"manager": 1})
        return doc.get("manager") if doc else None

    async def tell_people(self, change: PairingChange) -> None:
        """A change of advocate: tell the child in plain words and their old and new advocates (and managers)."""
        if change.advocate:
            staff, others = await asyncio.gather(
                self.store.staff.find({"_id": {"$in": [change.advocate, change.previous]}}, {"name": 1, "manager": 1})
                .to_list(None),
                self.store.conversations.count_documents({"child": change.child, "advocate": {"$ne": change.advocate}}))
            names = {d["_id"]: d.get("name") for d in staff}
            managers = {d["_id"]: d.get("manager") for d in staff}
            earlier = others > 0
            if earlier:
                await self.store.earlier_chat.update_one(
                    {"_id": f"{change.child}:{change.advocate}"},
                    {"$setOnInsert": {"child": change.child, "advocate": change.advocate, "share": None,
                                      "asked_at": self.clock.now(), "answered_at": None}}, upsert=True)
            text = paired_text(change.why, first_name(names.get(change.advocate)),
                               first_name(names.get(change.previous)) if change.previous else None, earlier)
            await asyncio.gather(
                self.chat.tell_child(change.child, text, f"paired:{change.pairing}"),
                self.notifier.tell([change.advocate, managers.get(change.advocate)], "child.paired",
                                   child=change.child, why=change.why))
        if change.previous:
            kind = "child.opted_out" if change.why == "opted_out" else "child.moved_away"
            await self.notifier.tell([change.previous, await self._manager_of(change.previous)], kind,
                                     child=change.child, why=change.why)


async def _nothing() -> list[Any]:
    return []


def _forget_unknown(child: dict[str, Any], known: set[str]) -> None:
    """Drop references to advocates no longer on the staff list (they cannot be chosen anyway)."""
    if child["current"] not in known:
        child["current"] = None
    child["previous"] = [a for a in child["previous"] if a in known]
    child["avoid"] = [a for a in child["avoid"] if a in known]
    if child["prefers"]["advocate"] not in known:
        child["prefers"] = {**child["prefers"], "advocate": None}

