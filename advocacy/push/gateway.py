"""The way out to the browsers' push services: one encrypted Web Push request (RFC 8030, 8291, 8292).

The push services are outside the service; this is the one place that calls them, through
``pywebpush`` (the payload encrypted for the browser's keys, the request signed with the service's
VAPID key). Nothing here is logged: not the address, not the key, not the words.
"""

from __future__ import annotations

import logging
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush_async

from advocacy.push.rules import Subscription

log = logging.getLogger(__name__)

# One topic for every notification: a push service holding several for a phone that is off keeps only the last.
TOPIC = "new-message"
TIMEOUT_SECONDS = 10


class PushGateway(Protocol):
    async def send(self, subscription: Subscription, text: str, *, key: ec.EllipticCurvePrivateKey, contact: str,
                   ttl: int) -> int:
        """Deliver ``text`` to the browser; the push service's HTTP status (0: it could not be reached)."""
        ...


class WebPushGateway:
    async def send(self, subscription: Subscription, text: str, *, key: ec.EllipticCurvePrivateKey, contact: str,
                   ttl: int) -> int:
        try:
            response = await webpush_async(
                subscription.as_info(), data=text, vapid_private_key=Vapid02(key), vapid_claims={"sub": contact},
                ttl=ttl, headers={"Urgency": "normal", "Topic": TOPIC}, timeout=TIMEOUT_SECONDS)
        except WebPushException as exc:
            return exc.status_code or 0
        except Exception as exc:  # the push service unreachable, a timeout: the next message tries again
            log.warning("push: the push service could not be reached (%s)", exc.__class__.__name__)
            return 0
        return int(response.status)  # type: ignore[union-attr]
