"""Real processes for scale-out and fault tests: redis-server, `advocacy serve`, its workers."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from advocacy.embedded_db import free_port
from bots.lite import wait_until_serving as serving
from bots.sdk import BotClient, ChatParticipant

ADVOCACY = str(Path(sys.executable).with_name("advocacy"))
WORKER_LINE = re.compile(r"worker (\d+) \(pid (\d+)\) at (\S+)")


@dataclass
class Redis:
    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


async def start_redis(folder: Path) -> Redis:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed for scale-out tests: apt-get install -y redis-server")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", str(folder), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            await writer.wait_closed()  # else its garbage collection, at any later moment, warns "unclosed"
            return Redis(process, port)
        except OSError:
            await asyncio.sleep(0.05)
    process.kill()
    pytest.fail("redis-server did not start")


async def stop_process(process: asyncio.subprocess.Process, sig: int = signal.SIGTERM, timeout: float = 60) -> None:
    if process.returncode is None:
        try:
            process.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()


@dataclass
class Supervisor:
    """`advocacy serve --workers N` and what it printed."""

    process: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    workers: dict[int, tuple[int, str]] = field(default_factory=dict)  # number: (pid, url)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task | None = None

    async def _read(self) -> None:
        while line := await self.process.stdout.readline():
            text = line.decode(errors="replace").rstrip()
            self.lines.append(text)
            match = WORKER_LINE.search(text)
            if match:
                self.workers[int(match[1])] = (int(match[2]), match[3])
            self.changed.set()

    async def wait_for(self, predicate, timeout: float = 90) -> None:
        async def loop() -> None:
            while not predicate():
                if self.process.returncode is not None and self.reader.done():
                    pytest.fail("advocacy serve stopped:\n" + "\n".join(self.lines))
                self.changed.clear()
                await self.changed.wait()

        try:
            await asyncio.wait_for(loop(), timeout)
        except TimeoutError:
            pytest.fail("advocacy serve did not get there in time; it printed:\n" + "\n".join(self.lines))

    def url(self, number: int) -> str:
        return self.workers[number][1]

    def pid(self, number: int) -> int:
        return self.workers[number][0]

    async def stop(self) -> None:
        await stop_process(self.process)
        if self.reader is not None:
            await self.reader


async def start_workers(data_dir: Path, count: int, env: dict[str, str], *extra: str) -> Supervisor:
    port = free_port()
    while any(not _port_free(port + i) for i in range(count)):
        port = free_port()
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "serve", "--workers", str(count), "--port", str(port), "--data-dir", str(data_dir), *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env={**os.environ, **env},
    )
    supervisor = Supervisor(process)
    supervisor.reader = asyncio.create_task(supervisor._read())
    await supervisor.wait_for(lambda: len(supervisor.workers) == count)
    for number in range(1, count + 1):
        await wait_until_serving(supervisor.url(number))
    return supervisor


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def wait_until_serving(url: str, timeout: float = 60) -> None:
    if not await serving(url, timeout):
        pytest.fail(f"{url} did not start serving")


async def sign_in(url: str, path: str, body: dict) -> str:
    async with aiohttp.ClientSession() as http:
        async with http.post(url + path, json=body) as resp:
            answer = await resp.json()
            assert resp.status == 200, answer
            return answer["token"]


class Screens:
    """Opens ChatParticipants (and tracks BotClients) for a test, and stops them all when it ends,
    passed or failed, so no connection outlives its test."""

    def __init__(self) -> None:
        self.clients: list[BotClient] = []

    def open(self, urls, token: str, **kwargs) -> ChatParticipant:
        participant = ChatParticipant.open(urls, token, **kwargs)
        self.clients.append(participant.client)
        return participant

    def track(self, client: BotClient) -> BotClient:
        self.clients.append(client)
        return client

    async def close(self) -> None:
        while self.clients:
            await self.clients.pop().stop()


@pytest.fixture
async def screens():
    opened = Screens()
    yield opened
    await opened.close()
