"""A very small Socket.IO client on a bare WebSocket (Engine.IO 4), for thousands of idle users.

It signs in on one namespace, answers the server's pings and counts what
arrives; ``paused`` makes it stop reading altogether, as a phone that went to
sleep mid-conversation would. For load and fault tests, where a full
``socketio.AsyncClient`` per user would cost more than the server being measured.
"""

from __future__ import annotations

import asyncio
import json
import socket

import aiohttp


async def wait_until_serving(url: str, timeout: float = 90, gave_up=lambda: False) -> bool:
    """Wait until ``url``/api/health answers 200; False after ``timeout`` s or once ``gave_up()``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline and not gave_up():
            try:
                async with http.get(url + "/api/health") as resp:
                    if resp.status == 200:
                        return True
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    return False


class RawSocket:
    """A Socket.IO client on a bare WebSocket (Engine.IO v4): small, for thousands of idle users.

    It answers pings and otherwise ignores what arrives; ``paused`` stops reading
    altogether (a slow or dead phone).
    """

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str, namespace: str = "/chat",
                 receive_buffer: int | None = None) -> None:
        self.http, self.url, self.token, self.namespace = http, url, token, namespace
        self.receive_buffer = receive_buffer
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.task: asyncio.Task[None] | None = None
        self.received = 0
        self.paused = asyncio.Event()

    async def connect(self) -> None:
        ws_url = self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        self.ws = await self.http.ws_connect(ws_url, autoping=False, max_msg_size=0)
        if self.receive_buffer:  # a slow link: the kernel holds little for us
            sock = self.ws.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        opened = await self.ws.receive_str(timeout=30)
        if not opened.startswith("0"):  # not Engine.IO's open packet
            raise ConnectionError(opened)
        await self.ws.send_str(f"40{self.namespace}," + json.dumps({"token": self.token}))
        while True:
            packet = await self.ws.receive_str(timeout=60)
            if packet.startswith(f"40{self.namespace},"):
                break
            if packet.startswith(f"44{self.namespace},"):
                raise ConnectionError(packet)
        self.task = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if self.paused.is_set():
                await asyncio.Event().wait()  # never read again: the kernel buffers fill up
            if msg.type == aiohttp.WSMsgType.TEXT:
                if msg.data == "2":
                    await ws.send_str("3")
                else:
                    self.received += 1

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.ws is not None:
            await self.ws.close()
