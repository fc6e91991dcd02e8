"""Bot accounts: a name, and tokens that are sessions with the role "bot"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from advocacy.auth.service import AuthService
from advocacy.clock import Clock
from advocacy.ids import new_id
from advocacy.store import DuplicateKeyError, Store


class BotError(ValueError):
    """A bot account could not be made; the message says why."""


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 60 or not name.isprintable():
        raise BotError("a bot's name is 1 to 60 printable characters; children see it beside what the bot writes")
    return name


async def create_bot(store: Store, clock: Clock, name: str) -> dict[str, Any]:
    doc = {"_id": new_id("bo"), "name": _check_name(name), "active": True, "created_at": clock.now()}
    try:
        await store.bots.insert_one(doc)
    except DuplicateKeyError:
        raise BotError(f"there is already a bot named {doc['name']!r}") from None
    return doc


async def ensure_bot(store: Store, clock: Clock, name: str) -> dict[str, Any]:
    """The bot named ``name``, made if there is none yet (safe when processes race)."""
    found = await store.bots.find_one({"name": name})
    if found is not None:
        return found
    try:
        return await create_bot(store, clock, name)
    except BotError:
        return await store.bots.find_one({"name": name})


async def issue_token(auth: AuthService, bot: dict[str, Any], days: int) -> str:
    token, _ = await auth.sign_in_bot(bot["_id"], timedelta(days=days))
    return token
