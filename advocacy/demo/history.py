"""Demo history: the service's first year, replayed through the real services on a moving clock (idempotent).

A second set of services is built on the same database with a clock that starts a year ago and moves
forward event by event. Forty more children (eight in each demo local authority, each with their own
name and a sealed date of birth) join over the year and are paired with the demo advocate who may work
there; they write to their advocates and are answered; about sixty concerns are raised, most resolved,
some sent to a manager by hand, and those left open past their deadlines climb the ladder to the
oversight queue as the escalation sweeper (run every few days of the year) finds them; a few children
opt out, one of them later opting back in. At the end of each month the figures count what stood then,
as the figures job does, so every month of the charts has its figures. Back on the real clock, five
children are left waiting for a reply and the figures job runs once.

Only the demo's first eight children (``people``) were there from the start: they count in every month.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

from advocacy import workdays
from advocacy.auth.accounts import create_child
from advocacy.auth.principal import Principal
from advocacy.bootstrap import Services, build
from advocacy.clock import ManualClock
from advocacy.errors import ServiceError
from advocacy.figures import rules

# local authority -> the demo advocate who may work there (none has worked for it)
ADVOCATE_FOR = {"E08000035": "sam.advocate", "E08000003": "jo.advocate", "E08000025": "jo.advocate",
                "E10000016": "ana.advocate", "E09000007": "dev.advocate"}
# One name each (none of them one of the first demo children's), so a list of children never reads
# "Alfie, Alfie, Alfie".
FIRST_NAMES = (
    "Alfie", "Bea", "Callum", "Daisy", "Ellis", "Freya", "Gus", "Hana",
    "Imran", "Jess", "Kai", "Lily", "Mason", "Nia", "Oscar", "Priya",
    "Quinn", "Rosie", "Sami", "Tia", "Umar", "Violet", "Will", "Yasmin",
    "Zoe", "Amara", "Brandon", "Carys", "Dylan", "Esme", "Finn", "Grace",
    "Harvey", "Isla", "Jamal", "Keira", "Luca", "Mia", "Noah", "Olivia",
)
WORDS = {
    "contact": ("I want to see my dad more.", "To see him every weekend."),
    "placement": ("The new house is too far from my school.", "To move somewhere nearer."),
    "education": ("Nobody has sorted my school place.", "To start school this term."),
    "health": ("I'm still waiting for my dentist appointment.", "To see a dentist soon."),
    "money": ("My pocket money stopped.", "To get it again."),
    "care_plan": ("I wasn't asked before my review.", "To be asked first."),
}
PER_LA = 8
YEAR = timedelta(days=364)
SWEEP_EVERY = timedelta(days=7)
OPT_OUTS = 7  # children who choose to have no advocate during the year; the first of them comes back


def _history_id(la: str, i: int) -> str:
    return f"ch_demo_h_{la.lower()}_{i}"


def _next_month_start(at: datetime) -> datetime:
    """The first moment of the London month after the one ``at`` is in."""
    year, month = rules.parse_month(rules.add_months(workdays.london_month(at), 1))
    return datetime(year, month, 1, tzinfo=workdays.LONDON).astimezone(at.tzinfo)


class _Year:
    """Events of the replayed year in time order, with the sweeper and the month-end counts in between."""

    def __init__(self, past: Services, clock: ManualClock, end: datetime) -> None:
        self.past, self.clock, self.end = past, clock, end
        self._events: list[tuple[datetime, int, Callable[[], Awaitable[None]]]] = []
        self._order = 0
        self._last_sweep = clock.now()

    def at(self, when: datetime, action: Callable[[], Awaitable[None]]) -> None:
        if when < self.end:
            heapq.heappush(self._events, (when, self._order, action))
            self._order += 1

    async def _move_to(self, when: datetime) -> None:
        while True:
            month_end = _next_month_start(self.clock.now()) - timedelta(seconds=1)
            next_sweep = self._last_sweep + SWEEP_EVERY
            step = min(month_end, next_sweep)
            if step >= when:
                break
            self.clock.set(step)
            if step == next_sweep:
                await self.past.sweeper_job.job()
                self._last_sweep = step
            if step == month_end:
                await self.past.figures.snapshot()  # what stood at the end of the month
                self.clock.set(step + timedelta(seconds=1))
        self.clock.set(max(when, self.clock.now()))

    async def play(self) -> None:
        while self._events:
            when, _, action = heapq.heappop(self._events)
            await self._move_to(when)
            await action()
        await self._move_to(self.end)
        await self.past.sweeper_job.job()


def _as(person: dict[str, Any], role: str, name: str, clock: ManualClock) -> Principal:
    return Principal("demo", person["_id"], role, name, clock.now() + YEAR)


async def seed_history(services: Services) -> int:
    """Add the demo history once; returns how many concerns it raised (0 when it was there already)."""
    store = services.store
    if await store.children.find_one({"_id": _history_id("E08000035", 0)}, {"_id": 1}):
        return 0
    advocates = {d["username"]: d
                 async for d in store.staff.find({"username": {"$in": list(set(ADVOCATE_FOR.values()))}})}
    if len(advocates) < len(set(ADVOCATE_FOR.values())):
        return 0  # the demo people are not there
    now = services.clock.now()
    clock = ManualClock(now - YEAR)
    # The real services on the same database, on a clock of their own; nothing of theirs runs in the background.
    past = build(services.settings.replace(redis_url=""), store, clock, services.keyring)
    year = _Year(past, clock, now - timedelta(hours=2))
    las = {d["_id"]: d.get("region") async for d in store.local_authorities.find({}, {"region": 1})}
    rng = random.Random(5)
    raised = 0
    children: list[tuple[str, datetime]] = []
    last: dict[str, datetime] = {}  # each child's last planned event

    for n, (la, username) in enumerate(ADVOCATE_FOR.items()):
        advocate = advocates[username]
        for i in range(PER_LA):
            number = n * PER_LA + i
            name, child_id = FIRST_NAMES[number], _history_id(la, i)
            born = date(2008 + i, rng.randint(1, 12), rng.randint(1, 28))
            joins = clock.now() + timedelta(days=rng.uniform(0, 330), hours=rng.uniform(9, 17) - 12)
            children.append((child_id, joins))

            async def join(child_id=child_id, name=name, la=la, born=born, advocate=advocate) -> None:
                await create_child(store, clock, name=name, la=la, child_id=child_id, region=las.get(la),
                                   born=born.year, birth_date=born.isoformat(), languages=["en"],
                                   prefers={"advocate": None, "gender": None}, avoid=[])
                await past.pairing_changes.pair(child_id, advocate["_id"], "demo")

            year.at(joins, join)

            hello = joins + timedelta(days=rng.uniform(0.5, 4))
            year.at(hello, lambda child_id=child_id, name=name: _say(
                past, clock, child_id, {"_id": child_id, "name": name}, "child", "Hi, are you my advocate?"))
            year.at(hello + timedelta(hours=rng.uniform(0.2, 30)), lambda child_id=child_id, advocate=advocate: _say(
                past, clock, child_id, advocate, "advocate", "Yes, I'm here for you. What's on your mind?"))
            last[child_id] = joins + timedelta(days=6)

            for k in range(1 + (i % 3 == 0)):
                category = rng.choice(list(WORDS))
                severity = rng.choice(("standard",) * 4 + ("high",))
                when = joins + timedelta(days=rng.uniform(3, 60) + 90 * k)
                resolve_after = timedelta(days=rng.uniform(4, 50)) if rng.random() < 0.8 else None
                to_manager = rng.random() < 0.3
                raised += when < year.end
                last[child_id] = max(last[child_id], when + max(resolve_after or timedelta(0), timedelta(days=12)))

                async def raise_concern(child_id=child_id, advocate=advocate, category=category, severity=severity,
                                        resolve_after=resolve_after, to_manager=to_manager, k=k) -> None:
                    child = await store.children.find_one({"_id": child_id})
                    by = _as(advocate, "advocate", advocate["name"], clock)
                    words, wants = WORDS[category]
                    doc = await past.concern_records.insert(child, category=category, severity=severity,
                                                            child_words=words, child_wants=wants, source="staff",
                                                            by=by)
                    if to_manager:
                        year.at(clock.now() + timedelta(days=rng.uniform(6, 12)),
                                lambda: _by_hand(past, clock, advocate, doc["_id"]))
                    if resolve_after is not None:
                        year.at(clock.now() + resolve_after, lambda: _resolve(past, clock, advocate, doc["_id"], rng))

                year.at(when, raise_concern)

    # A few children choose to have no advocate, after their last word with them; the first comes back.
    leaving = [(child_id, last[child_id] + timedelta(days=rng.uniform(5, 20))) for child_id, _ in children
               if last[child_id] + timedelta(days=80) < year.end]
    for number, (child_id, leaves) in enumerate(rng.sample(leaving, OPT_OUTS)):
        year.at(leaves, lambda child_id=child_id: past.pairing.opt_out(child_id, None, {"id": child_id,
                                                                                         "role": "child"}))
        if number == 0:
            year.at(leaves + timedelta(days=40),
                    lambda child_id=child_id: past.pairing.opt_in(child_id, {"id": child_id, "role": "child"}))

    await year.play()

    # Today, on the real clock: five children are waiting for their advocate's reply.
    for child_id, _ in children[::8][:5]:
        conversation = await store.conversations.find_one({"child": child_id, "active": True})
        if conversation is not None:
            me = _as({"_id": child_id}, "child", "", services.clock)
            await services.chat.send(me, {"conversation": conversation["_id"], "text": "Are you there?",
                                          "client_id": f"demo-history-{child_id}"})
    await services.figures.job.run_once()
    return raised


async def _say(past: Services, clock: ManualClock, child_id: str, person: dict[str, Any], role: str,
               text: str) -> None:
    conversation = await past.store.conversations.find_one({"child": child_id, "active": True})
    if conversation is not None:
        await past.chat.send(_as(person, role, person["name"], clock), {
            "conversation": conversation["_id"], "text": text, "client_id": f"demo-history-{role}-{child_id}"})


async def _by_hand(past: Services, clock: ManualClock, advocate: dict[str, Any], concern_id: str) -> None:
    try:
        await past.ladder.escalate_by_hand(_as(advocate, "advocate", advocate["name"], clock), concern_id,
                                           {"level": "manager", "reason": "No answer yet."})
    except ServiceError:
        pass  # resolved already, or the ladder took it there first


async def _resolve(past: Services, clock: ManualClock, advocate: dict[str, Any], concern_id: str,
                   rng: random.Random) -> None:
    try:
        await past.concerns.resolve(_as(advocate, "advocate", advocate["name"], clock), concern_id, {
            "outcome": "Sorted with the council.", "child_happy": rng.choice((True, True, True, False, None))})
    except ServiceError:
        pass  # the child moved on: no longer theirs to resolve

