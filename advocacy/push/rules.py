"""Web Push rules (pure): what a browser's subscription must look like, which push services the server
will call, which messages wake a child's phone, and when a phone may be told again."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

from advocacy.errors import ServiceError

MAX_ENDPOINT_CHARS = 2000
# The P-256 public key a browser gives (uncompressed point) and its 16-byte auth secret (RFC 8291).
P256DH_BYTES = 65
AUTH_BYTES = 16
_NETLOC = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?")
# Senders whose messages a child is told about: everyone but the child themself.
QUIET_SENDERS = frozenset({"child"})


@dataclass(frozen=True)
class Subscription:
    """Where a push service delivers to one browser, and the keys its messages are encrypted for."""

    endpoint: str
    p256dh: str
    auth: str

    def as_info(self) -> dict[str, Any]:
        """In the form browsers give (``PushSubscription.toJSON()``) and pywebpush takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def trusted_services(setting: str) -> tuple[str, ...]:
    """The ``push_services`` setting as a list of address patterns."""
    return tuple(part.strip().lower() for part in setting.split(",") if part.strip())


def endpoint_trusted(endpoint: str, services: tuple[str, ...]) -> bool:
    """Whether ``endpoint`` is at one of the push services (scheme, host and port alike), so a made-up
    address can never make the server call somewhere else."""
    try:
        parts = urlsplit(endpoint)
    except ValueError:
        return False
    if parts.scheme not in {"https", "http"} or not _NETLOC.fullmatch(parts.netloc):
        return False
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    return any(fnmatchcase(origin, pattern) for pattern in services)


def _key(value: Any, size: int) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    if len(raw) != size or (size == P256DH_BYTES and raw[0] != 4):
        raise ValueError
    return value.rstrip("=")


def check_subscription(data: Any, services: tuple[str, ...]) -> Subscription:
    """A browser's ``PushSubscription.toJSON()`` checked: an endpoint at a trusted push service and
    well-formed keys; ``push_subscription_invalid`` otherwise."""
    if not isinstance(data, dict):
        raise ServiceError("push_subscription_invalid")
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if (not isinstance(endpoint, str) or len(endpoint) > MAX_ENDPOINT_CHARS or not isinstance(keys, dict)
            or not endpoint_trusted(endpoint, services)):
        raise ServiceError("push_subscription_invalid")
    try:
        return Subscription(endpoint, _key(keys.get("p256dh"), P256DH_BYTES), _key(keys.get("auth"), AUTH_BYTES))
    except (ValueError, binascii.Error):
        raise ServiceError("push_subscription_invalid") from None


def check_endpoint(data: Any) -> str:
    """The endpoint named in a request to switch one browser off."""
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT_CHARS:
        raise ServiceError("push_subscription_invalid")
    return endpoint


def wakes_child(sender_role: str) -> bool:
    """A message from their advocate, a bot or the service is one a child is told about; their own is not."""
    return sender_role not in QUIET_SENDERS


def told_before(now: datetime, quiet_seconds: int) -> datetime:
    """A phone may be told again at ``now`` only if it was last told before this moment, so a burst of
    messages is one notification."""
    return now - timedelta(seconds=quiet_seconds)
