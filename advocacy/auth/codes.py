"""Children's access codes and PINs (pure rules, no I/O)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Protocol

# No 0/O, 1/I/L, 5/S or 2/Z: a child copies the code from a note or a screen.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8
SETUP_WORD_LENGTH = 6


class Keyed(Protocol):
    """The keyed hash held by the server (advocacy.crypto.ServiceSecrets)."""

    def lookup(self, kind: str, value: str) -> str: ...


def new_access_code() -> str:
    """A fresh code shown as two groups of four, e.g. ``K7MX-3QFD``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_access_code(typed: str) -> str:
    """Upper-case and drop spaces and dashes, so ``k7mx 3qfd`` matches ``K7MX-3QFD``."""
    return re.sub(r"[\s\-]", "", typed).upper()


def new_setup_word() -> str:
    """A one-time word given with a code; the first PIN needs it, so a guessed new code is no use."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(SETUP_WORD_LENGTH))


def access_code_digest(code: str) -> str:
    """The unkeyed SHA-256 an older version stored; only ever an input to the keyed lookup."""
    return hashlib.sha256(("access-code:" + normalise_access_code(code)).encode()).hexdigest()


def lookup_of_digest(keyed: Keyed, digest: str) -> str:
    return keyed.lookup("access-code", digest)


def access_code_lookup(keyed: Keyed, code: str) -> str:
    """What is stored and looked up: a keyed hash, so a copy of the database cannot be searched offline."""
    return lookup_of_digest(keyed, access_code_digest(code))


def setup_word_check(keyed: Keyed, child_id: str, word: str) -> str:
    return keyed.lookup("setup-word", f"{child_id}\x00{normalise_access_code(word)}")


def setup_word_matches(keyed: Keyed, child_id: str, stored: object, typed: str) -> bool:
    return isinstance(stored, str) and hmac.compare_digest(stored, setup_word_check(keyed, child_id, typed))


def pin_is_valid(pin: str, min_digits: int, max_digits: int) -> bool:
    return isinstance(pin, str) and re.fullmatch(rf"\d{{{min_digits},{max_digits}}}", pin) is not None
