"""A client of the advocacy service's public protocol (docs/protocol.md), for bots and simulations.

``BotClient`` wraps python-socketio's ``AsyncClient``: it signs in with a token
(a bot token from ``advocacy bots create NAME``, or any session token),
reconnects with exponential back-off and full jitter, moving to the next of its
URLs when one goes away, and runs ``on_connect`` hooks after every connection
so a client can catch up. It never imports the server: only the protocol.

``ChatParticipant`` acts as a child's or an advocate's screen would on /chat:
every message shows once (by id) however often it arrives, a send is retried
with the same ``client_id`` until it is acknowledged, and after a reconnection
history is read again from a little before the newest message, so nothing
stored while away is missed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import socketio

log = logging.getLogger("bots")

__all__ = ["RETRYABLE", "BotClient", "ChatParticipant", "Refused"]

# Acks that mean "not done, try again" rather than "wrong": a resend with the same
# client_id can never store a message twice, so retrying these is always safe.
RETRYABLE = frozenset({"unavailable", "timeout", "disconnected", "internal_error", "rate_limited"})
# Refusals that no reconnection will fix.
PERMANENT_REFUSALS = frozenset({"unauthorised", "session_expired", "forbidden"})
# After a reconnection, read history again from a message this much older than the
# newest one held: with several server processes, messages stored at the same
# moment may be numbered slightly out of order.
RESYNC_LOOK_BACK = timedelta(minutes=2)


class Refused(Exception):
    """The server refused the token (unauthorised, session_expired or forbidden)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def _failed(code: str, message: str) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code, "message": message}}


Handler = Callable[..., Awaitable[None] | None]


class BotClient:
    """One signed-in Socket.IO connection that keeps itself connected.

    ``urls`` is one base URL or several (tried in turn); ``namespaces`` are the
    namespaces to join ("/bots" for bots, "/chat" for children and advocates).
    """

    def __init__(
        self,
        urls: str | Sequence[str],
        token: str,
        namespaces: Iterable[str] = ("/bots",),
        *,
        ack_timeout: float = 10.0,
        backoff_base: float = 0.25,
        backoff_max: float = 8.0,
        rng: random.Random | None = None,
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.token = token
        self.namespaces = list(namespaces)
        self.ack_timeout = ack_timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.rng = rng or random.Random()
        self.connected = asyncio.Event()
        self.connections = 0
        self.refused: Refused | None = None
        self.url: str | None = None
        self._handlers: list[tuple[str, Handler, str]] = []
        self._hooks: list[Callable[[], Awaitable[None]]] = []
        self._sio: socketio.AsyncClient | None = None
        self._lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._up = False  # the socket is connected (``connected`` waits for the hooks too)
        self._next_url = 0

    # set-up ------------------------------------------------------------------

    def on(self, event: str, handler: Handler, namespace: str | None = None) -> None:
        """Call ``handler(data)`` for each server event ``event`` (kept across reconnections)."""
        self._handlers.append((event, handler, namespace or self.namespaces[0]))
        if self._sio is not None:
            self._sio.on(event, handler, namespace=namespace or self.namespaces[0])

    def on_connect(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run ``hook()`` after every connection (e.g. to catch up on what was missed)."""
        self._hooks.append(hook)

    async def start(self, timeout: float | None = 30.0) -> None:
        """Start connecting; wait (up to ``timeout`` s, None: no wait) for the first connection."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="bot client")
        if timeout is not None:
            waiting = asyncio.create_task(self.connected.wait())
            done, _ = await asyncio.wait([waiting, self._task], timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            if self.refused is not None:
                raise self.refused
            if not done:
                raise TimeoutError(f"could not connect to {', '.join(self.urls)} within {timeout:.0f} s")

    async def run_forever(self) -> None:
        """Stay connected until ``stop`` (or until the token is refused, raising Refused)."""
        await self.start(timeout=None)
        await self._task
        if self.refused is not None:
            raise self.refused

    async def stop(self) -> None:
        self._closing = True
        self._lost.set()
        if self._sio is not None and self._sio.connected:
            await self._sio.disconnect()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # wait until it has stopped
        await self._close_client()

    # calls -------------------------------------------------------------------

    async def call(self, event: str, data: Any = None, namespace: str | None = None,
                   timeout: float | None = None) -> dict[str, Any]:
        """Emit ``event`` and return its ack; never raises for a lost connection or a late ack.

        Those come back as ``{"ok": false, "error": {"code": "disconnected" | "timeout"}}``.
        """
        sio = self._sio
        if sio is None or not self._up:
            return _failed("disconnected", "not connected")
        try:
            ack = await sio.call(event, {} if data is None else data, namespace=namespace or self.namespaces[0],
                                 timeout=timeout or self.ack_timeout)
        except socketio.exceptions.TimeoutError:
            return _failed("timeout", "no answer in time")
        except (socketio.exceptions.BadNamespaceError, socketio.exceptions.DisconnectedError):
            return _failed("disconnected", "not connected")
        return ack if isinstance(ack, dict) else _failed("internal_error", "an answer that is not an object")

    # the bots' protocol (/bots) ------------------------------------------------

    async def post(self, conversation: str, text: str, key: str) -> dict[str, Any]:
        """Write into a child's conversation as this bot; stored (and delivered) once per ``key``."""
        return await self.call("post", {"conversation": conversation, "text": text, "key": key}, "/bots")

    async def away(self, conversation: str) -> dict[str, Any]:
        """Whether the child's advocate is away now, and when the child can expect a reply."""
        return await self.call("away", {"conversation": conversation}, "/bots")

    async def waiting(self) -> dict[str, Any]:
        """Conversations where a child is waiting for a reply, with working hours waited."""
        return await self.call("waiting", {}, "/bots")

    async def notify(self, conversation: str, to: str, kind: str, key: str) -> dict[str, Any]:
        """Tell the child's advocate (``to="advocate"``) or their manager (``"manager"``); once per ``key``."""
        return await self.call("notify", {"conversation": conversation, "to": to, "kind": kind, "key": key}, "/bots")

    async def pairings(self, since: str) -> dict[str, Any]:
        """Pairings started since ``since`` (ISO 8601) that are still current."""
        return await self.call("pairings", {"since": since}, "/bots")

    # connection loop ---------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.backoff_max, self.backoff_base * 2 ** attempt))

    def _new_client(self) -> socketio.AsyncClient:
        # The program that runs the bot owns Ctrl+C (serve, bots/_run.py): without handle_sigint=False the
        # client puts its own SIGINT handler in place of the program's, and it cancels every task.
        sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        for event, handler, namespace in self._handlers:
            sio.on(event, handler, namespace=namespace)
        errors: list[Any] = []
        for namespace in self.namespaces:
            sio.on("connect_error", lambda data=None: errors.append(data), namespace=namespace)
            sio.on("disconnect", lambda *_: self._lost.set(), namespace=namespace)
        sio.connect_errors = errors  # type: ignore[attr-defined]
        return sio

    async def _close_client(self) -> None:
        sio, self._sio = self._sio, None
        if sio is None:
            return
        try:
            if sio.connected:
                await sio.disconnect()
        except Exception:  # noqa: S110  (already gone: nothing left to disconnect)
            pass
        http = getattr(sio.eio, "http", None)
        if http is not None and not http.closed:
            await http.close()

    async def _run(self) -> None:
        attempt = 0
        while not self._closing:
            url = self.urls[self._next_url % len(self.urls)]
            await self._close_client()
            self._sio = sio = self._new_client()
            self._lost.clear()
            try:
                await sio.connect(url, namespaces=self.namespaces, auth={"token": self.token},
                                  transports=["websocket"], wait_timeout=10)
            except socketio.exceptions.ConnectionError:
                refusal = next((e for e in sio.connect_errors if isinstance(e, dict)), None)  # type: ignore[attr-defined]
                code = ((refusal or {}).get("data") or {}).get("code") if isinstance(refusal, dict) else None
                if code in PERMANENT_REFUSALS:
                    self.refused = Refused(code, refusal["data"].get("message", ""))
                    await self._close_client()
                    return
                self._next_url += 1
                await asyncio.sleep(self._backoff(attempt))
                attempt += 1
                continue
            attempt = 0
            self.url = url
            self.connections += 1
            self._up = True
            for hook in self._hooks:
                try:
                    await hook()
                except Exception:
                    log.exception("an on-connect hook failed")
            self.connected.set()
            await self._lost.wait()
            self._up = False
            self.connected.clear()
            self._next_url += 1  # this one just went away: try another first
            await asyncio.sleep(self._backoff(0))


@dataclass
class _Thread:
    seen: dict[str, dict[str, Any]] = field(default_factory=dict)


class ChatParticipant:
    """A child or an advocate on /chat, behaving as their screen does.

    ``on_message(msg)`` is called once per message id, whether it came live or
    through history after a reconnection.
    """

    def __init__(self, client: BotClient, on_message: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.client = client
        self.on_message = on_message
        self.me: str | None = None
        self.conversations: list[dict[str, Any]] = []
        self.threads: dict[str, _Thread] = {}
        self.repeats = 0  # arrivals of a message already shown (dropped, never shown twice)
        self.changes = 0  # times the server said this user's conversations changed
        self._resyncs: set[asyncio.Task[None]] = set()
        client.on("message", self._arrived, "/chat")
        client.on("conversations.changed", self._changed, "/chat")
        client.on_connect(self.resync)

    @classmethod
    def open(cls, urls: str | Sequence[str], token: str, **kwargs: Any) -> ChatParticipant:
        return cls(BotClient(urls, token, ("/chat",)), **kwargs)

    async def start(self, timeout: float | None = 30.0) -> None:
        await self.client.start(timeout)

    async def stop(self) -> None:
        await self.client.stop()

    def _show(self, msg: dict[str, Any]) -> bool:
        thread = self.threads.setdefault(msg["conversation"], _Thread())
        if msg["id"] in thread.seen:
            self.repeats += 1
            return False
        thread.seen[msg["id"]] = msg
        if self.on_message is not None:
            self.on_message(msg)
        return True

    async def _arrived(self, msg: dict[str, Any]) -> None:
        self._show(msg)

    async def _changed(self, _data: Any = None) -> None:
        # A new advocate, a cover begun or ended: list the conversations again, apart from the
        # socket's reading of events (resync waits on answers that reading delivers).
        self.changes += 1
        task = asyncio.ensure_future(self.resync())
        self._resyncs.add(task)
        task.add_done_callback(self._resyncs.discard)

    def messages(self, conversation: str) -> list[dict[str, Any]]:
        """What the screen shows, in the server's order."""
        return sorted(self.threads.get(conversation, _Thread()).seen.values(), key=lambda m: m["id"])

    async def resync(self) -> None:
        """Catch up on every conversation after a (re)connection."""
        ack = await self.client.call("conversations", {}, "/chat")
        if not ack.get("ok"):
            return
        self.conversations = ack["conversations"]
        for conv in self.conversations:
            await self._catch_up(conv["id"])

    async def _catch_up(self, conversation: str) -> None:
        held = self.messages(conversation)
        if not held:
            ack = await self.client.call("history", {"conversation": conversation, "limit": 200}, "/chat")
            for msg in ack.get("messages", []) if ack.get("ok") else []:
                self._show(msg)
            return
        newest = datetime.fromisoformat(held[-1]["sent_at"])
        anchor = next((m for m in reversed(held) if datetime.fromisoformat(m["sent_at"]) <= newest - RESYNC_LOOK_BACK),
                      held[0])
        after = anchor["id"]
        while True:
            ack = await self.client.call("history", {"conversation": conversation, "after": after, "limit": 200},
                                         "/chat")
            if not ack.get("ok") or not ack["messages"]:
                return
            for msg in ack["messages"]:
                self._show(msg)
            if not ack["more"]:
                return
            after = ack["messages"][-1]["id"]

    async def send(self, conversation: str, text: str, client_id: str | None = None,
                   give_up_after: float = 120.0) -> dict[str, Any]:
        """Send, retrying with the same client_id until the server acknowledges or refuses for good."""
        client_id = client_id or uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + give_up_after
        attempt = 0
        while True:
            ack = await self.client.call("send", {"conversation": conversation, "client_id": client_id, "text": text},
                                         "/chat")
            if ack.get("ok"):
                self.threads.setdefault(conversation, _Thread()).seen.setdefault(ack["message"]["id"], ack["message"])
                return ack
            if ack["error"]["code"] not in RETRYABLE or loop.time() >= deadline:
                return ack
            if ack["error"]["code"] == "disconnected":
                try:
                    await asyncio.wait_for(self.client.connected.wait(), max(0.1, deadline - loop.time()))
                except TimeoutError:
                    return ack
            else:
                await asyncio.sleep(self.client._backoff(attempt))
                attempt += 1
