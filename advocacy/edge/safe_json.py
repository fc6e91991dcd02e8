"""JSON read from clients (HTTP bodies and Socket.IO packets) with limits the rest of the service relies on.

Python's parser recurses once per level of nesting, so a body of 100,000 opening
brackets ends in a ``RecursionError``; and MongoDB stores integers in 8 bytes, so
a bigger one fails only when it is written. ``loads`` refuses both with a
``ValueError`` before anything else sees the value: deeper than ``MAX_DEPTH``
levels, or an integer outside 64 bits.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 32
LOWEST, HIGHEST = -(2**63), 2**63 - 1
dumps = json.dumps


def _int(text: str) -> int:
    value = int(text)
    if not LOWEST <= value <= HIGHEST:
        raise ValueError("an integer too big to store")
    return value


def too_deep(text: str, most: int = MAX_DEPTH) -> bool:
    """True if ``text`` opens more than ``most`` arrays or objects inside one another (strings skipped)."""
    if text.count("[") + text.count("{") <= most:  # nearly every packet: no need to look closer
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > most:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads(text: str | bytes, **_: Any) -> Any:
    """``json.loads`` that refuses (ValueError) nesting deeper than MAX_DEPTH and integers outside 64 bits."""
    if isinstance(text, (bytes, bytearray)):
        text = text.decode()
    if too_deep(text):
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
    return json.loads(text, parse_int=_int)
