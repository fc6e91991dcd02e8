"""Chat between a child and their advocate over real Socket.IO, against a real database."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio

from advocacy.bootstrap import build
from advocacy.chat.service import message_purpose
from advocacy.pairing.changes import pair_child
from tests.support import ChatClient, chat_namespace, connect, message_count, sign_in, start_server


async def test_child_and_advocate_exchange_messages_both_ways(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)

    ack = await child_chat.send(conv, "Hi, can we talk about my contact with my brother?")
    assert ack["ok"] is True
    message = ack["message"]
    assert message["sender"] == {"id": child.id, "role": "child", "name": "Amira"}
    assert message["conversation"] == conv and message["sent_at"].endswith("+00:00")
    assert await advocate_chat.next("message") == message

    reply = await advocate_chat.send(conv, "Of course. What's happening?")
    assert reply["ok"] is True
    assert (await child_chat.next("message"))["text"] == "Of course. What's happening?"
    assert await message_count(server, conversation=conv) == 2


async def test_a_message_in_ones_own_conversation_costs_the_database_no_cover_lookup(world):
    """The database commands of one exchange, counted by the driver's monitoring (bench/messages.py
    prints the same per message): an advocate answering their own child needs no read of covers."""
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    before = server.store.commands.counts.copy()
    assert (await child_chat.send(conv, "Are you there?"))["ok"]
    assert (await advocate_chat.send(conv, "Yes, I'm here."))["ok"]
    await server.services.figures.tally.drain()
    spent = server.store.commands.counts - before
    assert spent[("insert", "messages")] == 2
    assert spent[("find", "covers")] == 0, spent
    # The reply ended the child's wait: counted in the figures with one write.
    assert spent[("update", "figures_months")] == 1, spent


async def test_replies_are_counted_in_the_figures_together_with_one_write(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    tally = server.services.figures.tally
    tally.replies_every_seconds = 60  # longer than the exchange takes on a busy machine
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    before = server.store.commands.counts.copy()
    for n in range(3):
        assert (await child_chat.send(conv, f"Question {n}?"))["ok"]
        assert (await advocate_chat.send(conv, f"Answer {n}."))["ok"]
    assert (server.store.commands.counts - before)[("update", "figures_months")] == 0  # not yet: gathered
    await tally.drain()  # as when the server stops or the figures job runs
    spent = server.store.commands.counts - before
    assert spent[("update", "figures_months")] == 1, spent
    assert (await server.store.figures_months.find_one({"area": "england"}))["n"]["replies"] == 3

    tally.replies_every_seconds = 0.2  # and on their own, once the time has passed
    assert (await child_chat.send(conv, "One more?"))["ok"]
    assert (await advocate_chat.send(conv, "Yes."))["ok"]
    for _ in range(50):
        await asyncio.sleep(0.1)
        if (await server.store.figures_months.find_one({"area": "england"}))["n"]["replies"] == 4:
            break
    assert (await server.store.figures_months.find_one({"area": "england"}))["n"]["replies"] == 4


async def test_a_second_message_in_a_conversation_needs_no_read_of_it(world):
    """Whose a conversation is was read for the first message and is held: the next one reads nothing of it."""
    server, child = world.server, world.children[0]
    conv = world.conversation_of(child)
    child_chat = await connect(server, child)
    assert (await child_chat.send(conv, "First"))["ok"]
    before = server.store.commands.counts.copy()
    assert (await child_chat.send(conv, "Second"))["ok"]
    spent = server.store.commands.counts - before
    assert spent[("insert", "messages")] == 1
    assert spent[("find", "conversations")] == 0, spent


async def test_an_advocates_reply_renews_what_is_held_of_the_conversation(world):
    """The read of the waits a reply ends renews what is held, so a chat in use is not read again
    only because its seconds ran out."""
    server, child = world.server, world.children[0]
    conv = world.conversation_of(child)
    seconds = server.services.chat.held.seconds
    child_chat, advocate_chat = await connect(server, child), await connect(server, world.advocates[0])
    assert (await child_chat.send(conv, "First"))["ok"]  # read, and held for its seconds from now
    server.clock.advance(seconds * 0.6)
    assert (await advocate_chat.send(conv, "Hello"))["ok"]  # its waits read renews what is held
    server.clock.advance(seconds * 0.6)  # past when the first read would have run out
    before = server.store.commands.counts.copy()
    assert (await child_chat.send(conv, "Second"))["ok"]
    spent = server.store.commands.counts - before
    assert spent[("insert", "messages")] == 1
    assert spent[("find", "conversations")] == 0, spent


async def test_a_conversation_held_in_memory_is_forgotten_when_the_child_moves_to_another_advocate(world):
    """The old advocate's next message is refused at once, not when what was held runs out."""
    server, child = world.server, world.children[0]
    conv = world.conversation_of(child)
    old = await connect(server, world.advocates[0])
    assert (await old.send(conv, "I'm here."))["ok"]  # the conversation is held now
    assert server.services.chat.held.get(conv) is not None
    await server.services.pairing_changes.pair(child.id, world.advocates[1].id, "test")
    ack = await old.call("send", {"conversation": conv, "client_id": str(uuid.uuid4()), "text": "Still me?"})
    assert ack["ok"] is False and ack["error"]["code"] == "conversation_not_found"
    assert await message_count(server, conversation=conv, **{"sender.id": world.advocates[0].id}) == 1


async def test_acknowledged_message_is_stored_before_the_ack(world):
    server, child = world.server, world.children[0]
    child_chat = await connect(server, child)
    ack = await child_chat.send(world.conversation_of(child), "stored?")
    stored = await server.store.messages.find_one({"client_id": ack["message"]["client_id"]})
    assert stored is not None and b"stored?" not in stored["text"]
    assert await server.services.keyring.unseal(child.id, stored["text"], message_purpose(stored["_id"])) == "stored?"


async def test_senders_other_tabs_see_the_message_but_the_sending_tab_does_not_get_it_twice(world):
    server, child = world.server, world.children[0]
    token = await sign_in(server, child)
    tab1, tab2 = await ChatClient(server).connect(token), await ChatClient(server).connect(token)
    ack = await tab1.send(world.conversation_of(child), "from tab one")
    assert (await tab2.next("message"))["id"] == ack["message"]["id"]
    assert await tab1.nothing("message")


async def test_message_sent_while_advocate_offline_arrives_when_they_connect(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat = await connect(server, child)
    for text in ["are you there?", "text me back when you can"]:
        assert (await child_chat.send(conv, text))["ok"]

    advocate_chat = await connect(server, advocate)
    listing = await advocate_chat.call("conversations")
    mine = {c["id"]: c for c in listing["conversations"]}
    assert set(mine) == {world.conversation_of(c) for c in world.children[:2]}
    assert mine[conv]["unread"] == 2
    assert mine[conv]["last_message"]["text"] == "text me back when you can"
    assert mine[conv]["waiting_since"] is not None
    history = await advocate_chat.call("history", {"conversation": conv})
    assert [m["text"] for m in history["messages"]] == ["are you there?", "text me back when you can"]

    await advocate_chat.call("read", {"conversation": conv, "up_to": history["messages"][-1]["id"]})
    await advocate_chat.send(conv, "I'm here")
    listing = await advocate_chat.call("conversations")
    mine = {c["id"]: c for c in listing["conversations"]}
    assert mine[conv]["unread"] == 0 and mine[conv]["waiting_since"] is None


async def test_resend_with_the_same_client_id_returns_the_stored_message_and_delivers_once(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    first = await child_chat.send(conv, "only once please", client_id="c-1")
    again = await child_chat.send(conv, "only once please", client_id="c-1")
    assert again == first
    assert (await advocate_chat.next("message"))["id"] == first["message"]["id"]
    assert await advocate_chat.nothing("message")
    assert await message_count(server, conversation=conv) == 1


async def test_a_resend_of_a_message_stored_but_never_passed_on_is_delivered_once(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    token = await sign_in(server, child)
    # As if another process stored the message and stopped before passing it on.
    principal = await server.services.auth.principal_for(token)
    elsewhere = build(server.settings, server.store, server.clock, server.services.keyring).chat
    stored, is_new = await elsewhere.send(
        principal, {"conversation": conv, "client_id": "c-lost", "text": "did you get this?"})
    assert is_new
    child_chat, advocate_chat = await ChatClient(server).connect(token), await connect(server, advocate)

    again = await child_chat.send(conv, "did you get this?", client_id="c-lost")
    assert again["message"]["id"] == stored["id"]
    assert (await advocate_chat.next("message"))["id"] == stored["id"]
    await child_chat.send(conv, "did you get this?", client_id="c-lost")
    assert await advocate_chat.nothing("message")
    assert await message_count(server, conversation=conv) == 1


async def test_concurrent_resends_store_one_message(world):
    server, child = world.server, world.children[0]
    conv = world.conversation_of(child)
    token = await sign_in(server, child)
    tabs = [await ChatClient(server).connect(token) for _ in range(3)]
    acks = await asyncio.gather(*(t.send(conv, "race", client_id="same-id") for t in tabs))
    assert len({a["message"]["id"] for a in acks}) == 1
    assert await message_count(server, conversation=conv) == 1


async def test_read_receipts_reach_the_other_side(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    sent = (await child_chat.send(conv, "did you read this?"))["message"]
    await advocate_chat.next("message")
    ack = await advocate_chat.call("read", {"conversation": conv, "up_to": sent["id"]})
    assert ack == {"ok": True}
    receipt = await child_chat.next("read")
    assert receipt == {"conversation": conv, "reader": {"id": advocate.id, "role": "advocate"}, "up_to": sent["id"]}


async def test_read_pointer_never_moves_backwards(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    first = (await child_chat.send(conv, "one"))["message"]
    second = (await child_chat.send(conv, "two"))["message"]
    await advocate_chat.call("read", {"conversation": conv, "up_to": second["id"]})
    await advocate_chat.call("read", {"conversation": conv, "up_to": first["id"]})
    listing = await advocate_chat.call("conversations")
    assert {c["id"]: c["unread"] for c in listing["conversations"]}[conv] == 0


async def test_typing_reaches_the_other_side(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    assert (await advocate_chat.call("typing", {"conversation": conv}))["ok"]
    assert (await child_chat.next("typing")) == {"conversation": conv,
                                                 "user": {"id": advocate.id, "name": advocate.name, "role": "advocate"}}


async def test_child_sees_whether_their_advocate_is_online(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat = await connect(server, child)
    listing = await child_chat.call("conversations")
    [mine] = listing["conversations"]
    assert mine["id"] == conv and mine["advocate_online"] is False
    assert mine["advocate_name"] == advocate.name and mine["reply_expected"].startswith("Your advocate")

    advocate_chat = await connect(server, advocate)
    presence = await child_chat.next("presence")
    assert presence["online"] is True and presence["user"] == advocate.id
    assert presence["reply_expected"] == "Your advocate is online now."
    [mine] = (await child_chat.call("conversations"))["conversations"]
    assert mine["advocate_online"] is True

    await advocate_chat.close()
    presence = await child_chat.next("presence")
    assert presence["online"] is False and "Your advocate" in presence["reply_expected"]


async def test_history_pages_backwards_and_catches_up_forwards(world):
    server, child = world.server, world.children[0]
    conv = world.conversation_of(child)
    child_chat = await connect(server, child)
    sent = [(await child_chat.send(conv, f"message {i}"))["message"] for i in range(7)]
    latest = await child_chat.call("history", {"conversation": conv, "limit": 3})
    assert [m["text"] for m in latest["messages"]] == ["message 4", "message 5", "message 6"] and latest["more"]
    older = await child_chat.call("history", {"conversation": conv, "limit": 3, "before": latest["messages"][0]["id"]})
    assert [m["text"] for m in older["messages"]] == ["message 1", "message 2", "message 3"] and older["more"]
    oldest = await child_chat.call("history", {"conversation": conv, "limit": 3, "before": older["messages"][0]["id"]})
    assert [m["text"] for m in oldest["messages"]] == ["message 0"] and not oldest["more"]
    newer = await child_chat.call("history", {"conversation": conv, "after": sent[4]["id"]})
    assert [m["text"] for m in newer["messages"]] == ["message 5", "message 6"] and not newer["more"]


async def test_a_child_cannot_read_or_send_to_another_childs_conversation(world):
    server = world.server
    intruder = await connect(server, world.children[1])
    victim_conv = world.conversation_of(world.children[0])
    before = await message_count(server)
    for event, data in [
        ("send", {"conversation": victim_conv, "client_id": "x1", "text": "hello"}),
        ("history", {"conversation": victim_conv}),
        ("read", {"conversation": victim_conv, "up_to": "0" * 24}),
        ("typing", {"conversation": victim_conv}),
    ]:
        ack = await intruder.call(event, data)
        assert ack["ok"] is False and ack["error"]["code"] == "conversation_not_found", event
    assert await message_count(server) == before
    assert intruder.sio.connected
    listing = await intruder.call("conversations")
    assert [c["child"] for c in listing["conversations"]] == [world.children[1].id]


async def test_an_advocate_cannot_open_a_conversation_of_a_child_not_paired_to_them(world):
    server = world.server
    other = await connect(server, world.advocates[1])
    conv = world.conversation_of(world.children[0])
    for event, data in [("history", {"conversation": conv}),
                        ("send", {"conversation": conv, "client_id": "y", "text": "hi"})]:
        ack = await other.call(event, data)
        assert ack["error"]["code"] == "conversation_not_found", event
    assert await message_count(server) == 0


async def test_an_advocate_cannot_see_the_conversation_after_the_child_is_repaired(world):
    from advocacy.pairing.changes import pair_child

    server, child = world.server, world.children[0]
    await pair_child(server.store, server.clock, child.id, world.advocates[1].id, "test")
    old = await connect(server, world.advocates[0])
    ack = await old.call("history", {"conversation": world.conversation_of(child)})
    assert ack["error"]["code"] == "conversation_not_found"


async def test_managers_and_unsigned_clients_cannot_connect_to_chat(world):
    server = world.server
    with pytest.raises(socketio.exceptions.ConnectionError):
        await ChatClient(server).connect(None)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await ChatClient(server).connect("not-a-real-token")
    manager_token = await sign_in(server, world.manager)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await ChatClient(server).connect(manager_token)


async def test_connection_refusal_says_why(world):
    server = world.server
    client = ChatClient(server)
    reasons = []
    client.sio.on("connect_error", lambda data: reasons.append(data), namespace="/chat")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect("not-a-real-token")
    assert reasons == [{"message": "Please sign in.", "data": {"code": "unauthorised", "message": "Please sign in."}}]


async def test_a_socket_from_another_website_is_refused(world):
    token = await sign_in(world.server, world.children[0])
    client = ChatClient(world.server)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(token, headers={"Origin": "https://evil.example"})
    ok = await ChatClient(world.server).connect(token, headers={"Origin": world.server.url})
    assert ok.sio.connected


BAD_SENDS = [
    ("not an object", "bad_request"),
    (["a", "list"], "bad_request"),
    ({"conversation": "CONV", "client_id": "b1"}, "text_missing"),
    ({"conversation": "CONV", "client_id": "b2", "text": 42}, "text_missing"),
    ({"conversation": "CONV", "client_id": "b3", "text": {"$gt": ""}}, "text_missing"),
    ({"conversation": "CONV", "client_id": "b4", "text": ""}, "text_empty"),
    ({"conversation": "CONV", "client_id": "b5", "text": "   \n\t  "}, "text_empty"),
    ({"conversation": "CONV", "client_id": "b6", "text": "\u200b\u202e\u2066 \u0000"}, "text_empty"),
    ({"conversation": "CONV", "client_id": "b7", "text": "x" * 4001}, "text_too_long"),
    ({"conversation": "CONV", "client_id": "b8", "text": "x" * 200_000}, "text_too_long"),
    ({"conversation": "no-such-conversation", "client_id": "b9", "text": "hi"}, "conversation_not_found"),
    ({"conversation": {"$ne": None}, "client_id": "b10", "text": "hi"}, "conversation_not_found"),
    ({"conversation": "CONV", "text": "hi"}, "client_id_missing"),
    ({"conversation": "CONV", "client_id": "", "text": "hi"}, "client_id_missing"),
    ({"conversation": "CONV", "client_id": 7, "text": "hi"}, "client_id_missing"),
]


@pytest.mark.parametrize("payload,code", BAD_SENDS, ids=[code + str(i) for i, (_, code) in enumerate(BAD_SENDS)])
async def test_bad_input_is_refused_clearly_stores_nothing_and_keeps_the_socket(world, payload, code):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    if isinstance(payload, dict):
        payload = {k: (conv if v == "CONV" else v) for k, v in payload.items()}
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    ack = await child_chat.call("send", payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code
    assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    assert await message_count(server) == 0
    assert await advocate_chat.nothing("message")
    assert child_chat.sio.connected
    follow_up = await child_chat.send(conv, "still here")
    assert follow_up["ok"] is True


async def test_too_long_message_says_the_limit(world):
    child_chat = await connect(world.server, world.children[0])
    ack = await child_chat.send(world.conversation_of(world.children[0]), "y" * 4001)
    assert ack["error"]["message"] == "That message is too long (4,000 characters at most). Nothing was sent."
    exactly = await child_chat.send(world.conversation_of(world.children[0]), "y" * 4000)
    assert exactly["ok"] is True


async def test_more_than_20_messages_in_10_seconds_is_refused(world):
    server, child = world.server, world.children[0]
    conv = world.conversation_of(child)
    child_chat = await connect(server, child)
    for i in range(20):
        assert (await child_chat.send(conv, f"m{i}"))["ok"], i
    ack = await child_chat.send(conv, "one too many")
    assert ack["error"]["code"] == "rate_limited"
    assert await message_count(server, conversation=conv) == 20
    assert child_chat.sio.connected
    server.clock.advance(11)
    assert (await child_chat.send(conv, "after a pause"))["ok"]


@pytest.mark.parametrize(
    "event,payload,code",
    [
        ("history", {"conversation": "CONV", "limit": 0}, "bad_request"),
        ("history", {"conversation": "CONV", "limit": "10"}, "bad_request"),
        ("history", {"conversation": "CONV", "limit": 10_000}, "bad_request"),
        ("history", {"conversation": "CONV", "before": "nonsense"}, "message_not_found"),
        ("history", "CONV", "bad_request"),
        ("read", {"conversation": "CONV", "up_to": "0123456789abcdef01234567"}, "message_not_found"),
        ("read", {"conversation": "CONV"}, "message_not_found"),
        ("typing", None, "bad_request"),
    ],
)
async def test_bad_history_read_and_typing_requests(world, event, payload, code):
    conv = world.conversation_of(world.children[0])
    child_chat = await connect(world.server, world.children[0])
    if isinstance(payload, dict):
        payload = {k: (conv if v == "CONV" else v) for k, v in payload.items()}
    ack = await child_chat.sio.call(event, payload, namespace="/chat", timeout=10)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert child_chat.sio.connected


async def test_text_is_tidied_and_kept_as_plain_text(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    child_chat, advocate_chat = await connect(server, child), await connect(server, advocate)
    decomposed = "Zoe\u0308"  # "Zoë" with a combining diaeresis
    hostile = f"{decomposed} <img src=x onerror=alert(1)>\r\nabc\u202eevil\u202c\x07\ttab"
    ack = await child_chat.send(conv, hostile)
    text = ack["message"]["text"]
    assert text == "Zo\u00eb <img src=x onerror=alert(1)>\nabcevil\ttab"
    assert (await advocate_chat.next("message"))["text"] == text
    stored = await server.store.messages.find_one({"_id": {"$exists": True}})
    assert await server.services.keyring.unseal(child.id, stored["text"], message_purpose(stored["_id"])) == text


async def test_every_acknowledged_message_survives_a_restart(database_uri, database_name):
    from tests.support import seed_world

    async with start_server(database_uri, database_name) as server:
        world = await seed_world(server)
        child_chat = await connect(server, world.children[0])
        conv = world.conversation_of(world.children[0])
        acked = [(await child_chat.send(conv, f"before restart {i}"))["message"]["id"] for i in range(5)]
        await child_chat.close()
        # stop this server without dropping the database
        server.store.drop_database = _no_drop  # type: ignore[method-assign]
    async with start_server(database_uri, database_name) as again:
        advocate_chat = await connect(again, world.advocates[0])
        history = await advocate_chat.call("history", {"conversation": conv})
        assert [m["id"] for m in history["messages"]] == acked


async def _no_drop() -> None:
    return None


async def test_unique_client_ids_per_sender_not_globally(world):
    server = world.server
    a = await connect(server, world.children[0])
    b = await connect(server, world.children[2])
    shared = uuid.uuid4().hex
    assert (await a.send(world.conversation_of(world.children[0]), "a", client_id=shared))["ok"]
    ack = await b.send(world.conversation_of(world.children[2]), "b", client_id=shared)
    assert ack["ok"] and ack["message"]["text"] == "b"


async def test_a_notice_from_the_service_reaches_the_child_live_and_is_stored_once(world):
    amira = world.children[0]
    child = await connect(world.server, amira)
    advocate = await connect(world.server, world.advocates[0])
    chat = world.server.services.chat

    first = await chat.tell_child(amira.id, "Your advocate is Ada.", "paired:test-1")
    again = await chat.tell_child(amira.id, "Your advocate is Ada.", "paired:test-1")

    assert first == again
    assert first["sender"] == {"id": "service", "role": "service", "name": "Advocacy service"}
    assert (await child.next("message"))["id"] == first["id"]
    assert (await advocate.next("message"))["id"] == first["id"]
    assert await child.nothing("message")
    assert await message_count(world.server, conversation=world.conversation_of(amira)) == 1
    history = await child.call("history", {"conversation": world.conversation_of(amira)})
    assert [m["text"] for m in history["messages"]] == ["Your advocate is Ada."]


async def test_no_notice_for_a_child_without_an_advocate(world):
    amira = world.children[0]
    await pair_child(world.server.store, world.server.clock, amira.id, None, "opted out")
    assert await world.server.services.chat.tell_child(amira.id, "Hello", "k") is None
    assert await message_count(world.server) == 0


async def test_a_socket_gone_while_its_conversations_were_read_is_left_alone(world):
    """A page reloaded while its list was read: joining its rooms is skipped, not an error
    (python-socketio raises ValueError for a socket it no longer has when nobody else is
    connected, KeyError when others are), and the others in those rooms are not disturbed."""
    chat_ns = chat_namespace(world.server.app)
    amira = world.children[0]
    await chat_ns._enter("a-socket-that-has-gone", ["conv:cv_x"])  # nobody connected
    assert chat_ns.rooms("a-socket-that-has-gone") == []

    advocate = await connect(world.server, world.advocates[0])  # as on a live service, others stay connected
    leaving = await connect(world.server, amira)
    sid = leaving.sio.get_sid(chat_ns.namespace)
    rooms = [room for room in chat_ns.rooms(sid) if room.startswith("conv:")]
    assert rooms
    await leaving.close()
    for _ in range(100):
        if not chat_ns.rooms(sid):
            break
        await asyncio.sleep(0.05)
    assert chat_ns.rooms(sid) == []

    await chat_ns._enter(sid, rooms)

    assert chat_ns.rooms(sid) == []
    notice = await world.server.services.chat.tell_child(amira.id, "Your advocate is Ada.", "gone-socket")
    assert (await advocate.next("message"))["id"] == notice["id"]


async def test_the_services_automatic_messages_are_not_unread_for_the_advocate(world):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    assert (await (await connect(server, child)).send(conv, "are you there?"))["ok"]
    assert await server.services.chat.tell_child(child.id, "Your advocate is away until Monday.", "test:away")
    listing = await (await connect(server, advocate)).call("conversations")
    assert {c["id"]: c["unread"] for c in listing["conversations"]}[conv] == 1  # the child's, not the notice
    listing = await (await connect(server, child)).call("conversations")
    assert {c["id"]: c["unread"] for c in listing["conversations"]}[conv] == 1  # the child is told it is new
