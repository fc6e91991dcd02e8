"""Staff sign in with a password and an authenticator code; enrolment, recovery codes, slow-down and lock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pyotp
import pytest

from advocacy.auth.accounts import create_staff
from advocacy.errors import ServiceError
from tests.support import PASSWORD, Person, child_sign_in, otp_for, sign_in


async def post(server, path, body, token=None, http=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (http or server.http()) as client:
        resp = await client.post(path, json=body, headers=headers)
        return resp.status, await resp.json(), resp.headers


async def new_staff(server, username="nia.advocate", role="advocate") -> Person:
    doc = await create_staff(server.store, server.clock, username=username, password=PASSWORD, name="Nia New",
                             role=role)
    return Person(doc["_id"], "Nia New", role, username=username, password=PASSWORD)


def code(secret: str, server, ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(server.clock.now() + timedelta(seconds=30 * ahead))


async def test_first_sign_in_sets_up_the_authenticator_with_a_qr_code_then_codes_are_needed(world):
    server = world.server
    nia = await new_staff(server)
    async with server.http() as http:
        resp = await http.post("/api/session/staff", json={"username": nia.username, "password": PASSWORD})
        assert resp.status == 202
        started = await resp.json()
        assert started["enrolment_needed"] is True and started["next"] == "/staff/enrol" and "token" not in started
        cookie = resp.headers["Set-Cookie"]
        assert "advocacy_enrol=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        secret = started["enrolment"]["secret"]
        assert pyotp.parse_uri(started["enrolment"]["otpauth_uri"]).secret == secret

        page = await http.get("/staff/enrol")
        html = await page.text()
        assert page.status == 200 and 'src="data:image/svg+xml' in html and "<script>" not in html
        assert page.headers["Cache-Control"] == "no-store"
        assert "img-src 'self' data:" in page.headers["Content-Security-Policy"]

        wrong = await http.post("/api/session/staff/enrol", json={"otp": "000000"})
        assert wrong.status == 400 and (await wrong.json())["error"]["code"] == "otp_wrong"
        used = code(secret, server)  # held, so a window passing between steps cannot swap in a fresh code
        next_one = code(secret, server, 1)
        done = await http.post("/api/session/staff/enrol", json={"otp": used})
        body = await done.json()
        assert done.status == 200 and body["role"] == "advocate" and len(set(body["recovery_codes"])) == 10
        assert (await http.get("/api/session")).status == 200
        again = await http.post("/api/session/staff/enrol", json={"otp": next_one})
        assert again.status == 401 and (await again.json())["error"]["code"] == "enrolment_expired"

    status, body, _ = await post(server, "/api/session/staff", {"username": nia.username, "password": PASSWORD})
    assert status == 401 and body["error"]["code"] == "sign_in_failed"  # a code is needed from now on
    status, body, _ = await post(server, "/api/session/staff",
                                 {"username": nia.username, "password": PASSWORD, "otp": used})
    assert status == 401, "the code used to finish setting up must not work a second time"
    status, body, _ = await post(server, "/api/session/staff",
                                 {"username": nia.username, "password": PASSWORD, "otp": next_one})
    assert status == 200 and body["token"]
    stored = await server.store.staff.find_one({"_id": nia.id})
    assert secret.encode() not in stored["totp_sealed"] and "enrolment" not in stored


async def test_the_enrolment_page_without_an_enrolment_goes_back_to_sign_in(world):
    async with world.server.http() as http:
        resp = await http.get("/staff/enrol", allow_redirects=False)
        assert resp.status == 303 and resp.headers["Location"] == "/staff/sign-in"


async def test_a_code_works_once_and_a_wrong_or_missing_code_fails_like_a_wrong_password(world):
    server, ada = world.server, world.advocates[0]
    otp = await otp_for(server, ada)
    first = await post(server, "/api/session/staff", {"username": ada.username, "password": PASSWORD, "otp": otp})
    replay = await post(server, "/api/session/staff", {"username": ada.username, "password": PASSWORD, "otp": otp})
    assert first[0] == 200 and replay[0] == 401
    wrong_password = await post(server, "/api/session/staff", {"username": ada.username, "password": "nope nope nope",
                                                               "otp": await otp_for(server, ada)})
    wrong_code = await post(server, "/api/session/staff", {"username": ada.username, "password": PASSWORD,
                                                           "otp": "123456"})
    assert wrong_password[1] == wrong_code[1] == replay[1] == {
        "ok": False, "error": {"code": "sign_in_failed", "message": "That didn't work. Check and try again."}}


async def test_each_recovery_code_works_once(world):
    server = world.server
    nia = await new_staff(server)
    await sign_in(server, nia)  # sets up the authenticator through the API
    async with server.http() as http:
        await sign_in(server, nia, http)
    status, body, _ = await post(server, "/api/session/staff", {"username": nia.username, "password": PASSWORD})
    assert status == 401
    staff = await server.store.staff.find_one({"_id": nia.id})
    assert len(staff["recovery_hashes"]) == 10
    # The codes were shown once at enrolment: take them from a fresh enrolment to use one.
    await server.store.staff.update_one({"_id": nia.id}, {"$unset": {"totp_sealed": ""}})
    _, started, _ = await post(server, "/api/session/staff", {"username": nia.username, "password": PASSWORD})
    secret = started["enrolment"]["secret"]
    _, done, _ = await post(server, "/api/session/staff/enrol",
                            {"enrolment_token": started["enrolment"]["token"], "otp": code(secret, server)})
    recovery = done["recovery_codes"][3]
    body = {"username": nia.username, "password": PASSWORD, "otp": recovery.upper()}
    assert (await post(server, "/api/session/staff", body))[0] == 200
    assert (await post(server, "/api/session/staff", body))[0] == 401


async def test_repeated_failures_slow_down_doubling_and_an_admin_clears_the_wait(world):
    server, ada = world.server, world.advocates[0]
    settings = server.settings
    wrong = {"username": ada.username, "password": "wrong password!", "otp": "000000"}
    for _ in range(settings.staff_slow_after_failures - 1):
        assert (await post(server, "/api/session/staff", wrong))[0] == 401
    assert (await post(server, "/api/session/staff", wrong))[0] == 401  # this one starts the slow-down
    right = {"username": ada.username, "password": PASSWORD}
    status, body, _ = await post(server, "/api/session/staff", {**right, "otp": await otp_for(server, ada)})
    assert status == 429 and body["error"]["code"] == "sign_in_throttled"
    assert "Wait 1 seconds" in body["error"]["message"]
    server.clock.advance(1)
    assert (await post(server, "/api/session/staff", wrong))[0] == 401
    status, body, _ = await post(server, "/api/session/staff", {**right, "otp": await otp_for(server, ada)})
    assert status == 429 and "Wait 2 seconds" in body["error"]["message"], "twice as long each time"

    manager_token = await sign_in(server, world.manager)
    assert (await post(server, f"/api/staff/{ada.id}/unlock", {}, manager_token))[0] == 403
    admin = await new_staff(server, "ann.admin", "admin")
    admin_token = await sign_in(server, admin)
    assert (await post(server, f"/api/staff/{ada.id}/unlock", {}, admin_token))[0] == 200
    assert (await post(server, "/api/session/staff", {**right, "otp": await otp_for(server, ada)}))[0] == 200


async def test_a_burst_of_parallel_wrong_passwords_is_checked_no_more_than_the_free_tries(world):
    server, ada = world.server, world.advocates[0]
    wrong = {"username": ada.username, "password": "wrong password!", "otp": "000000"}
    answers = await asyncio.gather(*(post(server, "/api/session/staff", wrong) for _ in range(30)))
    statuses = sorted(a[0] for a in answers)
    assert statuses.count(401) <= server.settings.staff_slow_after_failures, statuses
    assert set(statuses) <= {401, 429}
    checked = await server.store.audit.count_documents({"action": "sign_in.staff", "ids.outcome": "failed"})
    assert checked == statuses.count(401)


async def test_a_stranger_cannot_lock_an_account_and_is_refused_after_too_many_failures_from_one_address(world):
    server, ada, auth = world.server, world.advocates[0], world.server.services.auth
    stranger, office = "203.0.113.9", "198.51.100.7"
    for _ in range(server.settings.staff_max_failures):
        with pytest.raises(ServiceError) as refused:
            await auth.sign_in_staff(ada.username, "wrong password!", "000000", stranger)
        assert refused.value.code == "sign_in_failed"
        server.clock.advance(130)  # waits out the account's slow-down (2 ** 7 seconds at most here)
    with pytest.raises(ServiceError) as refused:
        await auth.sign_in_staff("someone.else", "wrong password!", "000000", stranger)
    assert refused.value.code == "too_many_tries", "the stranger's address is refused, whatever the username"
    server.clock.advance(timedelta(minutes=server.settings.staff_longest_wait_minutes))
    _, principal = await auth.sign_in_staff(ada.username, PASSWORD, await otp_for(server, ada), office)
    assert principal.user_id == ada.id, "the account itself was never locked"


async def test_unknown_usernames_are_slowed_down_alike(world):
    server, ada = world.server, world.advocates[0]
    answers = {}
    for username in (ada.username, "nobody.here"):
        for _ in range(server.settings.staff_slow_after_failures):
            await post(server, "/api/session/staff", {"username": username, "password": "wrong password!"})
        status, body, _ = await post(server, "/api/session/staff", {"username": username, "password": "x"})
        answers[username] = (status, body)
    assert answers[ada.username] == answers["nobody.here"] and answers["nobody.here"][0] == 429


async def test_an_admin_resets_a_lost_authenticator_and_their_sessions_end(world):
    server, ada = world.server, world.advocates[0]
    ada_token = await sign_in(server, ada)
    admin = await new_staff(server, "ann.admin", "admin")
    admin_token = await sign_in(server, admin)
    assert (await post(server, f"/api/staff/{ada.id}/second-factor/reset", {}, ada_token))[0] == 403
    assert (await post(server, "/api/staff/no-such-staff/second-factor/reset", {}, admin_token))[0] == 404
    assert (await post(server, f"/api/staff/{ada.id}/second-factor/reset", {}, admin_token))[0] == 200
    async with server.http(headers={"Authorization": f"Bearer {ada_token}"}) as http:
        assert (await http.get("/api/session")).status == 401
    status, body, _ = await post(server, "/api/session/staff", {"username": ada.username, "password": PASSWORD,
                                                                "otp": await otp_for(server, ada)})
    assert status == 202 and body["enrolment_needed"]


async def test_every_sign_in_is_audited_without_anything_typed(world):
    server, ada, amira = world.server, world.advocates[0], world.children[0]
    await post(server, "/api/session/staff", {"username": ada.username, "password": "my-secret-guess", "otp": "111111"})
    await post(server, "/api/session/staff", {"username": "typo-of-a-password", "password": "x"})
    await sign_in(server, ada)
    await post(server, "/api/session/child", child_sign_in(amira))
    await post(server, "/api/session/child", child_sign_in(amira, pin="9753"))
    entries = await server.store.audit.find({}).sort("_id", 1).to_list(None)
    assert [(e["action"], e["actor"], e["ids"]["outcome"]) for e in entries] == [
        ("sign_in.staff", ada.id, "failed"),  # a made-up username is counted, not audited
        ("sign_in.staff", ada.id, "ok"),
        ("sign_in.child", amira.id, "ok"),
        ("sign_in.child", amira.id, "sign_in_failed"),
    ]
    shown = repr(entries)
    for typed in ("my-secret-guess", "111111", "typo-of-a-password", PASSWORD, amira.pin, amira.access_code,
                  amira.setup_word):
        assert typed not in shown
