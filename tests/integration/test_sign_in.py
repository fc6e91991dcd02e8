"""Signing in as staff and as a child, sessions, sign-out and revocation, over real HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import socketio

from tests.support import ChatClient, Person, child_sign_in, connect, otp_for, seed_world, sign_in, start_server


async def test_staff_sign_in_returns_token_role_and_an_httponly_strict_cookie(world):
    advocate = world.advocates[0]
    async with world.server.http() as http:
        resp = await http.post("/api/session/staff", json={"username": advocate.username, "password": advocate.password,
                                                           "otp": await otp_for(world.server, advocate)})
        body = await resp.json()
        assert resp.status == 200
        assert body["ok"] is True and body["role"] == "advocate" and body["token"]
        cookie = resp.headers["Set-Cookie"]
        assert "advocacy_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        me = await http.get("/api/session")
        assert (await me.json())["user"]["id"] == advocate.id


@pytest.mark.parametrize(
    "body",
    [
        {"username": "ada.advocate", "password": "wrong password"},
        {"username": "nobody", "password": "correct horse battery staple"},
        {"username": "ada.advocate"},
        {"username": 5, "password": ["x"]},
    ],
)
async def test_wrong_staff_sign_in_is_401_and_does_not_say_which_part(world, body):
    async with world.server.http() as http:
        resp = await http.post("/api/session/staff", json=body)
        assert resp.status == 401
        assert await resp.json() == {
            "ok": False, "error": {"code": "sign_in_failed", "message": "That didn't work. Check and try again."}
        }
        assert "Set-Cookie" not in resp.headers


async def test_bearer_token_authenticates_api_requests(world):
    token = await sign_in(world.server, world.advocates[0])
    async with world.server.http() as http:
        assert (await http.get("/api/session")).status == 401
        resp = await http.get("/api/session", headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 200 and (await resp.json())["role"] == "advocate"


async def test_child_chooses_pin_on_first_sign_in_then_needs_it(world):
    child = world.children[0]
    async with world.server.http() as http:
        first = await http.post("/api/session/child", json=child_sign_in(
            child, access_code=child.access_code.lower().replace("-", " "), setup_word=child.setup_word.lower(),
            pin_again=child.pin))
        assert first.status == 200
        assert (await first.json())["first_sign_in"] is True
        again = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert again.status == 200 and (await again.json())["first_sign_in"] is False
        wrong = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": "0000"})
        assert wrong.status == 401 and (await wrong.json())["error"]["code"] == "sign_in_failed"
        unknown = await http.post("/api/session/child", json={"access_code": "AAAA-AAAA", "pin": child.pin})
        assert (await unknown.json()) == (await wrong.json())


async def test_a_new_code_without_its_setup_word_is_no_use_to_whoever_guesses_it(world):
    server, child = world.server, world.children[0]
    async with server.http() as http:
        for body in [{"access_code": child.access_code, "pin": "1111"},
                     child_sign_in(child, pin="1111", setup_word="WRONG9")]:
            resp = await http.post("/api/session/child", json=body)
            assert resp.status == 401 and (await resp.json())["error"]["code"] == "sign_in_failed"
    record = await server.store.children.find_one({"_id": child.id})
    assert record["pin_sealed"] is None and await server.store.sessions.count_documents({}) == 0
    await sign_in(server, child)  # with the setup word, the child still chooses their own PIN


async def test_first_pin_must_be_4_to_8_digits_typed_twice_alike_and_nothing_is_saved_otherwise(world):
    child = world.children[0]
    async with world.server.http() as http:
        for pin in ["12", "abcd", "123456789", ""]:
            resp = await http.post("/api/session/child", json=child_sign_in(child, pin=pin))
            assert resp.status == 400
            assert (await resp.json())["error"]["code"] == "pin_invalid"
        resp = await http.post("/api/session/child", json=child_sign_in(child, pin_again="1358"))
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "pins_differ"
    record = await world.server.store.children.find_one({"_id": child.id})
    assert record["pin_sealed"] is None and record["pin_failures"] == 0


async def wrong_pins(server, child, count):
    async with server.http() as http:
        answers = []
        for _ in range(count):
            resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": "9999"})
            answers.append((resp.status, (await resp.json())["error"]["code"]))
        return answers


async def test_repeated_wrong_pins_warn_at_the_last_try_then_lock_until_the_advocate_resets_it(world):
    server, child = world.server, world.children[0]
    await sign_in(server, child)  # sets the PIN
    limit = server.settings.pin_max_failures
    answers = await wrong_pins(server, child, limit)
    assert answers == [(401, "sign_in_failed")] * (limit - 2) + [(401, "last_try"), (429, "code_locked")]
    async with server.http() as http:
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        body = await resp.json()
        assert resp.status == 429, "even the right PIN is refused while locked"
        assert body["error"]["code"] == "code_locked" and "advocate" in body["error"]["message"]
        # The lock does not lift itself.
        server.clock.advance(timedelta(days=3))
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert resp.status == 429

    advocate_token = await sign_in(server, world.advocates[0])
    async with server.http(headers={"Authorization": f"Bearer {advocate_token}"}) as staff:
        resp = await staff.post(f"/api/children/{child.id}/reset-pin")
        assert resp.status == 200
        word = (await resp.json())["setup_word"]
    async with server.http() as http:
        resp = await http.post("/api/session/child", json=child_sign_in(child, pin="1357", setup_word=child.setup_word))
        assert resp.status == 401, "the setup word of the first PIN works once"
        resp = await http.post("/api/session/child", json=child_sign_in(child, pin="1357", setup_word=word))
        assert resp.status == 200 and (await resp.json())["first_sign_in"] is True


async def test_an_unknown_code_answers_every_try_exactly_as_a_real_one_does(world):
    server, child = world.server, world.children[0]
    await sign_in(server, child)
    made_up = Person("nobody", "Nobody", "child", access_code="KKKK-KKKK", pin="1234")
    limit = server.settings.pin_max_failures
    expected = [(401, "sign_in_failed")] * (limit - 2) + [(401, "last_try"), (429, "code_locked"), (429, "code_locked")]
    assert await wrong_pins(server, child, limit + 1) == expected
    assert await wrong_pins(server, made_up, limit + 1) == expected
    assert await wrong_pins(server, world.children[1], limit + 1) == expected  # a real code, no PIN chosen yet
    # Tries at made-up codes are counted in expiring records, not in the audit trail.
    assert await server.store.audit.count_documents({"actor": "unknown", "action": "sign_in.child"}) == 0


async def test_a_burst_of_parallel_pin_guesses_gets_no_more_checks_than_the_limit(world):
    server, child = world.server, world.children[0]
    await sign_in(server, child)
    limit = server.settings.pin_max_failures
    guesses = [f"{n:04d}" for n in range(1300, 1324)] + [child.pin]  # the right one last

    async def guess(http, pin):
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": pin})
        return resp.status, (await resp.json()).get("error", {}).get("code")

    async with server.http() as http:
        answers = await asyncio.gather(*(guess(http, pin) for pin in guesses))
    checked = [a for a in answers if a[1] in {"sign_in_failed", "last_try", None}]
    assert len(checked) <= limit, answers
    assert (200, None) not in answers, "the right PIN, sent after the limit, is refused unchecked"
    async with server.http() as http:
        assert (await guess(http, child.pin)) == (429, "code_locked")


async def test_one_client_address_may_make_only_so_many_failed_child_sign_in_tries(database_uri, database_name):
    async with start_server(database_uri, database_name, child_tries_per_client=6) as server:
        world = await seed_world(server)
        codes = ["AAAA-AAAA", "CCCC-CCCC", "DDDD-DDDD"]
        async with server.http() as http:
            answers = []
            for i in range(8):
                resp = await http.post("/api/session/child", json={"access_code": codes[i % 3], "pin": "1234"})
                answers.append(resp.status)
            assert answers == [401] * 6 + [429] * 2
            resp = await http.post("/api/session/child", json=child_sign_in(world.children[0]))
            assert resp.status == 429 and (await resp.json())["error"]["code"] == "too_many_tries"
            server.clock.advance(timedelta(minutes=server.settings.child_tries_window_minutes))
            resp = await http.post("/api/session/child", json=child_sign_in(world.children[0]))
            assert resp.status == 200


async def test_made_up_usernames_and_codes_leave_a_bounded_number_of_expiring_records_and_no_audit(
    database_uri, database_name
):
    async with start_server(database_uri, database_name, staff_max_failures=4, child_tries_per_client=4) as server:
        await seed_world(server)
        store = server.store
        audited = await store.audit.count_documents({})
        answers = set()
        async with server.http() as http:
            for n in range(40):
                resp = await http.post("/api/session/staff", json={"username": f"made.up.{n}", "password": "x" * 12})
                answers.add((resp.status, (await resp.json())["error"]["code"]))
                resp = await http.post("/api/session/child", json={"access_code": f"KK{n:02d}-KKKK", "pin": "1234"})
                answers.add((resp.status, (await resp.json())["error"]["code"]))
        assert answers == {(401, "sign_in_failed"), (429, "too_many_tries")}
        records = await store.sign_in_attempts.find({}).to_list(None)
        # one per username or code let through by the client limits, plus one per client limit
        assert len(records) <= 4 + 4 + 2, len(records)
        now = server.clock.now()
        assert all(r["expires_at"].replace(tzinfo=now.tzinfo) > now for r in records)
        indexes = (await store.sign_in_attempts.index_information()).values()
        assert [i.get("expireAfterSeconds") for i in indexes if i["key"] == [("expires_at", 1)]] == [0]
        assert await store.audit.count_documents({}) == audited, "no audit entry for names or codes no one has"


async def test_only_the_childs_own_advocate_or_their_manager_can_reset_a_pin(world):
    server, child = world.server, world.children[0]  # paired to advocates[0], managed by world.manager
    for person, expected in [(world.advocates[1], 404), (world.other_manager, 404), (world.manager, 200),
                             (world.children[1], 403)]:
        token = await sign_in(server, person)
        async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
            resp = await http.post(f"/api/children/{child.id}/reset-pin")
            assert resp.status == expected, person.username


@pytest.mark.parametrize("action", ["reset-pin", "access-code"])
async def test_a_new_code_or_a_pin_reset_ends_the_childs_sessions_and_closes_their_chat(world, action):
    server, child = world.server, world.children[2]
    token = await sign_in(server, child)
    chat = await connect(server, child)
    staff_token = await sign_in(server, world.advocates[1])
    async with server.http(headers={"Authorization": f"Bearer {staff_token}"}) as staff:
        assert (await staff.post(f"/api/children/{child.id}/{action}")).status == 200
    await chat.next("signed_out")
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        assert (await http.get("/api/session")).status == 401
    assert await server.store.sessions.count_documents({"user": child.id, "revoked_at": None}) == 0


async def test_new_access_code_replaces_the_old_one(world):
    server, child = world.server, world.children[2]
    await sign_in(server, child)
    token = await sign_in(server, world.advocates[1])
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as staff:
        resp = await staff.post(f"/api/children/{child.id}/access-code")
        issued = await resp.json()
    async with server.http() as http:
        old = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert old.status == 401
        new = await http.post("/api/session/child", json={"access_code": issued["access_code"], "pin": "8642",
                                                          "setup_word": issued["setup_word"]})
        assert new.status == 200


async def test_sign_out_ends_the_session(world):
    server = world.server
    async with server.http() as http:
        await sign_in(server, world.children[0], http)
        assert (await http.get("/api/session")).status == 200
        assert (await http.delete("/api/session")).status == 200
        assert (await http.get("/api/session")).status == 401


async def test_expired_session_is_refused_for_http_and_chat(world):
    server = world.server
    token = await sign_in(server, world.advocates[0])
    server.clock.advance(timedelta(hours=server.settings.staff_session_hours, minutes=1))
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        resp = await http.get("/api/session")
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "session_expired"
    client = ChatClient(server)
    reasons = []
    client.sio.on("connect_error", lambda data: reasons.append(data), namespace="/chat")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(token)
    assert reasons[0]["data"]["code"] == "session_expired"


async def test_lost_phone_revoking_a_childs_sessions_closes_their_chat(world):
    server, child = world.server, world.children[0]
    child_chat = await connect(server, child)
    token = await sign_in(server, world.advocates[0])
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as staff:
        resp = await staff.post(f"/api/children/{child.id}/sessions/revoke")
        assert (await resp.json())["revoked"] == 1
    await child_chat.next("signed_out")
    for _ in range(50):
        if not child_chat.sio.connected:
            break
        await __import__("asyncio").sleep(0.05)
    assert not child_chat.sio.connected


async def test_cross_site_post_with_the_cookie_is_refused(world):
    server = world.server
    async with server.http() as http:
        await sign_in(server, world.advocates[0], http)
        resp = await http.post(f"/api/children/{world.children[0].id}/reset-pin",
                               headers={"Origin": "https://evil.example"})
        assert resp.status == 403 and (await resp.json())["error"]["code"] == "bad_origin"
        same = await http.post(f"/api/children/{world.children[0].id}/reset-pin", headers={"Origin": server.url})
        assert same.status == 200


async def test_pages_carry_strict_security_headers(world):
    async with world.server.http() as http:
        for path in ["/", "/child/sign-in", "/staff/sign-in", "/api/health"]:
            resp = await http.get(path)
            assert resp.status == 200, path
            csp = resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["Referrer-Policy"] == "no-referrer"
            assert "Permissions-Policy" in resp.headers


async def test_signed_out_visitors_are_sent_to_sign_in(world):
    async with world.server.http() as http:
        resp = await http.get("/child", allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == "/child/sign-in"
        resp = await http.get("/console", allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == "/staff/sign-in"


async def test_a_child_cannot_open_the_console(world):
    async with world.server.http() as http:
        await sign_in(world.server, world.children[0], http)
        resp = await http.get("/console")
        assert resp.status == 403


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(database_uri, database_name):
    async with start_server(database_uri, database_name, child_tries_per_client=2,
                            trusted_proxies="127.0.0.1") as server:
        async with server.http() as http:

            async def attempt(client):
                resp = await http.post("/api/session/child", json={"access_code": "AAAA-AAAA", "pin": "1234"},
                                       headers={"X-Forwarded-For": f"198.51.100.200, {client}"})
                return resp.status

            assert [await attempt("203.0.113.1") for _ in range(3)] == [401, 401, 429]
            assert await attempt("203.0.113.2") == 401, "another child behind the same proxy is not held back"
