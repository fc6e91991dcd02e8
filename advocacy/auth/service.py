"""Sign-in and sessions.

A session token is 32 random bytes given to the client once; the database keeps
only its SHA-256, so a copy of the database cannot be used to sign in.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from advocacy import audit
from advocacy.auth import codes, passwords, staff_sign_in
from advocacy.auth.tokens import new_token
from advocacy.auth.permissions import ANY, OWN, PAIRED, TEAM, Role, scope_for
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.pairing.access import covers_child
from advocacy.settings import Settings
from advocacy.store import DuplicateKeyError, ReturnDocument, Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """Who is making a request: from a valid session."""

    session_id: str
    user_id: str
    role: str
    name: str
    expires_at: datetime

    def public(self) -> dict[str, Any]:
        return {"id": self.user_id, "name": self.name, "role": self.role}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"



class AuthService:
    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        # Called with a session id when it ends, so open sockets can be closed.
        self.on_session_ended: list[Callable[[str], Any]] = []

    # sessions ------------------------------------------------------------

    async def open_session(self, user_id: str, role: str, lifetime: timedelta) -> tuple[str, Principal]:
        """Start a session for a user whose sign-in has been checked; returns (token, principal).

        The session keeps identifiers only: the name is looked up when the session is used.
        """
        token = new_token()
        now = self.clock.now()
        session = {
            "_id": new_id("se"),
            "token_hash": token_hash(token),
            "user": user_id,
            "role": role,
            "created_at": now,
            "expires_at": now + lifetime,
            "revoked_at": None,
        }
        await self.store.sessions.insert_one(session)
        name = await self.display_name(user_id, role)
        return token, Principal(session["_id"], user_id, role, name, session["expires_at"])

    async def display_name(self, user_id: str, role: str) -> str:
        """The name shown for a user: a child's through people.child_names (sealed), staff's from their record."""
        if role == Role.CHILD.value:
            from advocacy.people import child_names  # people builds on this module

            return (await child_names(self.store, [user_id])).get(user_id, "")
        if role == Role.BOT.value:
            bot = await self.store.bots.find_one({"_id": user_id}, {"name": 1})
            return bot.get("name", "") if bot else ""
        staff = await self.store.staff.find_one({"_id": user_id}, {"name": 1})
        return staff.get("name", "") if staff else ""

    async def principal_for(self, token: str | None) -> Principal:
        """The signed-in user behind ``token``; ServiceError unauthorised/session_expired otherwise."""
        if not token or not isinstance(token, str) or len(token) > 200:
            raise ServiceError("unauthorised")
        session = await self.store.sessions.find_one({"token_hash": token_hash(token)})
        if session is None:
            raise ServiceError("unauthorised")
        if session.get("revoked_at") is not None or session["expires_at"] <= self.clock.now():
            raise ServiceError("session_expired")
        name = await self.display_name(session["user"], session["role"])
        return Principal(session["_id"], session["user"], session["role"], name, session["expires_at"])

    async def end_session(self, session_id: str) -> None:
        await self.store.sessions.update_one(
            {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": self.clock.now()}}
        )
        await self._announce_ended([session_id])

    async def revoke_user_sessions(self, user_id: str) -> int:
        ids = [s["_id"] async for s in self.store.sessions.find({"user": user_id, "revoked_at": None}, {"_id": 1})]
        if ids:
            await self.store.sessions.update_many({"_id": {"$in": ids}}, {"$set": {"revoked_at": self.clock.now()}})
            await self._announce_ended(ids)
        return len(ids)

    async def _announce_ended(self, session_ids: list[str]) -> None:
        for callback in self.on_session_ended:
            for session_id in session_ids:
                result = callback(session_id)
                if hasattr(result, "__await__"):
                    await result

    # staff ---------------------------------------------------------------

    async def sign_in_staff(
        self, username: Any, password: Any, otp: Any = None
    ) -> tuple[str, Principal] | staff_sign_in.Enrolment:
        """Password and second factor; see advocacy.auth.staff_sign_in."""
        return await staff_sign_in.sign_in(self, username, password, otp)

    # bots ----------------------------------------------------------------

    async def sign_in_bot(self, bot_id: str, lifetime: timedelta) -> tuple[str, Principal]:
        """A token for a bot account (``advocacy bots create``, or the service's own bots)."""
        bot = await self.store.bots.find_one({"_id": bot_id, "active": True})
        if bot is None:
            raise ServiceError("unauthorised")
        return await self.open_session(bot["_id"], Role.BOT.value, lifetime)

    # children ------------------------------------------------------------

    async def sign_in_child(self, access_code: Any, pin: Any) -> tuple[str, Principal, bool]:
        """Sign a child in; the first time, ``pin`` becomes their PIN. Returns (token, principal, first)."""
        if not isinstance(access_code, str) or not isinstance(pin, str) or len(access_code) > 64:
            raise ServiceError("sign_in_failed")
        child = await self.store.children.find_one({"access_code_hash": codes.access_code_hash(access_code)})
        try:
            token, principal, first = await self._sign_in_child(child, pin)
        except ServiceError as refused:
            await audit.record(self.store, self.clock, actor=child["_id"] if child else "unknown", role="child",
                               action="sign_in.child", subject=child["_id"] if child else None, outcome=refused.code)
            raise
        await audit.record(self.store, self.clock, actor=child["_id"], role="child", action="sign_in.child",
                           subject=child["_id"], outcome="ok", first=first, session=principal.session_id)
        return token, principal, first

    async def _sign_in_child(self, child: dict[str, Any] | None, pin: str) -> tuple[str, Principal, bool]:
        now = self.clock.now()
        if child is None:
            raise ServiceError("sign_in_failed")
        locked_until = child.get("pin_locked_until")
        if locked_until is not None and locked_until > now:
            raise ServiceError("code_locked")

        first = child.get("pin_hash") is None
        if first:
            if not codes.pin_is_valid(pin, self.settings.pin_min_digits, self.settings.pin_max_digits):
                raise ServiceError("pin_invalid", min=self.settings.pin_min_digits, max=self.settings.pin_max_digits)
            pin_hash = await passwords.hash_secret(pin)
            claimed = await self.store.children.update_one(
                {"_id": child["_id"], "pin_hash": None},
                {"$set": {"pin_hash": pin_hash, "pin_failures": 0, "pin_locked_until": None}},
            )
            if claimed.modified_count != 1:  # someone else chose the PIN a moment ago
                raise ServiceError("sign_in_failed")
        elif not await passwords.verify_secret(child["pin_hash"], pin):
            updated = await self.store.children.find_one_and_update(
                {"_id": child["_id"]}, {"$inc": {"pin_failures": 1}}, return_document=ReturnDocument.AFTER
            )
            if updated and updated.get("pin_failures", 0) >= self.settings.pin_max_failures:
                await self.store.children.update_one(
                    {"_id": child["_id"]},
                    {"$set": {"pin_locked_until": now + timedelta(minutes=self.settings.pin_lockout_minutes),
                              "pin_failures": 0}},
                )
                log.info("a child's access code was locked after repeated wrong PINs")
                raise ServiceError("code_locked")
            raise ServiceError("sign_in_failed")
        else:
            await self.store.children.update_one(
                {"_id": child["_id"]}, {"$set": {"pin_failures": 0, "pin_locked_until": None}}
            )
        lifetime = timedelta(days=self.settings.child_session_days)
        token, principal = await self.open_session(child["_id"], Role.CHILD.value, lifetime)
        return token, principal, first

    async def child_in_scope(self, principal: Principal, action: str, child_id: Any) -> dict[str, Any]:
        """The child record if ``principal`` may do ``action`` to it; ServiceError otherwise.

        An unknown child and a child outside the caller's scope get the same
        answer, so ids cannot be probed.
        """
        scope = scope_for(principal.role, action)
        if scope is None:
            raise ServiceError("forbidden")
        child = await self.store.children.find_one({"_id": child_id}) if isinstance(child_id, str) else None
        if child is None:
            raise ServiceError("not_found")
        if scope == ANY:
            return child
        if scope == OWN and child["_id"] == principal.user_id:
            return child
        if scope == PAIRED and child.get("advocate") == principal.user_id:
            return child
        if scope == TEAM and child.get("advocate"):
            advocate = await self.store.staff.find_one({"_id": child["advocate"]}, {"manager": 1})
            if advocate and advocate.get("manager") == principal.user_id:
                return child
        if await covers_child(self.store, principal.role, principal.user_id, action, child["_id"], self.clock.now()):
            return child
        raise ServiceError("not_found")

    async def reset_child_pin(self, principal: Principal, child_id: Any) -> None:
        child = await self.child_in_scope(principal, "child.reset_pin", child_id)
        await self.store.children.update_one(
            {"_id": child["_id"]}, {"$set": {"pin_hash": None, "pin_failures": 0, "pin_locked_until": None}}
        )
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.reset_pin", subject=child["_id"])

    async def new_access_code(self, principal: Principal, child_id: Any) -> str:
        child = await self.child_in_scope(principal, "child.new_access_code", child_id)
        code = await issue_access_code(self.store, child["_id"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.new_access_code",
                           subject=child["_id"])
        return code

    async def revoke_child_sessions(self, principal: Principal, child_id: Any) -> int:
        child = await self.child_in_scope(principal, "child.revoke_sessions", child_id)
        revoked = await self.revoke_user_sessions(child["_id"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.revoke_sessions",
                           subject=child["_id"], revoked=revoked)
        return revoked


async def issue_access_code(store: Store, child_id: str) -> str:
    """Give a child a new access code (the old one stops working; they choose a PIN again)."""
    for _ in range(5):
        code = codes.new_access_code()
        try:
            await store.children.update_one(
                {"_id": child_id},
                {"$set": {"access_code_hash": codes.access_code_hash(code), "pin_hash": None,
                          "pin_failures": 0, "pin_locked_until": None}},
            )
            return code
        except DuplicateKeyError:
            continue
    raise ServiceError("internal_error")

