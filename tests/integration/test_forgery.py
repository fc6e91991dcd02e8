"""Forged, replayed and cross-site requests; cookies and the headers on every response."""

from __future__ import annotations

import pytest
import socketio

from tests.support import ChatClient, child_sign_in, sign_in, start_server

FORGED = [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},  # a sandboxed frame or a data: page
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another website too
    {"Origin": "http://127.0.0.1.evil.example"},
]


@pytest.mark.parametrize("headers", FORGED, ids=[next(iter(h.items()))[1] for h in FORGED])
async def test_a_forged_cross_site_change_with_the_session_cookie_is_refused_and_changes_nothing(world, headers):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await sign_in(server, amira)  # she has chosen a PIN
    pin_before = (await server.store.children.find_one({"_id": amira.id}))["pin_sealed"]
    async with server.http() as http:
        await sign_in(server, ada, http)  # the cookie is in this jar
        for method, path in [("POST", f"/api/children/{amira.id}/reset-pin"), ("DELETE", "/api/session"),
                             ("POST", "/api/session/end"), ("POST", f"/api/children/{amira.id}/access-code")]:
            resp = await http.request(method, path, headers=headers)
            assert resp.status == 403 and (await resp.json())["error"]["code"] == "bad_origin", (method, path)
        assert (await http.get("/api/session")).status == 200, "a forged sign-out must not sign anyone out"
        resp = await http.post("/api/session/child", json=child_sign_in(amira), headers=headers)
        assert resp.status == 403, "signing someone in from another site (login CSRF) is refused too"
    assert (await server.store.children.find_one({"_id": amira.id}))["pin_sealed"] == pin_before


async def test_the_same_change_from_the_service_itself_works(world):
    server, amira = world.server, world.children[0]
    async with server.http() as http:
        await sign_in(server, world.advocates[0], http)
        resp = await http.post(f"/api/children/{amira.id}/reset-pin",
                               headers={"Origin": server.url, "Sec-Fetch-Site": "same-origin"})
        assert resp.status == 200


@pytest.mark.parametrize("content_type, body", [
    ("text/plain", '{"access_code": "X", "pin": "1234"}'),
    ("application/x-www-form-urlencoded", "access_code=X&pin=1234"),
    ("multipart/form-data; boundary=x", "--x--"),
])
async def test_bodies_another_website_could_post_without_asking_are_refused(world, content_type, body):
    amira = world.children[0]
    async with world.server.http() as http:
        resp = await http.post("/api/session/child", data=body.replace("X", amira.access_code),
                               headers={"Content-Type": content_type})
        assert resp.status == 400 and "application/json" in (await resp.json())["error"]["message"]
    assert await world.server.store.sessions.count_documents({}) == 0


async def test_a_token_replayed_after_sign_out_or_revocation_opens_nothing(world):
    server, amira = world.server, world.children[0]
    signed_out = await sign_in(server, amira)
    async with server.http(headers={"Authorization": f"Bearer {signed_out}"}) as http:
        assert (await http.delete("/api/session")).status == 200
        resp = await http.get("/api/session")
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "session_expired"
    revoked = await sign_in(server, amira)
    advocate = await sign_in(server, world.advocates[0])
    async with server.http(headers={"Authorization": f"Bearer {advocate}"}) as http:
        assert (await http.post(f"/api/children/{amira.id}/sessions/revoke")).status == 200
    for token in (signed_out, revoked):
        with pytest.raises(socketio.exceptions.ConnectionError):
            await ChatClient(server).connect(token)


@pytest.mark.parametrize("namespace", ["/chat", "/console"])
async def test_a_socket_opened_from_another_website_is_refused_even_with_a_valid_session(world, namespace):
    server = world.server
    token = await sign_in(server, world.advocates[0])
    for origin in ("https://evil.example", "null"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            await ChatClient(server, namespace).connect(token, headers={"Origin": origin})
    assert (await ChatClient(server, namespace).connect(token, headers={"Origin": server.url})).sio.connected


async def test_session_cookies_are_httponly_strict_and_secure_with_hsts_outside_local_development(
        database_uri, database_name):
    async with start_server(database_uri, database_name, secure_cookies=True) as server:
        from tests.support import seed_world

        world = await seed_world(server)
        async with server.http() as http:
            resp = await http.post("/api/session/child", json=child_sign_in(world.children[0]))
            cookie = resp.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" in cookie
            assert resp.headers["Strict-Transport-Security"].startswith("max-age=")


CSP_MUST = ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'",
            "frame-ancestors 'none'", "form-action 'self'"]


async def test_every_kind_of_response_carries_the_security_headers(world):
    server = world.server
    token = await sign_in(server, world.children[0])
    requests = [
        ("GET", "/", {}), ("GET", "/child/sign-in", {}), ("GET", "/staff/sign-in", {}),
        ("GET", "/child", {}),  # a redirect to sign in
        ("GET", "/child", {"Authorization": f"Bearer {token}"}),
        ("GET", "/console", {"Authorization": f"Bearer {token}"}),  # 403 page
        ("GET", "/no-such-page", {}), ("GET", "/api/no-such-thing", {}),
        ("GET", "/static/css/app.css", {}), ("GET", "/static/js/chat.js", {}), ("GET", "/vendor/socket.io.min.js", {}),
        ("GET", "/api/health", {}), ("GET", "/api/openapi.json", {}), ("GET", "/api/session", {}),
        ("POST", "/api/session/staff", {}), ("PUT", "/api/session", {}),
        ("GET", "/socket.io/?EIO=4&transport=polling", {}),
    ]
    async with server.http() as http:
        for method, path, headers in requests:
            async with http.request(method, path, headers=headers, allow_redirects=False) as resp:
                where = f"{method} {path} ({resp.status})"
                csp = resp.headers.get("Content-Security-Policy", "")
                assert all(part in csp for part in CSP_MUST) and "unsafe-inline" not in csp \
                    and "unsafe-eval" not in csp, where
                assert resp.headers.get("X-Content-Type-Options") == "nosniff", where
                assert resp.headers.get("Referrer-Policy") == "no-referrer", where
                assert "camera=()" in resp.headers.get("Permissions-Policy", ""), where
                assert resp.headers.get("X-Frame-Options") == "DENY", where
                server_header = resp.headers.get("Server", "")
                assert "Python" not in server_header and "aiohttp" not in server_header, where  # no versions to aim at
                if not path.startswith(("/static/", "/vendor/")):
                    assert resp.headers.get("Cache-Control") == "no-store", where
