"""A pairing change reaches open chats at once: the sockets move to the rooms they may be in now
and the pages are told, so nobody needs to reload (and nobody keeps hearing what is no longer theirs)."""

from __future__ import annotations

from datetime import timedelta

from tests.support import add_advocate, api, connect, leave_tomorrow, make_pairable


async def _until(chat, predicate, timeout: float = 5):
    """The first ``message`` that satisfies ``predicate``, skipping others."""
    while True:
        msg = await chat.next("message", timeout)
        if predicate(msg):
            return msg


async def _conversation_ids(chat) -> list[str]:
    return [c["id"] for c in (await chat.call("conversations"))["conversations"]]


async def test_a_new_advocate_takes_over_the_open_chat_at_once_and_the_old_one_hears_no_more(world):
    await make_pairable(world)
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager, capacity=1)
    amira_chat, ada_chat, cat_chat = [await connect(server, p) for p in (amira, ada, cat)]
    old = world.conversation_of(amira)
    assert await _conversation_ids(cat_chat) == []

    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/someone-else")
    assert status == 200 and body["advocate"]["id"] == cat.id
    for chat in (amira_chat, ada_chat, cat_chat):
        await chat.next("conversations.changed")

    # The notice of the change reaches Amira's open chat live, in her new conversation.
    notice = await _until(amira_chat, lambda m: m["sender"]["role"] == "service")
    new = notice["conversation"]
    assert new != old and "Cat is your advocate now" in notice["text"]
    assert await _conversation_ids(amira_chat) == [new]

    # Cat, signed in before Amira was theirs, hears her without reconnecting; Ada hears nothing.
    assert (await amira_chat.send(new, "hello Cat"))["ok"]
    heard = await _until(cat_chat, lambda m: m["sender"]["role"] == "child")
    assert heard["conversation"] == new and heard["text"] == "hello Cat"
    assert (await cat_chat.send(new, "hello Amira"))["ok"]
    assert (await _until(amira_chat, lambda m: m["sender"]["role"] == "advocate"))["text"] == "hello Amira"
    assert await ada_chat.nothing("message")
    assert old not in await _conversation_ids(ada_chat)
    assert (await ada_chat.send(old, "still there?"))["error"]["code"] == "conversation_not_found"


async def test_an_opted_out_childs_advocate_stops_hearing_and_opting_back_in_brings_them_back(world):
    await make_pairable(world)
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    amira_chat, ada_chat = await connect(server, amira), await connect(server, ada)
    conversation = world.conversation_of(amira)

    assert (await api(server, amira, "POST", f"/api/children/{amira.id}/opt-out"))[0] == 200
    await amira_chat.next("conversations.changed")
    await ada_chat.next("conversations.changed")
    assert conversation not in await _conversation_ids(ada_chat)
    assert await _conversation_ids(amira_chat) == []

    status, body = await api(server, amira, "POST", f"/api/children/{amira.id}/opt-in")
    assert status == 200, body
    await ada_chat.next("conversations.changed")
    back = await _conversation_ids(amira_chat)
    assert len(back) == 1
    assert (await amira_chat.send(back[0], "I'm back"))["ok"]
    heard = await _until(ada_chat, lambda m: m["sender"]["role"] == "child")
    assert heard["text"] == "I'm back" and heard["conversation"] == back[0]


async def test_a_cover_hears_the_child_only_while_the_leave_lasts_without_reconnecting(world):
    await make_pairable(world)
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager)
    service = server.services.pairing
    leave = await leave_tomorrow(server, world.manager, ada, {cat.id})
    conversation = world.conversation_of(amira)

    server.clock.advance(leave["starts_at"] - service.clock.now() + timedelta(minutes=1))
    cat_chat = await connect(server, cat)  # on duty for the day, signed in before the job runs
    await server.services.pairing_job.run_once()
    await cat_chat.next("conversations.changed")
    amira_chat = await connect(server, amira)
    assert (await amira_chat.send(conversation, "are you there?"))["ok"]
    heard = await _until(cat_chat, lambda m: m["sender"]["role"] == "child")
    assert heard["conversation"] == conversation and heard["text"] == "are you there?"

    server.clock.advance(leave["ends_at"] - service.clock.now() + timedelta(minutes=1))
    await server.services.pairing_job.run_once()
    await cat_chat.next("conversations.changed")
    amira_chat = await connect(server, amira)
    assert (await amira_chat.send(conversation, "Ada, are you back?"))["ok"]
    assert await cat_chat.nothing("message", 0.5)
