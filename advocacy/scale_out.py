"""Several server processes acting as one: shared rooms, presence and sign-outs through Redis.

With ``redis_url`` set, every process's Socket.IO server shares rooms through
Redis (``socketio.AsyncRedisManager``, made by the edge on ``channel_prefix``: an
emit to a room reaches sockets in every process), counts who is connected in
Redis rather than in its own memory, and tells every process when a session
ends (so it closes that session's sockets) and when someone's conversations
change (so it moves their sockets in or out of the conversations' rooms). Without it nothing here is
used and a single process keeps everything in memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Iterable

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from advocacy.background import cancelled
from advocacy.chat.presence import Presence
from advocacy.events import News, Topic
from advocacy.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["RedisPresence", "SharedTopic", "channel_prefix", "redis_client"]


def channel_prefix(settings: Settings) -> str:
    # Several services (or test databases) may share one Redis: keep each to its own keys.
    return f"advocacy:{settings.database_name}:"


def redis_client(settings: Settings) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        settings.redis_url, decode_responses=True, socket_timeout=settings.database_operation_timeout_seconds,
        socket_connect_timeout=settings.database_operation_timeout_seconds,
    )


def listening_client(settings: Settings) -> aioredis.Redis:
    """A connection for subscriptions: it waits for news as long as it takes."""
    return aioredis.Redis.from_url(settings.redis_url, decode_responses=True, health_check_interval=30)


# KEYS[1]: the user's hash {process: open connections}. ARGV: process, change, heartbeat key prefix, expiry.
# Counts of processes whose heartbeat has expired (killed without a goodbye) are dropped.
_CHANGE = """
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if n <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if redis.call('EXISTS', ARGV[3] .. fields[i]) == 1 then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
if total > 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
return total
"""


class RedisPresence(Presence):
    """Open connections per user, per process, in Redis: "online" holds across processes.

    Each process renews a heartbeat key every few seconds; when a process dies
    without a goodbye its heartbeat expires within ``ttl`` seconds and its counts
    stop counting. Redis errors never refuse a connection: presence is then
    reported as unknown (offline) and logged.
    """

    def __init__(self, redis: aioredis.Redis, settings: Settings, ttl: int = 15) -> None:
        super().__init__()
        self.redis = redis
        self.process = secrets.token_hex(6)
        self.ttl = ttl
        self._users = channel_prefix(settings) + "presence:user:"
        self._processes = channel_prefix(settings) + "presence:process:"
        self._change = redis.register_script(_CHANGE)
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.redis.set(self._processes + self.process, "1", ex=self.ttl)
        self._heartbeat = asyncio.create_task(self._beat(), name="presence heartbeat")

    async def stop(self) -> None:
        await cancelled(self._heartbeat)
        try:  # our sockets are closing: stop counting them everywhere at once
            await self.redis.delete(self._processes + self.process)
        except RedisError:
            pass

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self.redis.set(self._processes + self.process, "1", ex=self.ttl)
            except RedisError as exc:
                log.warning("presence heartbeat failed: %s", exc.__class__.__name__)

    async def _total_after(self, user_id: str, change: int) -> int | None:
        try:
            return int(await self._change(
                keys=[self._users + user_id], args=[self.process, change, self._processes, 24 * 3600]
            ))
        except RedisError as exc:
            log.warning("presence unavailable: %s", exc.__class__.__name__)
            return None

    async def connected(self, user_id: str) -> bool:
        return await self._total_after(user_id, 1) == 1

    async def disconnected(self, user_id: str) -> bool:
        return await self._total_after(user_id, -1) == 0

    async def online(self, user_ids: Iterable[str]) -> set[str]:
        wanted = sorted(set(user_ids))
        totals = await asyncio.gather(*(self._total_after(u, 0) for u in wanted))
        return {u for u, total in zip(wanted, totals, strict=True) if total}


class SharedTopic(Topic[News]):
    """A topic every process hears, through a Redis channel.

    ``publish`` sends the news (which must be JSON) to Redis; every process that
    has called ``start`` (the servers) then runs its own subscribers with it. A
    process that never starts it (a command run from a shell) only tells the
    servers. If Redis cannot be reached, this process's own subscribers still run
    and the others catch up when their pages reconnect.
    """

    def __init__(self, settings: Settings, name: str) -> None:
        super().__init__(name)
        self.redis = listening_client(settings)
        self.channel = channel_prefix(settings) + name
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, news: News) -> None:
        try:
            await self.redis.publish(self.channel, json.dumps(news))
        except (RedisError, OSError) as exc:
            log.warning("could not tell the other processes of %s (%s)", self.name, exc.__class__.__name__)
            await super().publish(news)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name=self.name)
        await asyncio.wait_for(self._ready.wait(), 10)

    async def close(self) -> None:
        await cancelled(self._task)
        await self.redis.aclose()

    async def _listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._ready.set()
                    async for message in pubsub.listen():
                        await super().publish(json.loads(message["data"]))
            except (RedisError, OSError) as exc:
                log.warning("%s channel lost (%s); reconnecting", self.name, exc.__class__.__name__)
                await asyncio.sleep(1)
