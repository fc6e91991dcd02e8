"""Demo history for the figures, the oversight queue and the managers' team page (idempotent).

Forty more children (eight in each demo local authority, paired with the demo
advocate who may work there), about sixty concerns raised over the last eleven
months through the concerns service (so the running totals count them as in
service): most of the older ones resolved, those left open past their
deadlines in the oversight queue (they climb the ladder as soon as they are
raised), some newer ones escalated to a manager; five children waiting for a reply. Then the figures job runs once, so
the figures page has something in it from the start. With so few children most
local authorities' counts still show as "fewer than 5"; England and the regions
show numbers.
"""

from __future__ import annotations

import random
from datetime import timedelta

from advocacy.auth.accounts import create_child
from advocacy.auth.principal import Principal
from advocacy.bootstrap import Services
from advocacy.pairing.changes import pair_child

# local authority -> the demo advocate who may work there (none has worked for it)
ADVOCATE_FOR = {"E08000035": "sam.advocate", "E08000003": "jo.advocate", "E08000025": "jo.advocate",
                "E10000016": "ana.advocate", "E09000007": "dev.advocate"}
FIRST_NAMES = ("Alfie", "Bea", "Callum", "Daisy", "Ellis", "Freya", "Gus", "Hana")
WORDS = {
    "contact": ("I want to see my dad more.", "To see him every weekend."),
    "placement": ("The new house is too far from my school.", "To move somewhere nearer."),
    "education": ("Nobody has sorted my school place.", "To start school this term."),
    "health": ("I'm still waiting for my dentist appointment.", "To see a dentist soon."),
    "money": ("My pocket money stopped.", "To get it again."),
    "care_plan": ("I wasn't asked before my review.", "To be asked first."),
}
PER_LA = 8


def _history_id(la: str, i: int) -> str:
    return f"ch_demo_h_{la.lower()}_{i}"


async def seed_history(services: Services) -> int:
    """Add the demo history once; returns how many concerns it raised (0 when it was there already)."""
    records, concerns, ladder, chat = services.concern_records, services.concerns, services.ladder, services.chat
    store, clock = services.store, services.clock
    if await store.children.find_one({"_id": _history_id("E08000035", 0)}, {"_id": 1}):
        return 0
    rng = random.Random(5)
    advocates = {d["username"]: d
                 async for d in store.staff.find({"username": {"$in": list(set(ADVOCATE_FOR.values()))}})}
    if len(advocates) < len(set(ADVOCATE_FOR.values())):
        return 0  # the demo people are not there
    las = {d["_id"]: d.get("region") async for d in store.local_authorities.find({}, {"region": 1})}
    now = clock.now()
    raised = 0
    waiting = 0
    for la, username in ADVOCATE_FOR.items():
        advocate = advocates[username]
        by = Principal("demo", advocate["_id"], "advocate", advocate["name"], now + timedelta(hours=1))
        for i in range(PER_LA):
            child, _ = await create_child(store, clock, name=FIRST_NAMES[i], la=la, child_id=_history_id(la, i),
                                          region=las.get(la), born=2008 + i, languages=["en"],
                                          prefers={"advocate": None, "gender": None}, avoid=[])
            await pair_child(store, clock, child["_id"], advocate["_id"], "demo")
            child = await store.children.find_one({"_id": child["_id"]})
            for _ in range(1 + (i % 3 == 0)):
                category = rng.choice(list(WORDS))
                words, wants = WORDS[category]
                age = timedelta(days=rng.uniform(2, 330))
                doc = await records.insert(child, category=category, severity=rng.choice(("standard",) * 4 + ("high",)),
                                            child_words=words, child_wants=wants, source="staff", by=by,
                                            raised_at=now - age)
                raised += 1
                if age > timedelta(days=40) and rng.random() < 0.85:
                    await concerns.resolve(by, doc["_id"], {"outcome": "Sorted with the council.",
                                                            "child_happy": rng.choice((True, True, True, False, None))})
                    continue
                state = await store.concerns.find_one({"_id": doc["_id"]}, {"ladder": 1})
                if "manager" not in (state.get("ladder") or {}) and rng.random() < 0.3:
                    await ladder.escalate_by_hand(by, doc["_id"], {"level": "manager", "reason": "No answer yet."})
            if i == 0 or (i == 1 and waiting < 5):
                conversation = await store.conversations.find_one({"child": child["_id"], "active": True})
                if conversation is not None:
                    me = Principal("demo", child["_id"], "child", FIRST_NAMES[i], now + timedelta(hours=1))
                    await chat.send(me, {"conversation": conversation["_id"], "text": "Are you there?",
                                         "client_id": f"demo-history-{child['_id']}"})
                    waiting += 1
    await services.figures.job.run_once()
    return raised
