"""Every change of advocate is recorded, then announced to whoever listens."""

from __future__ import annotations


async def test_a_change_of_advocate_is_recorded_then_announced_once(world):
    server, amira = world.server, world.children[0]
    ben = world.advocates[1]
    pairings = server.services.pairing_changes
    heard = []

    async def listener(change):
        child = await server.store.children.find_one({"_id": change.child})
        heard.append((change, child["advocate"]))

    async def broken(change):
        raise RuntimeError("a listener that fails must not undo the change")

    pairings.announced.subscribe(broken)
    pairings.announced.subscribe(listener)
    change = await pairings.pair(amira.id, ben.id, "asked for someone else")
    assert await pairings.pair(amira.id, ben.id, "again") is None

    assert [h[1] for h in heard] == [ben.id]
    assert change.previous == world.advocates[0].id and change.advocate == ben.id
    conv = await server.store.conversations.find_one({"_id": change.conversation})
    assert (conv["child"], conv["advocate"], conv["active"]) == (amira.id, ben.id, True)
    history = await server.store.pairings.find({"child": amira.id}).sort("started_at", 1).to_list(None)
    assert [(p["advocate"], p["ended_at"] is None) for p in history] == [(world.advocates[0].id, False), (ben.id, True)]
    assert history[-1]["_id"] == change.pairing


async def test_ending_a_pairing_announces_no_advocate(world):
    server, amira = world.server, world.children[0]
    heard = []

    async def listener(change):
        heard.append(change)

    server.services.pairing_changes.announced.subscribe(listener)
    await server.services.pairing_changes.pair(amira.id, None, "opted out")
    assert [(c.advocate, c.previous, c.conversation) for c in heard] == [(None, world.advocates[0].id, None)]
