"""Interpreters in a child's chat: asked for by the advocate, let in by the child, out again on time,
when the child or the advocate ends it, on every process. Real servers, real clients, real Redis."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from advocacy.auth import totp
from advocacy.auth.accounts import create_staff
from advocacy.auth.staff_sign_in import set_second_factor
from tests.integration.processes import start_redis, stop_process
from tests.support import PASSWORD, ChatClient, Person, api, connect, seed_world, sign_in, start_server


async def add_interpreter(server, username: str = "ina.interpreter", name: str = "Ina Interpreter") -> Person:
    doc = await create_staff(server.store, server.clock, username=username, password=PASSWORD, name=name,
                             role="interpreter", languages=["ar", "en"])
    secret = totp.new_secret()
    await set_second_factor(server.store, doc["_id"], secret)
    return Person(doc["_id"], name, "interpreter", username=username, password=PASSWORD, totp_secret=secret)


async def invite(server, advocate: Person, conversation: str, interpreter: Person, minutes: int = 30) -> dict:
    status, body = await api(server, advocate, "POST", f"/api/conversations/{conversation}/interpreter",
                             json={"interpreter": interpreter.username, "minutes": minutes})
    assert status == 201, body
    return body["interpreting"]


async def eventually(check, timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "not reached in time"
        await asyncio.sleep(0.05)


async def audited(server, action: str, **query) -> list[dict]:
    return await server.store.audit.find({"action": action, **query}).to_list(None)


async def test_an_interpreter_reads_only_from_when_the_child_agreed_and_interprets_a_message(world):
    server = world.server
    amira, ada = world.children[0], world.advocates[0]
    conversation = world.conversation_of(amira)
    ina = await add_interpreter(server)
    amira_chat = await connect(server, amira)
    before = await amira_chat.send(conversation, "something from before the interpreter")
    assert before["ok"]

    asked = await invite(server, ada, conversation, ina)
    assert asked["state"] == "asked" and asked["interpreter"]["name"] == "Ina Interpreter"
    ina_chat = await connect(server, ina)  # signed in like staff: password and authenticator code
    assert (await ina_chat.call("conversations"))["conversations"] == []
    refused = await ina_chat.call("history", {"conversation": conversation})
    assert refused["error"]["code"] == "conversation_not_found"

    # The child sees the question on their chat page, in plain words, and says yes.
    async with server.http() as http:
        await sign_in(server, amira, http)
        page = await (await http.get("/child")).text()
        assert "Your advocate would like an interpreter, Ina Interpreter, to read and write in this chat" in page
        answer = await http.post("/child/interpreter", data={"invitation": asked["id"], "action": "yes"},
                                 allow_redirects=False)
        assert answer.status == 303
        page = await (await http.get("/child")).text()
        assert "An interpreter, Ina Interpreter, can read and write in this chat until" in page
    await ina_chat.next("conversations.changed")

    [listed] = (await ina_chat.call("conversations"))["conversations"]
    assert listed["id"] == conversation and listed["child_name"] == "Amira"
    assert not {"unread", "waiting_since", "child_language", "child_languages", "last_message"} & set(listed)
    history = await ina_chat.call("history", {"conversation": conversation})
    texts = [m["text"] for m in history["messages"]]
    assert "something from before the interpreter" not in texts
    assert any(t.startswith("An interpreter, Ina Interpreter, can read and write") for t in texts)
    assert not any(t.startswith("Your advocate would like an interpreter") for t in texts)  # before they joined

    after = (await amira_chat.send(conversation, "مرحبا، أحتاج مساعدة"))["message"]
    heard = await ina_chat.next("message")
    while heard["id"] != after["id"]:
        heard = await ina_chat.next("message")
    # An earlier message cannot be interpreted (nor reached as an anchor): it was before they joined.
    for refused in (await ina_chat.call("send", {"conversation": conversation, "client_id": "i-0", "text": "x",
                                                 "interprets": before["message"]["id"]}),
                    await ina_chat.call("history", {"conversation": conversation, "after": before["message"]["id"]})):
        assert refused["error"]["code"] == "message_not_found"
    sent = await ina_chat.call("send", {"conversation": conversation, "client_id": "i-1",
                                        "text": "Hello, I need help", "language": "en", "interprets": after["id"]})
    assert sent["ok"], sent
    message = sent["message"]
    assert message["interpretation"] is True and message["interprets"] == after["id"]
    assert message["language"] == {"code": "en", "name": "English"}
    while (seen := await amira_chat.next("message"))["id"] != message["id"]:
        pass
    assert seen["sender"]["role"] == "interpreter" and seen["interprets"] == after["id"]
    stored = await server.store.messages.find_one({"client_id": "i-1"})
    assert stored["language"] != "en" and stored["interprets"]  # the language is sealed like the text

    # Only an interpreter's message interprets; a language must be one on the list.
    ada_chat = await connect(server, ada)
    for data in ({"interprets": after["id"]}, {"language": "klingon"}):
        ack = await ada_chat.call("send", {"conversation": conversation, "client_id": "a-x", "text": "x", **data})
        assert ack["error"]["code"] == "bad_request"
    assert await server.store.messages.count_documents({"client_id": "a-x"}) == 0

    # The interpreter reaches nothing else: concerns, records, the console, other children.
    token = await sign_in(server, ina)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        for path in ("/api/concerns", f"/api/children/{amira.id}/export", f"/api/children/{amira.id}/flags",
                     f"/api/conversations/{conversation}/interpreter"):
            assert (await http.get(path)).status in {403, 404}, path
    other = await ina_chat.call("history", {"conversation": world.conversation_of(world.children[2])})
    assert other["error"]["code"] == "conversation_not_found"

    # Every read and message of theirs is in the audit trail, with the child as subject.
    assert await audited(server, "chat.history", actor=ina.id, subject=amira.id)
    assert await audited(server, "chat.conversations", actor=ina.id, subjects=amira.id)
    assert await audited(server, "chat.interpreted", actor=ina.id, subject=amira.id, **{"ids.message": message["id"]})
    assert await audited(server, "interpreting.asked", actor=ada.id, subject=amira.id)
    assert await audited(server, "interpreting.agreed", actor=amira.id, subject=amira.id)

    # The advocate's history shows the interpretation beside what it interprets.
    history = await ada_chat.call("history", {"conversation": conversation})
    by_id = {m["id"]: m for m in history["messages"]}
    assert by_id[message["id"]]["interprets"] == after["id"] and after["id"] in by_id

    # The child ends it from their page: the interpreter's socket is cut and they are refused from now on.
    async with server.http() as http:
        await sign_in(server, amira, http)
        ended = await http.post("/child/interpreter", data={"invitation": asked["id"], "action": "end"},
                                allow_redirects=False)
        assert ended.status == 303
    await eventually(lambda: not ina_chat.sio.connected)
    again = await connect(server, ina)
    assert (await again.call("conversations"))["conversations"] == []
    refused = await again.call("send", {"conversation": conversation, "client_id": "i-2", "text": "still here?"})
    assert refused["error"]["code"] == "conversation_not_found"
    [entry] = await audited(server, "interpreting.ended", actor=amira.id, subject=amira.id)
    assert entry["ids"]["was"] == "agreed"


async def test_the_child_can_say_no_and_bad_requests_change_nothing(world):
    server = world.server
    amira, ada = world.children[0], world.advocates[0]
    conversation = world.conversation_of(amira)
    ina = await add_interpreter(server)
    for body in ({"interpreter": ina.username, "minutes": 1}, {"interpreter": "nobody.here", "minutes": 30},
                 {"interpreter": ina.username, "minutes": "30"}, {"interpreter": ina.username}):
        status, answer = await api(server, ada, "POST", f"/api/conversations/{conversation}/interpreter", json=body)
        assert status == 400 and answer["error"]["code"] == "bad_request", (body, answer)
    assert await server.store.interpreting.count_documents({}) == 0
    # Someone else's conversation: the same refusal as one that does not exist.
    other = world.conversation_of(world.children[2])
    status, answer = await api(server, ada, "POST", f"/api/conversations/{other}/interpreter",
                               json={"interpreter": ina.username, "minutes": 30})
    assert status == 404 and answer["error"]["code"] == "conversation_not_found"

    asked = await invite(server, ada, conversation, ina)
    status, answer = await api(server, ada, "POST", f"/api/conversations/{conversation}/interpreter",
                               json={"interpreter": ina.username, "minutes": 30})
    assert status == 409 and answer["error"]["code"] == "interpreter_already"
    status, answer = await api(server, amira, "POST", f"/api/interpreting/{asked['id']}/answer", json={"agree": "y"})
    assert status == 400
    status, answer = await api(server, world.children[2], "POST", f"/api/interpreting/{asked['id']}/answer",
                               json={"agree": True})
    assert status == 404  # another child's: the same refusal as none at all
    status, answer = await api(server, amira, "POST", f"/api/interpreting/{asked['id']}/answer", json={"agree": False})
    assert status == 200 and answer["interpreting"]["state"] == "declined"
    ina_chat = await connect(server, ina)
    assert (await ina_chat.call("conversations"))["conversations"] == []
    assert await audited(server, "interpreting.declined", actor=amira.id, subject=amira.id)

    # Asked again, agreed with earlier messages, then ended by the advocate.
    asked = await invite(server, ada, conversation, ina)
    status, _ = await api(server, amira, "POST", f"/api/interpreting/{asked['id']}/answer",
                          json={"agree": True, "earlier": True})
    assert status == 200
    history = await ina_chat.call("history", {"conversation": conversation})
    assert any(m["text"].startswith("Your advocate would like an interpreter") for m in history["messages"])
    status, answer = await api(server, ada, "POST", f"/api/interpreting/{asked['id']}/end")
    assert status == 200 and answer["interpreting"]["state"] == "ended"
    await eventually(lambda: not ina_chat.sio.connected)
    status, answer = await api(server, ada, "POST", f"/api/interpreting/{asked['id']}/end")
    assert status == 409 and answer["error"]["code"] == "interpreter_over"
    status, answer = await api(server, world.advocates[1], "POST", f"/api/interpreting/{asked['id']}/end")
    assert status == 404


@pytest.fixture
async def redis(tmp_path):
    server = await start_redis(tmp_path)
    yield server
    await stop_process(server.process)


async def test_an_interpreter_on_another_process_loses_the_chat_when_the_time_ends(redis, database_uri,
                                                                                  database_name):
    """Invited and agreed on process one; the interpreter (and the child) are connected to process two."""
    async with start_server(database_uri, database_name, redis_url=redis.url) as one, \
            start_server(database_uri, database_name, redis_url=redis.url) as two:
        world = await seed_world(one)
        amira, ada = world.children[0], world.advocates[0]
        conversation = world.conversation_of(amira)
        ina = await add_interpreter(one)
        asked = await invite(one, ada, conversation, ina, minutes=10)
        ina_chat = await connect(two, ina)
        status, _ = await api(one, amira, "POST", f"/api/interpreting/{asked['id']}/answer", json={"agree": True})
        assert status == 200
        await ina_chat.next("conversations.changed")
        amira_chat = await connect(two, amira)
        sent = (await amira_chat.send(conversation, "can you hear me?"))["message"]
        while (await ina_chat.next("message"))["id"] != sent["id"]:
            pass

        for server in (one, two):
            server.clock.advance(timedelta(minutes=10, seconds=1))
        # From the end time itself, before any job has run, their events are refused.
        late = await ina_chat.call("send", {"conversation": conversation, "client_id": "late", "text": "late"})
        assert late["error"]["code"] == "conversation_not_found"
        for server in (one, two):
            await server.services.interpreting_job.run_once()
        await eventually(lambda: not ina_chat.sio.connected)
        assert await one.store.interpreting.count_documents({"_id": asked["id"], "state": "ended"}) == 1
        [entry] = await audited(one, "interpreting.ended", subject=amira.id)
        assert entry["actor"] == "service"
        listener = ChatClient(two)
        await listener.connect(await sign_in(two, ina))
        assert (await listener.call("conversations"))["conversations"] == []
        await amira_chat.send(conversation, "are you still there?")
        assert await listener.nothing("message", 1)
