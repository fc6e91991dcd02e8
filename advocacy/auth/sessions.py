"""Sessions: opening one after a checked sign-in, finding who holds a token, ending them.

A session token is 32 random bytes given to the client once; the database keeps
only its SHA-256, so a copy of the database cannot be used to sign in. When a
session ends (signed out, revoked) it is published on ``ended``, so every open
socket of it can be closed (on every process, through Redis, when there are several).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from advocacy.auth.permissions import Role
from advocacy.auth.principal import Principal
from advocacy.auth.tokens import new_token
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.people import child_names
from advocacy.settings import Settings
from advocacy.store import Store


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, store: Store, settings: Settings, clock: Clock, ended: Topic[str] | None = None, *,
                 attempts_kept_for: timedelta = timedelta(days=90)) -> None:
        self.store = store
        # How long a count of wrong sign-ins is kept after its last try (config/retention.toml).
        self.attempts_kept_for = attempts_kept_for
        self.settings = settings
        self.clock = clock
        # The id of each session that ends, so its open sockets are closed.
        self.ended: Topic[str] = ended if ended is not None else Topic("sessions.ended")

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
        """The name shown for a user: a child's through people.child_names (sealed), staff's and bots' from
        their record."""
        if role == Role.CHILD.value:
            return (await child_names(self.store, [user_id])).get(user_id, "")
        records = self.store.bots if role == Role.BOT.value else self.store.staff
        found = await records.find_one({"_id": user_id}, {"name": 1})
        return found.get("name", "") if found else ""

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
        await self.ended.publish(session_id)

    async def revoke_user_sessions(self, user_id: str) -> int:
        ids = [s["_id"] async for s in self.store.sessions.find({"user": user_id, "revoked_at": None}, {"_id": 1})]
        if ids:
            await self.store.sessions.update_many({"_id": {"$in": ids}}, {"$set": {"revoked_at": self.clock.now()}})
            for session_id in ids:
                await self.ended.publish(session_id)
        return len(ids)
