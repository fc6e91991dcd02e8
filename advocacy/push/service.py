"""A child's phones told "You have a new message": switched on and off by the child, sent when a message
reaches them while no chat page of theirs is open.

Each phone (a browser's push subscription) is one record: the child, the sign-in that switched it on,
the subscription sealed under the child's data key (its address names the device), and a keyed hash
of the address to find it again. Ending that sign-in (sign-out, quick exit, "sign out everywhere")
removes it; erasing the child removes every one. The notification says only "You have a new message"
in the child's language: never who wrote or what, so a shared phone shows nothing private.

The service's VAPID key (which push services check the requests against) is made from a service
secret of the keyring at first use: kept wrapped by the master key like the other service keys,
never logged.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from advocacy.auth.principal import Principal
from advocacy.chat.presence import Presence
from advocacy.chat.service import ChatService, MessageAdded
from advocacy.clock import Clock
from advocacy.crypto import DataErased, Keyring
from advocacy.ids import new_id
from advocacy.push.gateway import PushGateway, WebPushGateway
from advocacy.push.rules import (
    Subscription,
    check_endpoint,
    check_subscription,
    told_before,
    trusted_services,
    wakes_child,
)
from advocacy.settings import Settings
from advocacy.store import DuplicateKeyError, Store
from advocacy.words import N_

log = logging.getLogger(__name__)

NEW_MESSAGE = N_("You have a new message")
PURPOSE = "push_subscription"
# The order of the P-256 group: a private key is a number from 1 to this less one.
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# Push services' answers that mean the browser's subscription is gone for good.
GONE = frozenset({404, 410})
# A development server with no https address of its own (push services want mailto: or https:).
LOCAL_CONTACT = "mailto:advocacy@localhost"


class ChildPush:
    def __init__(self, store: Store, clock: Clock, settings: Settings, keyring: Keyring, presence: Presence,
                 chat: ChatService, gateway: PushGateway | None = None) -> None:
        self.store = store
        self.clock = clock
        self.settings = settings
        self.keyring = keyring
        self.presence = presence
        self.chat = chat
        self.gateway: PushGateway = gateway or WebPushGateway()
        self.services = trusted_services(settings.push_services)
        self._key: ec.EllipticCurvePrivateKey | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # the service's key ---------------------------------------------------------

    async def private_key(self) -> ec.EllipticCurvePrivateKey:
        if self._key is None:
            secret = await self.keyring.service_secret("vapid")
            self._key = ec.derive_private_key(int.from_bytes(secret, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())
        return self._key

    async def public_key(self) -> str:
        """The key browsers subscribe with (``applicationServerKey``): base64url, no padding."""
        raw = (await self.private_key()).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @property
    def contact(self) -> str:
        """Who a push service may contact (VAPID ``sub``): the setting, else an https public_url."""
        if self.settings.push_contact:
            return self.settings.push_contact
        public = self.settings.public_url.rstrip("/")
        return public if public.startswith("https://") else LOCAL_CONTACT

    # the child's switch ------------------------------------------------------------

    async def status(self, principal: Principal) -> dict[str, Any]:
        return {"public_key": await self.public_key(), "devices": await self._devices(principal.user_id)}

    async def _devices(self, child_id: str) -> int:
        return await self.store.push_subscriptions.count_documents({"child": child_id})

    async def _lookup(self, endpoint: str) -> str:
        return (await self.keyring.secrets()).lookup("push_endpoint", endpoint)

    async def switch_on(self, principal: Principal, data: Any) -> dict[str, Any]:
        """This browser shows "You have a new message" from now on, for as long as this sign-in lasts. A
        browser switched on before by someone else (a shared phone) is theirs no more."""
        subscription = check_subscription(data, self.services)
        child = principal.user_id
        sealed = await self.keyring.seal(child, json.dumps(subscription.as_info()), PURPOSE)
        lookup = await self._lookup(subscription.endpoint)
        change = {"$set": {"child": child, "session": principal.session_id, "subscription_sealed": sealed,
                           "switched_on_at": self.clock.now(), "pushed_at": None},
                  "$setOnInsert": {"_id": new_id("ps")}}
        try:
            await self.store.push_subscriptions.update_one({"endpoint_lookup": lookup}, change, upsert=True)
        except DuplicateKeyError:  # the same browser switched on twice at once: the other made the record
            await self.store.push_subscriptions.update_one({"endpoint_lookup": lookup}, {"$set": change["$set"]})
        return {"devices": await self._devices(child)}

    async def switch_off(self, principal: Principal, data: Any) -> dict[str, Any]:
        """This browser shows nothing more (nothing changes if it was not switched on)."""
        endpoint = check_endpoint(data)
        await self.store.push_subscriptions.delete_one(
            {"endpoint_lookup": await self._lookup(endpoint), "child": principal.user_id})
        return {"devices": await self._devices(principal.user_id)}

    async def session_ended(self, session_id: str) -> None:
        """A sign-in ended (signed out, quick exit, signed out everywhere): its phone is told nothing more."""
        await self.store.push_subscriptions.delete_many({"session": session_id})

    # telling the child -----------------------------------------------------------

    async def message_added(self, added: MessageAdded) -> None:
        """A message was stored: if it is for a child (not theirs), tell their phones in the background."""
        if not wakes_child(added.message["sender"]["role"]):
            return
        task = asyncio.create_task(self.tell(added.child))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the notifications in flight (at shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def tell(self, child_id: str) -> int:
        """Tell each of the child's phones "You have a new message", unless a chat page of theirs is open or
        that phone was told within ``push_quiet_seconds``; returns how many were sent."""
        if await self.presence.online([child_id]):
            return 0
        now = self.clock.now()
        cut = told_before(now, self.settings.push_quiet_seconds)
        text: str | None = None
        sent = 0
        phones = await self.store.push_subscriptions.find({"child": child_id}, {"_id": 1, "session": 1}).to_list(None)
        if not phones:
            return 0
        live = {s["_id"] async for s in self.store.sessions.find(
            {"_id": {"$in": sorted({p["session"] for p in phones})}, "revoked_at": None, "expires_at": {"$gt": now}},
            {"_id": 1})}
        ended = [p["_id"] for p in phones if p["session"] not in live]
        if ended:  # switched on under a sign-in that has expired since: it lasted as long as that sign-in
            await self.store.push_subscriptions.delete_many({"_id": {"$in": ended}})
        for doc in (p for p in phones if p["session"] in live):
            # One conditional write claims the phone, so one burst is one notification on every server process.
            claimed = await self.store.push_subscriptions.find_one_and_update(
                {"_id": doc["_id"], "child": child_id,
                 "$or": [{"pushed_at": None}, {"pushed_at": {"$lt": cut}}]},
                {"$set": {"pushed_at": now}})
            if claimed is None:
                continue
            try:
                info = json.loads(await self.keyring.unseal(child_id, claimed["subscription_sealed"], PURPOSE))
            except DataErased:
                await self.store.push_subscriptions.delete_one({"_id": doc["_id"]})
                continue
            if text is None:
                text = self.chat.languages.write(NEW_MESSAGE, await self.chat.language_of(child_id))
            subscription = Subscription(info["endpoint"], info["keys"]["p256dh"], info["keys"]["auth"])
            status = await self.gateway.send(subscription, text, key=await self.private_key(), contact=self.contact,
                                             ttl=self.settings.push_ttl_seconds)
            if status in GONE:
                # The browser unsubscribed or the push service forgot it: nothing will reach it again.
                await self.store.push_subscriptions.delete_one({"_id": doc["_id"]})
                log.info("push: a phone's notifications had ended at its push service; removed")
            elif 200 <= status < 300:
                sent += 1
            else:
                log.warning("push: the push service refused a notification (HTTP %s)", status)
        return sent
