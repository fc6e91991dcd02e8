"""Signing in: staff (password and second factor), children (access code and PIN), bots; and what
staff may do about a child's sign-in (reset the PIN, a new access code, sign them out everywhere).

Sessions themselves are ``advocacy.auth.sessions``; every sign-in ends in ``open_session``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from advocacy import audit
from advocacy.auth import attempts, codes, passwords, staff_sign_in
from advocacy.auth.access import Access
from advocacy.auth.accounts import AccessCode, issue_access_code, new_setup_word
from advocacy.auth.permissions import Role
from advocacy.auth.principal import Principal
from advocacy.auth.sessions import Sessions
from advocacy.clock import Clock
from advocacy.crypto import Keyring, ServiceSecrets
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.settings import Settings
from advocacy.store import DuplicateKeyError, ReturnDocument, Store

log = logging.getLogger(__name__)


class AuthService(Sessions):
    def __init__(self, store: Store, settings: Settings, clock: Clock, access: Access, keyring: Keyring,
                 sessions_ended: Topic[str] | None = None, *,
                 attempts_kept_for: timedelta = timedelta(days=90)) -> None:
        super().__init__(store, settings, clock, sessions_ended, attempts_kept_for=attempts_kept_for)
        self.access = access
        self.keyring = keyring

    # staff ---------------------------------------------------------------

    async def sign_in_staff(
        self, username: Any, password: Any, otp: Any = None, client: str | None = None
    ) -> tuple[str, Principal] | staff_sign_in.Enrolment:
        """Password and second factor; see advocacy.auth.staff_sign_in."""
        return await staff_sign_in.sign_in(self, username, password, otp, client)

    # bots ----------------------------------------------------------------

    async def sign_in_bot(self, bot_id: str, lifetime: timedelta) -> tuple[str, Principal]:
        """A token for a bot account (``advocacy bots create``, or the service's own bots)."""
        bot = await self.store.bots.find_one({"_id": bot_id, "active": True})
        if bot is None:
            raise ServiceError("unauthorised")
        return await self.open_session(bot["_id"], Role.BOT.value, lifetime)

    # children ------------------------------------------------------------

    async def sign_in_child(self, access_code: Any, pin: Any, setup_word: Any = None, pin_again: Any = None,
                            client: str | None = None) -> tuple[str, Principal, bool]:
        """Sign a child in; the first time (with the setup word given with the code), ``pin`` becomes their
        PIN. Returns (token, principal, first).

        Every failure looks and takes the same whether the code is unknown, new, in use or locked: one
        argon2 check, the same answers after the same number of tries (unknown codes are counted too),
        and each try is counted in one conditional write before anything is checked, so a burst of
        guesses gets ``pin_max_failures`` checks at most. ``client`` is the client's address, limited to
        ``child_tries_per_client`` failed tries per window.
        """
        s = self.settings
        if not all(isinstance(v, str) and len(v) <= 64 for v in (access_code, pin)):
            raise ServiceError("sign_in_failed")
        if not codes.pin_is_valid(pin, s.pin_min_digits, s.pin_max_digits):
            raise ServiceError("pin_invalid", min=s.pin_min_digits, max=s.pin_max_digits)
        if pin_again is not None and pin_again != pin:
            raise ServiceError("pins_differ")
        setup_word = setup_word if isinstance(setup_word, str) and len(setup_word) <= 64 else ""
        secrets = await self.keyring.secrets()
        now = self.clock.now()
        client_key = secrets.lookup("child-client", client) if client is not None else None
        if client_key is not None:
            await attempts.claim_in_window(self.store, client_key, now, s.child_tries_per_client,
                                           timedelta(minutes=s.child_tries_window_minutes))
        lookup = codes.access_code_lookup(secrets, access_code)
        child, tries = await self._count_try(lookup, now)
        try:
            token, principal, first = await self._check_child(child, tries, secrets, pin, setup_word)
        except ServiceError as refused:
            if child is not None:  # tries at codes that exist nowhere are counted, never audited
                await audit.record(self.store, self.clock, actor=child["_id"], role="child", action="sign_in.child",
                                   subject=child["_id"], outcome=refused.code)
            raise
        if client_key is not None:
            await attempts.give_back(self.store, client_key)
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

    async def _count_try(self, lookup: str, now: Any) -> tuple[dict[str, Any] | None, int | None]:
        """(the child of the code or None, this try's number in a row, or None if the code is locked)."""
        most = self.settings.pin_max_failures
        child = await self.store.children.find_one_and_update(
            {"access_code_lookup": lookup, "pin_failures": {"$lt": most}},
            {"$inc": {"pin_failures": 1}}, return_document=ReturnDocument.AFTER,
        )
        if child is not None:
            return child, child["pin_failures"]
        child = await self.store.children.find_one({"access_code_lookup": lookup})
        if child is not None:
            return child, None
        # A code no child has: counted alike in a record of its own, so it answers as a real one would.
        try:
            counted = await self.store.sign_in_attempts.find_one_and_update(
                {"_id": "code:" + lookup, "failures": {"$lt": most}},
                {"$inc": {"failures": 1}, "$set": {"last_attempt_at": now, "expires_at": now + self.attempts_kept_for}},
                upsert=True, return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            counted = None
        return None, counted["failures"] if counted else None

    async def _check_child(self, child: dict[str, Any] | None, tries: int | None, secrets: ServiceSecrets,
                           pin: str, setup_word: str) -> tuple[str, Principal, bool]:
        child_id = child["_id"] if child else ""
        sealed = child.get("pin_sealed") if child else None
        first = child is not None and sealed is None
        if tries is None:  # locked: refused unchecked, after as long as a check takes
            await passwords.verify_secret(None, pin)
            raise ServiceError("code_locked")
        if first:
            right = codes.setup_word_matches(secrets, child_id, child.get("setup_check"), setup_word)
            await passwords.verify_secret(None, pin)
        else:
            verifier = secrets.open_verifier(child_id, sealed) if child else None
            right = await passwords.verify_secret(verifier, pin) and child is not None
        if not right:
            left = self.settings.pin_max_failures - tries
            if left <= 0:
                log.info("a child's access code was locked after repeated wrong tries")
                raise ServiceError("code_locked")
            raise ServiceError("last_try" if left == 1 else "sign_in_failed")
        done: dict[str, Any] = {"$set": {"pin_failures": 0}}
        if first:
            done = {"$set": {"pin_failures": 0,
                             "pin_sealed": secrets.seal_verifier(child_id, await passwords.hash_secret(pin))},
                    "$unset": {"setup_check": ""}}
        claimed = await self.store.children.update_one(
            {"_id": child_id, "pin_sealed": sealed, "access_code_lookup": child["access_code_lookup"]}, done
        )
        if claimed.modified_count != 1:  # the PIN or the code changed a moment ago
            raise ServiceError("sign_in_failed")
        lifetime = timedelta(days=self.settings.child_session_days)
        token, principal = await self.open_session(child_id, Role.CHILD.value, lifetime)
        return token, principal, first

    async def reset_child_pin(self, principal: Principal, child_id: Any) -> str:
        """Unlock the child's code and forget their PIN; returns the setup word their new PIN needs (shown
        once). Their sessions end and their open chats close."""
        child = await self.access.child(principal, "child.reset_pin", child_id)
        word = await new_setup_word(self.store, child["_id"])
        revoked = await self.revoke_user_sessions(child["_id"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.reset_pin",
                           subject=child["_id"], revoked=revoked)
        return word

    async def new_access_code(self, principal: Principal, child_id: Any) -> AccessCode:
        """A new code and setup word (shown once); the old code stops working, their sessions end."""
        child = await self.access.child(principal, "child.new_access_code", child_id)
        issued = await issue_access_code(self.store, child["_id"])
        revoked = await self.revoke_user_sessions(child["_id"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.new_access_code",
                           subject=child["_id"], revoked=revoked)
        return issued

    async def revoke_child_sessions(self, principal: Principal, child_id: Any) -> int:
        child = await self.access.child(principal, "child.revoke_sessions", child_id)
        revoked = await self.revoke_user_sessions(child["_id"])
        await audit.record(self.store, self.clock, **audit.by(principal), action="child.revoke_sessions",
                           subject=child["_id"], revoked=revoked)
        return revoked
