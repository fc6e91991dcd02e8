"""The console's tools (issue 20 item 9) on the real server with real clients: the team's saved replies,
search of one's own conversations and concerns, cover by hand with the child told, the list's filters."""

from __future__ import annotations

import json
from datetime import timedelta

from advocacy.edge.site_views import OPENAPI_PATH
from tests.support import ChatClient, add_advocate, api, connect, sign_in

OPENAPI = json.loads(OPENAPI_PATH.read_text())


def check(method: str, path: str, status: int, body: dict) -> None:
    import jsonschema

    documented = OPENAPI["paths"][path][method]["responses"][str(status)]
    schema = {**documented["content"]["application/json"]["schema"], "components": OPENAPI["components"]}
    jsonschema.Draft202012Validator(schema).validate(body)


async def audit_text(server) -> str:
    return json.dumps([e async for e in server.store.audit.find({}, {"_id": 0})], default=str)


# saved replies -----------------------------------------------------------------------------

HOSTILE = ('<p onclick="steal()">Hi <strong>there</strong>, <script>alert(1)</script>'
           '<a href="javascript:alert(2)">click</a> <img src=x onerror="alert(3)">'
           '<a href="https://www.childline.org.uk">Childline</a></p><ul><li>one</li><li>two</li></ul>')


async def test_a_saved_reply_is_cleaned_on_the_way_in_and_kept_for_its_team_only(world):
    server, ada, ben, mo = world.server, world.advocates[0], world.advocates[1], world.manager
    status, body = await api(server, ada, "POST", "/api/canned-replies",
                             json={"title": " Say  hello ", "body": HOSTILE})
    check("post", "/api/canned-replies", status, body)
    assert status == 201, body
    reply = body["reply"]
    assert reply["title"] == "Say hello"
    for bad in ("script", "onclick", "onerror", "javascript:", "<img"):
        assert bad not in reply["body"], bad
    assert '<a href="https://www.childline.org.uk" rel="nofollow noopener noreferrer">Childline</a>' in reply["body"]
    assert reply["text"] == "Hi there, alert(1)click Childline (https://www.childline.org.uk)\n\n- one\n- two"
    stored = await server.store.canned_replies.find_one({"_id": reply["id"]})
    assert stored["team"] == mo.id and stored["body"] == reply["body"]

    for person, expected in ((ada, [reply["id"]]), (mo, [reply["id"]]), (ben, [])):
        status, listing = await api(server, person, "GET", "/api/canned-replies")
        check("get", "/api/canned-replies", status, listing)
        assert [r["id"] for r in listing["replies"]] == expected, person.name

    # the page shows it rendered from the cleaned text: no script, no handler
    async with server.http(headers={"Authorization": f"Bearer {await sign_in(server, mo)}"}) as http:
        page = await (await http.get("/console/replies")).text()
    assert "<strong>there</strong>" in page and "onclick" not in page and "<script>alert" not in page


async def test_bad_replies_are_refused_with_what_is_wrong_and_nothing_is_stored(world):
    server, ada = world.server, world.advocates[0]
    limit = server.settings.max_message_chars
    for bad, words in [
        ({"body": "Hi"}, '"title" is needed'),
        ({"title": "T", "body": "   "}, '"body" is needed'),
        ({"title": "T", "body": "<script></script><img src=x>"}, "no words left"),
        ({"title": "T", "body": "x" * (limit + 1)}, "too long to send as one message"),
        ({"title": "x" * 121, "body": "Hi"}, '"title" is too long'),
        ({"title": "T", "body": "Hi", "colour": "red"}, "'colour' is not something a reply has"),
        ({"title": 5, "body": ["Hi"]}, '"title" is needed'),
    ]:
        status, body = await api(server, ada, "POST", "/api/canned-replies", json=bad)
        assert status == 400 and body["error"]["code"] == "reply_invalid", (bad, body)
        assert words in body["error"]["message"] and "Nothing was saved" in body["error"]["message"]
    status, body = await api(server, ada, "POST", "/api/canned-replies", data="title=T")
    assert status == 400 and body["error"]["code"] == "bad_request"
    assert await server.store.canned_replies.count_documents({}) == 0


async def test_a_reply_is_changed_by_its_author_or_the_manager_only_and_every_change_is_audited(world):
    server, ada, ben, mo = world.server, world.advocates[0], world.advocates[1], world.manager
    pat = await add_advocate(server, "pat.spare", "Pat Spare", mo)
    _, body = await api(server, ada, "POST", "/api/canned-replies",
                        json={"title": "Hello", "body": "A secret phrase nobody logs"})
    reply = body["reply"]["id"]
    status, body = await api(server, ben, "PUT", f"/api/canned-replies/{reply}", json={"title": "Mine"})
    assert status == 404 and body["error"]["code"] == "reply_not_found"  # another team's: as if it did not exist
    status, body = await api(server, pat, "PUT", f"/api/canned-replies/{reply}", json={"title": "Mine"})
    assert status == 403 and "Only whoever wrote this reply" in body["error"]["message"]
    status, body = await api(server, pat, "DELETE", f"/api/canned-replies/{reply}")
    assert status == 403
    status, body = await api(server, mo, "PUT", f"/api/canned-replies/{reply}", json={"body": "<em>Hi</em> again"})
    check("put", "/api/canned-replies/{reply}", status, body)
    assert status == 200 and body["reply"]["title"] == "Hello" and body["reply"]["body"] == "<em>Hi</em> again"
    assert body["reply"]["text"] == "Hi again"
    status, body = await api(server, ada, "PUT", f"/api/canned-replies/{reply}", json={})
    assert status == 400 and body["error"]["code"] == "reply_invalid"
    status, body = await api(server, ada, "DELETE", f"/api/canned-replies/{reply}")
    check("delete", "/api/canned-replies/{reply}", status, body)
    assert status == 200 and await server.store.canned_replies.count_documents({}) == 0
    actions = [e["action"] async for e in server.store.audit.find({"action": {"$regex": "^reply\\."}})]
    assert actions == ["reply.created", "reply.changed", "reply.removed"]
    assert "secret phrase" not in await audit_text(server)


# search ------------------------------------------------------------------------------------


async def test_search_finds_only_my_own_childrens_words_and_audits_without_the_words(world):
    server, ada, ben = world.server, world.advocates[0], world.advocates[1]
    amira, billy, cara = world.children
    amira_chat, cara_chat = await connect(server, amira), await connect(server, cara)
    ada_chat = await connect(server, ada)
    assert (await amira_chat.send(world.conversation_of(amira), "I really miss my BROTHER Sam"))["ok"]
    assert (await ada_chat.send(world.conversation_of(amira), "We'll ask about seeing your brother"))["ok"]
    assert (await cara_chat.send(world.conversation_of(cara), "my brother lives far away"))["ok"]
    status, _ = await api(server, ada, "POST", "/api/concerns", json={
        "child": billy.id, "category": "contact", "severity": "standard",
        "child_words": "I want to phone my big brother", "child_wants": "Calls on Sundays"})
    assert status == 201

    status, found = await api(server, ada, "GET", "/api/search?q=Brother")
    check("get", "/api/search", status, found)
    assert status == 200 and found["complete"] is True
    assert sorted((m["child_name"], m["from"]) for m in found["messages"]) == [("Amira", "advocate"),
                                                                                 ("Amira", "child")]
    assert all(m["conversation"] == world.conversation_of(amira) for m in found["messages"])
    assert "BROTHER" in next(m["words"] for m in found["messages"] if m["from"] == "child")
    [concern] = found["concerns"]
    assert (concern["child_name"], concern["found_in"]) == ("Billy", "child_words")
    assert concern["conversation"] == world.conversation_of(billy)
    assert "Cara" not in json.dumps(found) and "far away" not in json.dumps(found)

    _, theirs = await api(server, ben, "GET", "/api/search?q=brother")
    assert [m["child_name"] for m in theirs["messages"]] == ["Cara"] and theirs["concerns"] == []

    entries = [e async for e in server.store.audit.find({"action": "search.run"})]
    assert [e["actor"] for e in entries] == [ada.id, ben.id]
    assert sorted(entries[0]["subjects"]) == sorted([amira.id, billy.id])
    assert entries[0]["ids"]["found"] == 3
    assert "rother" not in await audit_text(server)


async def test_a_bad_search_is_refused_and_a_child_cannot_search(world):
    server, ada, amira = world.server, world.advocates[0], world.children[0]
    for query in ("", "?q=", "?q=a", "?q=" + "x" * 101):
        status, body = await api(server, ada, "GET", "/api/search" + query)
        assert status == 400 and body["error"]["code"] == "bad_request", query
        assert "2 to 100 characters" in body["error"]["message"]
    status, body = await api(server, amira, "GET", "/api/search?q=brother")
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert await server.store.audit.count_documents({"action": "search.run"}) == 0


# cover by hand -----------------------------------------------------------------------------


async def test_a_conversation_handed_to_a_colleague_is_theirs_until_the_time_is_up_and_the_child_is_told(world):
    server, ada, mo = world.server, world.advocates[0], world.manager
    billy = world.children[1]
    conversation = world.conversation_of(billy)
    pat = await add_advocate(server, "pat.spare", "Pat Spare", mo)
    pat_token = await sign_in(server, pat)
    billy_chat = await connect(server, billy)

    pat_chat = await ChatClient(server).connect(pat_token)
    refused = await pat_chat.call("history", {"conversation": conversation})
    assert refused["error"]["code"] == "conversation_not_found"

    status, body = await api(server, ada, "POST", f"/api/children/{billy.id}/cover", json={"cover": pat.id, "hours": 2})
    check("post", "/api/children/{child}/cover", status, body)
    assert status == 201 and body["cover"]["cover"] == {"id": pat.id, "name": "Pat Spare"}
    told = await billy_chat.next("message")
    assert told["sender"]["role"] == "service"
    assert told["text"].startswith("For a while, Pat will answer your messages instead of Ada, until ")
    assert told["text"].endswith("You can write here as usual.")

    # Pat may read and answer Billy now (the socket joined the room when access changed)
    assert (await pat_chat.call("history", {"conversation": conversation}))["ok"] is True
    answer = await pat_chat.send(conversation, "Hi Billy, it's Pat")
    assert answer["ok"] is True, answer
    assert (await billy_chat.next("message"))["text"] == "Hi Billy, it's Pat"

    # someone covers Billy already: refused, with who and until when, and nothing changed
    covers_before = await server.store.covers.count_documents({})
    status, body = await api(server, mo, "POST", f"/api/children/{billy.id}/cover", json={"cover": pat.id, "hours": 5})
    assert status == 409 and body["error"]["code"] == "already_covered"
    assert body["error"]["message"].startswith("Pat Spare is covering this child already, until ")
    assert await server.store.covers.count_documents({}) == covers_before

    # on time: access ends, the child is told their advocate is back
    server.clock.advance(timedelta(hours=2, seconds=1))
    assert (await pat_chat.call("history", {"conversation": conversation}))["error"]["code"] == \
        "conversation_not_found"
    await server.services.hand_overs.tick()  # (the server's own job may have run it already: either ends it)
    assert (await billy_chat.next("message"))["text"] == "Ada is back, so Ada is looking after you again."
    assert await server.services.hand_overs.tick() == 0  # told once
    assert await billy_chat.nothing("message")
    kinds = [n["kind"] async for n in server.store.notifications.find({"to": pat.id}).sort("created_at", 1)]
    assert kinds == ["child.cover_started", "child.cover_ended"]
    actions = [e["action"] async for e in server.store.audit.find({"subject": billy.id,
                                                                   "action": {"$regex": "^child\\.cover"}})]
    assert actions == ["child.cover"]

    # the child's own copy of their records shows the cover
    status, body = await api(server, ada, "GET", f"/api/children/{billy.id}/export")
    covers = json.dumps(body["export"]["more"], ensure_ascii=False)
    assert "Pat Spare" in covers


async def test_a_cover_by_hand_can_end_early_and_wrong_hand_overs_are_refused_changing_nothing(world):
    server, ada, ben, mo = world.server, world.advocates[0], world.advocates[1], world.manager
    billy = world.children[1]
    pat = await add_advocate(server, "pat.spare", "Pat Spare", mo)
    billy_chat = await connect(server, billy)
    for body, words in [
        ({"cover": pat.id, "hours": 0}, '"hours" is needed'),
        ({"cover": pat.id, "hours": 337}, '"hours" is needed'),
        ({"cover": pat.id, "hours": "2"}, '"hours" is needed'),
        ({"cover": ben.id, "hours": 2}, "an advocate in the same team"),  # Ola's team, not Mo's
        ({"cover": ada.id, "hours": 2}, "the child's own advocate"),
        ({"hours": 2}, '"cover" is needed'),
    ]:
        status, answer = await api(server, ada, "POST", f"/api/children/{billy.id}/cover", json=body)
        assert status == 400 and answer["error"]["code"] == "cover_invalid", (body, answer)
        assert words in answer["error"]["message"] and "Nothing was changed" in answer["error"]["message"]
    status, answer = await api(server, ben, "POST", f"/api/children/{billy.id}/cover", json={"cover": pat.id,
                                                                                             "hours": 2})
    assert status == 404  # not Ben's child
    status, answer = await api(server, ada, "DELETE", f"/api/children/{billy.id}/cover")
    assert status == 404 and "Nobody is covering this child by hand" in answer["error"]["message"]
    assert await server.store.covers.count_documents({}) == 0
    assert await billy_chat.nothing("message")

    status, _ = await api(server, mo, "POST", f"/api/children/{billy.id}/cover", json={"cover": pat.id, "hours": 8})
    assert status == 201
    assert (await billy_chat.next("message"))["text"].startswith("For a while, Pat will answer")
    status, body = await api(server, mo, "DELETE", f"/api/children/{billy.id}/cover")
    check("delete", "/api/children/{child}/cover", status, body)
    assert status == 200
    assert (await billy_chat.next("message"))["text"] == "Ada is back, so Ada is looking after you again."
    assert await server.services.hand_overs.tick() == 0  # ended already, told once


async def test_the_child_is_told_of_a_cover_in_their_own_language(world):
    server, ada, mo = world.server, world.advocates[0], world.manager
    billy = world.children[1]
    pat = await add_advocate(server, "pat.spare", "Pat Spare", mo)
    await server.store.children.update_one({"_id": billy.id}, {"$set": {"language": "vi"}})
    billy_chat = await connect(server, billy)
    status, _ = await api(server, ada, "POST", f"/api/children/{billy.id}/cover", json={"cover": pat.id, "hours": 3})
    assert status == 201
    told = await billy_chat.next("message")
    assert told["text"].startswith("Trong một thời gian, Pat sẽ trả lời tin nhắn của bạn thay cho Ada")


# the list's filters -------------------------------------------------------------------------


async def test_the_list_of_children_is_filtered_in_one_request(world):
    server, ada = world.server, world.advocates[0]
    amira, billy, _ = world.children
    amira_chat = await connect(server, amira)
    assert (await amira_chat.send(world.conversation_of(amira), "Are you there?"))["ok"]
    server.clock.advance(timedelta(minutes=5))
    billy_chat = await connect(server, billy)
    assert (await billy_chat.send(world.conversation_of(billy), "Hello"))["ok"]
    assert (await billy_chat.send(world.conversation_of(billy), "Me again"))["ok"]
    status, _ = await api(server, ada, "POST", "/api/concerns", json={
        "child": billy.id, "category": "feeling_safe", "severity": "urgent",
        "child_words": "I don't feel safe", "child_wants": "Help"})
    assert status == 201

    status, body = await api(server, ada, "GET", "/api/console/children?filter=waiting")
    check("get", "/api/console/children", status, body)
    assert [c["child"] for c in body["children"]] == [amira.id, billy.id]  # waiting longest first
    _, body = await api(server, ada, "GET", "/api/console/children?filter=unread")
    assert [(c["child"], c["unread"]) for c in body["children"]] == [(billy.id, 2), (amira.id, 1)]
    _, body = await api(server, ada, "GET", "/api/console/children?filter=concern_due")
    [due] = body["children"]
    assert due["child"] == billy.id and ": due in " in due["concern_due"]["words"] and not due["concern_due"]["late"]
    _, body = await api(server, ada, "GET", "/api/console/children")
    assert {c["child"] for c in body["children"]} == {amira.id, billy.id}

    # Ada answers Amira: no longer waiting; she reads Billy's messages: no longer unread
    ada_chat = await connect(server, ada)
    assert (await ada_chat.send(world.conversation_of(amira), "Yes, I'm here"))["ok"]
    history = await ada_chat.call("history", {"conversation": world.conversation_of(billy)})
    await ada_chat.call("read", {"conversation": world.conversation_of(billy), "up_to": history["messages"][-1]["id"]})
    _, body = await api(server, ada, "GET", "/api/console/children?filter=waiting")
    assert [c["child"] for c in body["children"]] == [billy.id]
    _, body = await api(server, ada, "GET", "/api/console/children?filter=unread")
    assert [c["child"] for c in body["children"]] == [amira.id]  # answered, but her message not yet marked read

    status, body = await api(server, ada, "GET", "/api/console/children?filter=everything")
    assert status == 400 and body["error"]["code"] == "bad_request" and "unread" in body["error"]["message"]


async def test_a_search_opens_no_more_than_its_bound_and_says_so(world, monkeypatch):
    from advocacy.search import service as search_service

    server, ada, amira = world.server, world.advocates[0], world.children[0]
    monkeypatch.setattr(search_service, "MESSAGES_SEARCHED", 2)  # the bound, made small enough to reach
    chat = await connect(server, amira)
    for text in ("my bike was taken", "nothing else", "still nothing"):
        assert (await chat.send(world.conversation_of(amira), text))["ok"]
    _, found = await api(server, ada, "GET", "/api/search?q=bike")
    assert found["messages"] == [] and found["searched"]["messages"] == 2 and found["complete"] is False
    _, found = await api(server, ada, "GET", "/api/search?q=nothing")
    assert len(found["messages"]) == 2 and found["complete"] is False


async def test_the_words_searched_for_are_never_logged_or_kept(world, caplog):
    import logging

    server, ada, amira = world.server, world.advocates[0], world.children[0]
    caplog.set_level(logging.DEBUG)
    chat = await connect(server, amira)
    assert (await chat.send(world.conversation_of(amira), "the zebracrossing by my school"))["ok"]
    _, found = await api(server, ada, "GET", "/api/search?q=zebracrossing")
    assert len(found["messages"]) == 1
    assert "zebracrossing" not in caplog.text
    assert "zebracrossing" not in await audit_text(server)
