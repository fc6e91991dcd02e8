"""Signing in: staff (password and second factor), children (access code and PIN), bots; and what
staff may do about a child's sign-in (reset the PIN, a new access code, sign them out everywhere).

Sessions themselves are ``advocacy.auth.sessions``; every sign-in ends in ``open_session``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from advocacy import audit
from advocacy.auth import codes, passwords, staff_sign_in
from advocacy.auth.access import Access
from advocacy.auth.accounts import issue_access_code
from advocacy.auth.permissions import Role
from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.settings import Settings
from advocacy.store import ReturnDocument, Store

log = logging.getLogger(__name__)


class AuthService(Sessions):
    def __init__(self, store: Store, settings: Settings, clock: Clock, access: Access,
                 sessions_ended: Topic[str] | None = None) -> None:
        super().__init__(store, settings, clock, sessions_ended)
        self.access = access

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

    async def child_language(self, child_id: str, chosen: str | None = None) -> str | None:
        """The language on the child's record; ``chosen`` (a code the caller checked) replaces it first.

        A change is in the audit trail (that it changed, not to what)."""
        if chosen is not None:
            result = await self.store.children.update_one({"_id": child_id, "language": {"$ne": chosen}},
                                                          {"$set": {"language": chosen}})
            if result.modified_count:
                await audit.record(self.store, self.clock, actor=child_id, role="child", action="child.language",
                                   subject=child_id, outcome="ok")
            return chosen
        doc = await self.store.children.find_one({"_id": child_id}, {"language": 1})
        return doc.get("language") if doc else None

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

    async def reset_child_pin(self, principal: Principal, child_id: Any) -> None:
        child = await self.access.child(principal, "child.reset_pin", child_id)
        await self.store.children.update_one(
            {"_id": child["_id"]}, {"$set": {"pin_hash": None, "pin_failures": 0, "pin_locked_until": None}}
        )
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.reset_pin",
                           subject=child["_id"])

    async def new_access_code(self, principal: Principal, child_id: Any) -> str:
        child = await self.access.child(principal, "child.new_access_code", child_id)
        code = await issue_access_code(self.store, child["_id"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.new_access_code",
                           subject=child["_id"])
        return code

    async def revoke_child_sessions(self, principal: Principal, child_id: Any) -> int:
        child = await self.access.child(principal, "child.revoke_sessions", child_id)
        revoked = await self.revoke_user_sessions(child["_id"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.revoke_sessions",
                           subject=child["_id"], revoked=revoked)
        return revoked
