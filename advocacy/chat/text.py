"""Tidying and checking message text (pure rules, no I/O).

Text is kept as plain text. We normalise it to NFC, drop control characters
other than newline and tab, and drop the bidirectional embedding, override and
isolate characters, which could make the other side see text in a different
order from what was typed (a "Trojan Source" style trick).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from advocacy.errors import ServiceError

# LRE RLE PDF LRO RLO (U+202A–U+202E) and LRI RLI FSI PDI (U+2066–U+2069).
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_REMOVE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f" + _BIDI_CONTROLS + "\ufff9-\ufffb\ud800-\udfff]"
)
# Characters that draw nothing: text made only of these (and spaces) is empty.
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f\u180e]+")
_LINE_ENDINGS = re.compile(r"\r\n?|\u2028|\u2029|\x85")
_CLIENT_ID = re.compile(r"[\x21-\x7e]{1,100}")


def tidy_text(text: str) -> str:
    """The text as it will be stored and shown."""
    text = _LINE_ENDINGS.sub("\n", text)
    text = unicodedata.normalize("NFC", text)
    return _REMOVE.sub("", text)


def is_blank(text: str) -> bool:
    """True if ``text`` draws nothing: only spaces and invisible characters."""
    return not _INVISIBLE.sub("", text)


def check_message_text(text: Any, max_chars: int) -> str:
    """Return the tidied text, or raise ServiceError saying why it cannot be sent."""
    if not isinstance(text, str):
        raise ServiceError("text_missing")
    if len(text) > max_chars * 4:  # hopelessly long: refuse before doing any work on it
        raise ServiceError("text_too_long", limit=max_chars)
    tidied = tidy_text(text)
    if not _INVISIBLE.sub("", tidied):
        raise ServiceError("text_empty")
    if len(tidied) > max_chars:
        raise ServiceError("text_too_long", limit=max_chars)
    return tidied


def check_client_id(client_id: Any) -> str:
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        raise ServiceError("client_id_missing")
    return client_id
