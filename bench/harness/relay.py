"""A bare python-socketio relay: no sign-in, no storage. The yardstick for bench/messages.py.

It speaks just enough of /chat for the swarm: the token is "USER:CONVERSATION",
`send` is relayed to the conversation's room and acknowledged at once.
"""

from __future__ import annotations

import itertools
import sys
from datetime import datetime, timezone

import socketio
from aiohttp import web

counter = itertools.count(1)


def make_app() -> web.Application:
    sio = socketio.AsyncServer(async_mode="aiohttp", transports=["websocket"])
    users: dict[str, tuple[str, str]] = {}

    @sio.on("connect", namespace="/chat")
    async def connect(sid, environ, auth):
        user, conversation = auth["token"].split(":", 1)
        users[sid] = (user, conversation)
        await sio.enter_room(sid, conversation, namespace="/chat")

    @sio.on("disconnect", namespace="/chat")
    async def disconnect(sid, reason=None):
        users.pop(sid, None)

    @sio.on("conversations", namespace="/chat")
    async def conversations(sid, data):
        return {"ok": True, "conversations": [{"id": users[sid][1]}]}

    @sio.on("history", namespace="/chat")
    async def history(sid, data):
        return {"ok": True, "messages": [], "more": False}

    @sio.on("send", namespace="/chat")
    async def send(sid, data):
        user, conversation = users[sid]
        message = {"id": f"{next(counter):024x}", "conversation": conversation,
                   "sender": {"id": user, "role": "relay", "name": user}, "text": data["text"],
                   "sent_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                   "client_id": data["client_id"]}
        await sio.emit("message", message, room=conversation, skip_sid=sid, namespace="/chat")
        return {"ok": True, "message": message}

    app = web.Application()
    sio.attach(app)

    async def health(request):
        return web.json_response({"ok": True})

    app.router.add_get("/api/health", health)
    return app


def pairs(count: int) -> list[dict]:
    return [{"conversation": f"cv{i}", "child": {"id": f"c{i}", "token": f"c{i}:cv{i}"},
             "advocate": {"id": f"a{i}", "token": f"a{i}:cv{i}"}} for i in range(count)]


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
