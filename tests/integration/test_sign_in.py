"""Signing in as staff and as a child, sessions, sign-out and revocation, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
import socketio

from tests.support import ChatClient, connect, otp_for, sign_in


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
        first = await http.post("/api/session/child", json={"access_code": child.access_code.lower().replace("-", " "),
                                                             "pin": child.pin})
        assert first.status == 200
        assert (await first.json())["first_sign_in"] is True
        again = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert again.status == 200 and (await again.json())["first_sign_in"] is False
        wrong = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": "0000"})
        assert wrong.status == 401 and (await wrong.json())["error"]["code"] == "sign_in_failed"
        unknown = await http.post("/api/session/child", json={"access_code": "AAAA-AAAA", "pin": child.pin})
        assert (await unknown.json()) == (await wrong.json())


async def test_first_pin_must_be_4_to_8_digits_and_nothing_is_saved_otherwise(world):
    child = world.children[0]
    async with world.server.http() as http:
        for pin in ["12", "abcd", "123456789", ""]:
            resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": pin})
            assert resp.status == 400
            assert (await resp.json())["error"]["code"] == "pin_invalid"
    record = await world.server.store.children.find_one({"_id": child.id})
    assert record["pin_hash"] is None


async def test_repeated_wrong_pins_lock_the_code_until_the_advocate_resets_it(world):
    server, child = world.server, world.children[0]
    await sign_in(server, child)  # sets the PIN
    limit = server.settings.pin_max_failures
    async with server.http() as http:
        for _ in range(limit - 1):
            resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": "9999"})
            assert resp.status == 401
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": "9999"})
        assert resp.status == 429
        body = await resp.json()
        assert body["error"]["code"] == "code_locked" and "advocate" in body["error"]["message"]
        # Even the right PIN is refused while locked.
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert resp.status == 429

    advocate_token = await sign_in(server, world.advocates[0])
    async with server.http(headers={"Authorization": f"Bearer {advocate_token}"}) as staff:
        assert (await staff.post(f"/api/children/{child.id}/reset-pin")).status == 200
    async with server.http() as http:
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": "1357"})
        assert resp.status == 200 and (await resp.json())["first_sign_in"] is True


async def test_lock_ends_by_itself_after_the_lockout(world):
    server, child = world.server, world.children[0]
    await sign_in(server, child)
    lockout = timedelta(minutes=server.settings.pin_lockout_minutes)
    async with server.http() as http:
        for _ in range(server.settings.pin_max_failures):
            resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": "9999"})
        assert resp.status == 429 and (await resp.json())["error"]["code"] == "code_locked"
        # Still locked, even for the right PIN, a minute before the lockout ends.
        server.clock.advance(lockout - timedelta(minutes=1))
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert resp.status == 429 and (await resp.json())["error"]["code"] == "code_locked"
        server.clock.advance(timedelta(minutes=2))
        resp = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert resp.status == 200


async def test_only_the_childs_own_advocate_or_their_manager_can_reset_a_pin(world):
    server, child = world.server, world.children[0]  # paired to advocates[0], managed by world.manager
    for person, expected in [(world.advocates[1], 404), (world.other_manager, 404), (world.manager, 200),
                             (world.children[1], 403)]:
        token = await sign_in(server, person)
        async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
            resp = await http.post(f"/api/children/{child.id}/reset-pin")
            assert resp.status == expected, person.username


async def test_new_access_code_replaces_the_old_one(world):
    server, child = world.server, world.children[2]
    await sign_in(server, child)
    token = await sign_in(server, world.advocates[1])
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as staff:
        resp = await staff.post(f"/api/children/{child.id}/access-code")
        new_code = (await resp.json())["access_code"]
    async with server.http() as http:
        old = await http.post("/api/session/child", json={"access_code": child.access_code, "pin": child.pin})
        assert old.status == 401
        new = await http.post("/api/session/child", json={"access_code": new_code, "pin": "8642"})
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
