"""Password and PIN hashing with argon2id, off the event loop.

Hashing is deliberately slow (tens of milliseconds), so it runs in a worker
thread: a sign-in must never stall everyone else's chat.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified when the username is unknown, so timing does not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_secret_sync(secret: str) -> str:
    return _hasher.hash(secret)


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_hasher.hash, secret)


def _verify(stored: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, secret) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_secret(stored: str | None, secret: str) -> bool:
    """True only if ``secret`` matches ``stored``; with no stored hash, takes as long and says no."""
    return await asyncio.to_thread(_verify, stored, secret)
