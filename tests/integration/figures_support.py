"""A small hand-built history for the figures tests: children, concerns, opt-outs and replies,
made through the services (so the running totals are kept by the same hooks as in service)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

from advocacy.auth.accounts import create_child
from advocacy.pairing.changes import pair_child
from tests.integration.concerns_support import _as
from tests.support import World

LEEDS, CAMDEN, WAKEFIELD = "E08000035", "E09000007", "E08000036"
YORKSHIRE = "yorkshire-and-the-humber"


@dataclass
class History:
    """What was done, so a test knows the truth without asking the figures."""

    children: dict[str, list[str]] = field(default_factory=dict)  # la -> child ids
    concerns: list[str] = field(default_factory=list)  # in the order raised
    waits_seconds: list[int] = field(default_factory=list)  # children's waits for a reply


async def build_history(world: World, *, wakefield: bool = False) -> History:
    """Leeds only (Camden's child moves to Leeds): 25 children; 30 concerns (16 about contact, 14 about
    money): c0-c9 raised 2 days ago, escalated to the manager and resolved on time with the child happy;
    c10-c19 raised 60 days ago (so past their deadlines and up the ladder as soon as raised), resolved
    late, the child not happy; c20-c29 raised 60 days ago, in the oversight queue, still open (overdue);
    10 opt-outs and 1 opt-in; 6 replies after 2, 4, 6, 8, 10 and 12 minutes. Every count that should
    show is 10 or more, since a count of 5 to 9 that all happened in one month is hidden to keep its
    months' "fewer than 5" (zero) from being worked out.
    With ``wakefield``: also Wakefield (Yorkshire, like Leeds) with 2 children and nothing else."""
    server = world.server
    store, clock, services = server.store, server.clock, server.services
    await services.sweeper_job.stop()  # the ladder moves only when the test says
    ada, ben = world.advocates
    history = History()
    await store.children.update_one({"_id": world.children[2].id}, {"$set": {"la": LEEDS}})
    await store.local_authorities.delete_one({"_id": CAMDEN})
    history.children[LEEDS] = [c.id for c in world.children]
    extra = [(LEEDS, ada, 22)]
    if wakefield:
        await store.local_authorities.insert_one({"_id": WAKEFIELD, "name": "Wakefield",
                                                  "region": "Yorkshire and The Humber"})
        extra.append((WAKEFIELD, ben, 2))
    for la, advocate, more in extra:
        for i in range(more):
            doc, _ = await create_child(store, clock, name=f"Child {la} {i}", la=la)
            await pair_child(store, clock, doc["_id"], advocate.id, "test")
            history.children.setdefault(la, []).append(doc["_id"])
    leeds = history.children[LEEDS]
    as_ada, as_ben = await _as(server, ada.id, "advocate"), await _as(server, ben.id, "advocate")
    records, concerns, ladder = services.concern_records, services.concerns, services.ladder
    now = clock.now()
    for i in range(30):
        child = await store.children.find_one({"_id": leeds[i % len(leeds)]})
        doc = await records.insert(child, category="contact" if i < 16 else "money", severity="standard",
                                    child_words="words", child_wants="wants", source="staff",
                                    by=as_ben if child["advocate"] == ben.id else as_ada,
                                    raised_at=now - timedelta(days=2 if i < 10 else 60))
        history.concerns.append(doc["_id"])
    for i, concern in enumerate(history.concerns):
        by = as_ben if i % len(leeds) == 2 else as_ada
        ladder_now = (await store.concerns.find_one({"_id": concern}, {"ladder": 1})).get("ladder", {})
        if i < 10 or (i >= 20 and "oversight" not in ladder_now):  # those raised long ago went up on their own
            await ladder.escalate_by_hand(by, concern, {"level": "manager" if i < 10 else "oversight",
                                                        "reason": "No answer."})
        if i < 20:
            await concerns.resolve(by, concern, {"outcome": "Sorted.", "child_happy": i < 10})
    pairing = services.pairing
    for child in leeds[-10:]:
        await pairing.opt_out(child, None, {"role": "child", "id": child})
    await pairing.opt_in(leeds[-1], {"role": "child", "id": leeds[-1]})
    chat = services.chat
    for i, child_id in enumerate([leeds[j] for j in (0, 1, 3, 4, 5, 6)]):  # with Ada, not opted out
        conversation = await store.conversations.find_one({"child": child_id, "active": True})
        child = await _as(server, child_id, "child")
        await chat.send(child, {"conversation": conversation["_id"], "text": "Hello?", "client_id": f"c-{i}"})
        wait = 120 * (i + 1)
        clock.advance(wait)
        await chat.send(as_ada, {"conversation": conversation["_id"], "text": "Hi.", "client_id": f"a-{i}"})
        history.waits_seconds.append(wait)
    await services.figures.job.run_once()
    return history


async def add_children(world: World, la: str, count: int, *, unpaired: int = 0, region: str = "North West") -> None:
    """``count`` more children in ``la``, all but ``unpaired`` of them paired with the first advocate
    (the local authority is made, in ``region``, if the world has no such one)."""
    store, clock = world.server.store, world.server.clock
    if await store.local_authorities.find_one({"_id": la}) is None:
        await store.local_authorities.insert_one({"_id": la, "name": f"Authority {la}", "region": region})
    for i in range(count):
        doc, _ = await create_child(store, clock, name=f"More {la} {i}", la=la)
        if i >= unpaired:
            await pair_child(store, clock, doc["_id"], world.advocates[0].id, "test")


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def download(api, path: str, which: str) -> tuple[int, list[list[str]]]:
    async with api.http.get(path, params={"download": which}) as resp:
        return resp.status, read_csv(await resp.read()) if resp.status == 200 else []


async def raise_concerns(world: World, la: str, count: int, category: str = "contact") -> list[str]:
    """``count`` new concerns for the children of ``la`` (raised now, by each child's advocate), then the
    figures job runs."""
    server = world.server
    store, services = server.store, server.services
    children = await store.children.find({"la": la, "advocate": {"$ne": None}}).to_list(None)
    raised = []
    for i in range(count):
        child = children[i % len(children)]
        by = await _as(server, child["advocate"], "advocate")
        doc = await services.concern_records.insert(child, category=category, severity="standard",
                                                    child_words="words", child_wants="wants", source="staff", by=by,
                                                    raised_at=server.clock.now())
        raised.append(doc["_id"])
    await services.figures.job.run_once()
    return raised
