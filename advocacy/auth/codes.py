"""Children's access codes and PINs (pure rules, no I/O)."""

from __future__ import annotations

import hashlib
import re
import secrets

# No 0/O, 1/I/L, 5/S or 2/Z: a child copies the code from a note or a screen.
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8


def new_access_code() -> str:
    """A fresh code shown as two groups of four, e.g. ``K7MX-3QFD``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_access_code(typed: str) -> str:
    """Upper-case and drop spaces and dashes, so ``k7mx 3qfd`` matches ``K7MX-3QFD``."""
    return re.sub(r"[\s\-]", "", typed).upper()


def access_code_hash(code: str) -> str:
    """What is stored and looked up: codes are never kept in readable form."""
    return hashlib.sha256(("access-code:" + normalise_access_code(code)).encode()).hexdigest()


def pin_is_valid(pin: str, min_digits: int, max_digits: int) -> bool:
    return isinstance(pin, str) and re.fullmatch(rf"\d{{{min_digits},{max_digits}}}", pin) is not None
