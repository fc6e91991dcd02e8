"""Staff sign-in with a second factor: password plus a code from an authenticator app.

- A staff member without a second factor who gives the right password is not
  signed in: they get an enrolment (a new secret, shown as a QR code) and sign
  in by sending its first code, which also gives them one-time recovery codes.
- After that a sign-in needs the password and either the current code (each
  code works once) or one of the recovery codes (each works once).
- Attempts are counted before anything is checked, per username (known or not)
  and per client address (advocacy.auth.attempts, advocacy.auth.lockout):
  repeated failures for one account slow it down, doubling, never a hard lock
  (so a stranger cannot lock anyone out; an admin can clear the wait); repeated
  failures from one address refuse that address for a while.
- Every attempt at a real account is written to the audit trail, without
  anything typed; one at a username no one has is only counted, in a record
  that expires (advocacy.auth.attempts), so strangers cannot grow the trail.

The secret is sealed under the staff member's own data key (advocacy.crypto),
so a copy of the database does not give anyone the codes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from advocacy import audit
from advocacy.auth import attempts, lockout, passwords, totp
from advocacy.auth.permissions import STAFF_ROLES, scope_for
from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.auth.tokens import new_token
from advocacy.crypto import DataErased, keyring_of
from advocacy.errors import ServiceError
from advocacy.store import Store

ISSUER = "Advocacy service"
ACTION = "sign_in.staff"


@dataclass(frozen=True)
class Enrolment:
    """The right password, but no second factor yet: set one up with this, then sign in with its code."""

    token: str
    secret: str
    otpauth_uri: str
    expires_at: Any

    def public(self) -> dict[str, Any]:
        return {"token": self.token, "secret": self.secret, "otpauth_uri": self.otpauth_uri,
                "expires_at": self.expires_at.isoformat(timespec="seconds")}


def _account_policy(sessions: Sessions) -> lockout.Policy:
    s = sessions.settings
    longest = timedelta(minutes=s.staff_longest_wait_minutes)
    return lockout.Policy(s.staff_slow_after_failures, None, longest, max_wait=longest)


async def _attempts_key(sessions: Sessions, username: str) -> str:
    # Keyed (a made-up username may be someone's e-mail address): a copy of the database cannot be
    # searched for the names that were tried.
    return (await keyring_of(sessions.store).secrets()).lookup("staff", username)


async def _address_key(sessions: Sessions, client: str) -> str:
    return (await keyring_of(sessions.store).secrets()).lookup("staff-client", client)


def _hash(token: str) -> str:
    return hashlib.sha256(("enrolment:" + token).encode()).hexdigest()


async def _claim_attempt(sessions: Sessions, username: str, client: str | None = None) -> None:
    """Count this attempt for the client address and the username (refusing it if either must wait)."""
    now = sessions.clock.now()
    if client is not None:
        s = sessions.settings
        await attempts.claim_in_window(sessions.store, await _address_key(sessions, client), now, s.staff_max_failures,
                                       timedelta(minutes=s.staff_lockout_minutes))
    await attempts.claim(sessions.store, await _attempts_key(sessions, username), now, _account_policy(sessions),
                         sessions.attempts_kept_for)


async def _succeeded(sessions: Sessions, username: str, client: str | None = None) -> None:
    await attempts.forget(sessions.store, await _attempts_key(sessions, username))
    if client is not None:
        await attempts.give_back(sessions.store, await _address_key(sessions, client))


async def _record(sessions: Sessions, actor: str, role: str, outcome: str, **ids: Any) -> None:
    """Audit a try at a real account; tries at usernames no one has are only counted (expiring records),
    so strangers cannot grow the trail, which is never erased."""
    if actor == "unknown":
        return
    await audit.record(sessions.store, sessions.clock, actor=actor, role=role, action=ACTION, outcome=outcome, **ids)


def _checked(value: Any, longest: int) -> str:
    if not isinstance(value, str) or len(value) > longest:
        raise ServiceError("sign_in_failed")
    return value


async def sign_in(
    sessions: Sessions, username: Any, password: Any, otp: Any, client: str | None = None
) -> tuple[str, Principal] | Enrolment:
    """A session (token, principal), or an Enrolment when the account has no second factor yet.

    ``client`` is the client's address (None from a command), counted as well as the username.
    """
    username = _checked(username, 200).strip().lower()
    password = _checked(password, 1024)
    otp = _checked(otp if otp is not None else "", 64)
    store = sessions.store
    staff = await store.staff.find_one({"username": username, "active": {"$ne": False}})
    actor, role = (staff["_id"], staff["role"]) if staff else ("unknown", "unknown")
    try:
        await _claim_attempt(sessions, username, client)
    except ServiceError as refused:
        await _record(sessions, actor, role, refused.code)
        raise
    if not await passwords.verify_secret(staff["password_hash"] if staff else None, password):
        await _record(sessions, actor, role, "failed")
        raise ServiceError("sign_in_failed")
    if not staff.get("totp_sealed"):
        enrolment = await _start_enrolment(sessions, staff)
        await _record(sessions, actor, role, "enrolment_started")
        return enrolment
    method = await _second_factor(sessions, staff, otp)
    if method is None:
        await _record(sessions, actor, role, "failed")
        raise ServiceError("sign_in_failed")
    await _succeeded(sessions, username, client)
    token, principal = await sessions.open_session(staff["_id"], staff["role"], _lifetime(sessions))
    await _record(sessions, actor, role, "ok", method=method, session=principal.session_id)
    return token, principal


def _lifetime(sessions: Sessions) -> timedelta:
    return timedelta(hours=sessions.settings.staff_session_hours)


async def _second_factor(sessions: Sessions, staff: dict[str, Any], typed: str) -> str | None:
    """"totp" or "recovery_code" if ``typed`` is a right, unused code; None otherwise."""
    store = sessions.store
    if totp.looks_like_recovery_code(typed):
        used = await store.staff.update_one(
            {"_id": staff["_id"], "recovery_hashes": totp.recovery_code_hash(typed)},
            {"$pull": {"recovery_hashes": totp.recovery_code_hash(typed)}},
        )
        return "recovery_code" if used.modified_count == 1 else None
    try:
        secret = await keyring_of(store).unseal(staff["_id"], staff["totp_sealed"], "totp")
    except DataErased:
        return None
    last = staff.get("totp_last_step")
    step = totp.matching_step(secret, typed, sessions.clock.now(), last)
    if step is None:
        return None
    # Each code works once, even if two sign-ins race with it.
    taken = await store.staff.update_one(
        {"_id": staff["_id"], "$or": [{"totp_last_step": None}, {"totp_last_step": {"$lt": step}}]},
        {"$set": {"totp_last_step": step}},
    )
    return "totp" if taken.modified_count == 1 else None


async def _start_enrolment(sessions: Sessions, staff: dict[str, Any]) -> Enrolment:
    secret, token = totp.new_secret(), new_token()
    expires_at = sessions.clock.now() + timedelta(minutes=sessions.settings.staff_enrolment_minutes)
    sealed = await keyring_of(sessions.store).seal(staff["_id"], secret, "totp enrolment")
    await sessions.store.staff.update_one(
        {"_id": staff["_id"]},
        {"$set": {"enrolment": {"token_hash": _hash(token), "secret_sealed": sealed, "expires_at": expires_at}}},
    )
    return Enrolment(token, secret, totp.provisioning_uri(secret, staff["username"], ISSUER), expires_at)


async def pending_enrolment(sessions: Sessions, token: Any) -> tuple[dict[str, Any], str]:
    """The staff record and secret of an enrolment in progress; ServiceError if there is none."""
    if not isinstance(token, str) or not token or len(token) > 200:
        raise ServiceError("enrolment_expired")
    staff = await sessions.store.staff.find_one({"enrolment.token_hash": _hash(token), "active": {"$ne": False}})
    if staff is None or staff["enrolment"]["expires_at"] <= sessions.clock.now() or staff.get("totp_sealed"):
        raise ServiceError("enrolment_expired")
    try:
        secret = await keyring_of(sessions.store).unseal(staff["_id"], staff["enrolment"]["secret_sealed"],
                                                         "totp enrolment")
    except DataErased:
        raise ServiceError("enrolment_expired") from None
    return staff, secret


async def finish_enrolment(sessions: Sessions, token: Any, otp: Any) -> tuple[str, Principal, list[str]]:
    """Check the first code from the new authenticator; returns (session token, principal, recovery codes)."""
    staff, secret = await pending_enrolment(sessions, token)
    actor, role = staff["_id"], staff["role"]
    try:
        await _claim_attempt(sessions, staff["username"])
    except ServiceError as refused:
        await audit.record(sessions.store, sessions.clock, actor=actor, role=role, action="second_factor.enrol",
                           outcome=refused.code)
        raise
    step = (totp.matching_step(secret, otp, sessions.clock.now(), None)
            if isinstance(otp, str) and len(otp) < 64 else None)
    if step is None:
        await audit.record(sessions.store, sessions.clock, actor=actor, role=role, action="second_factor.enrol",
                           outcome="failed")
        raise ServiceError("otp_wrong")
    codes = totp.new_recovery_codes()
    sealed = await keyring_of(sessions.store).seal(staff["_id"], secret, "totp")
    done = await sessions.store.staff.update_one(
        {"_id": staff["_id"], "enrolment.token_hash": _hash(token)},
        {"$set": {"totp_sealed": sealed, "totp_last_step": step,
                  "recovery_hashes": [totp.recovery_code_hash(c) for c in codes],
                  "totp_enrolled_at": sessions.clock.now()},
         "$unset": {"enrolment": ""}},
    )
    if done.modified_count != 1:  # finished a moment ago in another tab
        raise ServiceError("enrolment_expired")
    await _succeeded(sessions, staff["username"])
    session_token, principal = await sessions.open_session(staff["_id"], staff["role"], _lifetime(sessions))
    await audit.record(sessions.store, sessions.clock, actor=actor, role=role, action="second_factor.enrol",
                       outcome="ok", session=principal.session_id)
    return session_token, principal, codes


async def set_second_factor(store: Store, staff_id: str, secret: str) -> list[str]:
    """Enrol a staff account with a known secret (the demo, test worlds); returns its recovery codes."""
    codes = totp.new_recovery_codes()
    await store.staff.update_one(
        {"_id": staff_id},
        {"$set": {"totp_sealed": await keyring_of(store).seal(staff_id, secret, "totp"), "totp_last_step": None,
                  "recovery_hashes": [totp.recovery_code_hash(c) for c in codes]},
         "$unset": {"enrolment": ""}},
    )
    return codes


# an admin's actions ------------------------------------------------------------


async def _staff_in_scope(sessions: Sessions, principal: Principal, action: str, staff_id: Any) -> dict[str, Any]:
    if scope_for(principal.role, action) is None:
        raise ServiceError("forbidden")
    staff = await sessions.store.staff.find_one({"_id": staff_id}) if isinstance(staff_id, str) else None
    if staff is None or staff.get("role") not in {r.value for r in STAFF_ROLES}:
        raise ServiceError("not_found")
    return staff


async def unlock(sessions: Sessions, principal: Principal, staff_id: Any) -> None:
    """Let a locked or slowed-down staff account sign in again at once."""
    staff = await _staff_in_scope(sessions, principal, "staff.unlock", staff_id)
    await _succeeded(sessions, staff["username"])
    await audit.record(sessions.store, sessions.clock, actor=principal.user_id, role=principal.role,
                       action="staff.unlock", staff=staff["_id"])


async def reset_second_factor(sessions: Sessions, principal: Principal, staff_id: Any) -> None:
    """A lost phone with no recovery codes left: the next sign-in sets up a new authenticator.

    Their sessions end too, in case the phone was stolen rather than lost.
    """
    staff = await _staff_in_scope(sessions, principal, "staff.reset_second_factor", staff_id)
    await sessions.store.staff.update_one(
        {"_id": staff["_id"]},
        {"$unset": {"totp_sealed": "", "totp_last_step": "", "recovery_hashes": "", "enrolment": ""}},
    )
    await sessions.revoke_user_sessions(staff["_id"])
    await audit.record(sessions.store, sessions.clock, actor=principal.user_id, role=principal.role,
                       action="staff.reset_second_factor", staff=staff["_id"])
