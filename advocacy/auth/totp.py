"""Time-based one-time codes (RFC 6238, as authenticator apps make them) and recovery codes.

Pure rules: no I/O and no clock reads (the caller passes the time).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import struct
from datetime import datetime
from urllib.parse import quote, urlencode

import segno

PERIOD = 30  # seconds a code lasts
DIGITS = 6
# Codes one step either side of now are accepted: a phone's clock is rarely exact.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_OTP = re.compile(r"\d{6}")


def new_secret() -> str:
    """A fresh 160-bit secret in base32, as authenticator apps expect."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def step_at(at: datetime) -> int:
    return int(at.timestamp()) // PERIOD


def code_at_step(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def matching_step(secret: str, typed: str, at: datetime, after_step: int | None) -> int | None:
    """The step whose code ``typed`` is, if it is within the drift window and later than ``after_step``.

    A code is accepted once: passing the last step used as ``after_step`` refuses a replay.
    """
    typed = re.sub(r"\s", "", typed)
    if not _OTP.fullmatch(typed):
        return None
    now = step_at(at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(code_at_step(secret, step), typed):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": PERIOD})
    return f"otpauth://totp/{label}?{query}"


def qr_data_uri(text: str) -> str:
    """A QR code of ``text`` as an SVG ``data:`` URI, for an <img> (no script, allowed by the CSP)."""
    return segno.make(text, error="m", micro=False).svg_data_uri(scale=6, border=4, dark="#000", light="#fff")


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """One-time codes for when the phone is lost, shown once: ``abcd-efgh-jkmn``."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3))
        for _ in range(count)
    ]


def looks_like_recovery_code(typed: str) -> bool:
    return len(normalise_recovery_code(typed)) == 12


def normalise_recovery_code(typed: str) -> str:
    return re.sub(r"[\s\-]", "", typed).lower()


def recovery_code_hash(code: str) -> str:
    """What is stored: the codes are random enough that a plain hash cannot be reversed."""
    return hashlib.sha256(("recovery-code:" + normalise_recovery_code(code)).encode()).hexdigest()
