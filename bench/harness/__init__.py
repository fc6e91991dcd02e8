"""Shared by the bench scripts: a database in its own process, servers, seeded accounts."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from advocacy.embedded_db import EmbeddedDatabase, free_port
from advocacy.store import Store
from bots.lite import wait_until_serving
from bots.swarm import raise_open_files_limit as raise_open_files  # noqa: F401  (for the scripts)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADVOCACY = str(BIN / "advocacy")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


@dataclass
class Database:
    embedded: EmbeddedDatabase

    @property
    def uri(self) -> str:
        return self.embedded.uri

    @classmethod
    async def start(cls, folder: Path) -> Database:
        return cls(await EmbeddedDatabase.start(folder))

    async def stop(self) -> None:
        await self.embedded.stop()


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    port: int

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# The benches read the server's /metrics (the database's commands by name) with this token.
METRICS_TOKEN = "bench-metrics-" + "t" * 24


def server_env(uri: str, database: str, data_dir: Path, **extra: str) -> dict[str, str]:
    # A bench's data is throwaway: the master key is made in its folder like `serve --demo` does.
    return {**os.environ, "ADVOCACY_MONGODB_URI": uri, "ADVOCACY_DATABASE_NAME": database,
            "ADVOCACY_DATA_DIR": str(data_dir), "ADVOCACY_BOTS_ENABLED": "false", "ADVOCACY_LOG_LEVEL": "WARNING",
            "ADVOCACY_METRICS_TOKEN": METRICS_TOKEN, "ADVOCACY_DEVELOPMENT_MASTER_KEY": "true", **extra}


async def database_commands(url: str) -> Counter[str]:
    """The server's database commands so far, by "command collection" (from its /metrics)."""
    from prometheus_client.parser import text_string_to_metric_families

    async with aiohttp.ClientSession() as http, http.get(
            f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}) as resp:
        text = await resp.text()
    counts: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "advocacy_database_commands_total":
                counts[f"{sample.labels['command']} {sample.labels['collection']}".strip()] += int(sample.value)
    return counts


def commands_per(before: Counter[str], after: Counter[str], messages: int, top: int = 6) -> str:
    """Database commands per message in all, then the largest parts: "4.10 (find conversations 1.36, …)"."""
    spent = after - before
    if not messages:
        return "no messages"
    parts = ", ".join(f"{name} {count / messages:.2f}" for name, count in spent.most_common(top))
    return f"{sum(spent.values()) / messages:.2f} ({parts})"


async def start_server(env: dict[str, str], port: int | None = None, log: Path | None = None) -> Server:
    port = port or free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: ASYNC230  (a bench script, not the server: nothing else waits on this loop)
    process = subprocess.Popen([ADVOCACY, "serve", "--port", str(port)], env=env, stdout=out, stderr=out,  # noqa: ASYNC220  (a bench script, not the server: nothing else waits on this loop)
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    await wait_serving(url, process)
    return Server(process, url, port)


async def wait_serving(url: str, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
    if not await wait_until_serving(url, timeout, lambda: process is not None and process.poll() is not None):
        raise SystemExit(f"{url} did not start")


@dataclass
class Service:
    """The database and a server (which a bench may replace), with seeded accounts; with ``workers`` above 1,
    that many servers sharing the database and a Redis (``servers``), as ``advocacy serve --workers`` runs them."""

    db: Database
    env: dict[str, str]
    server: Server
    accounts: dict[str, Any]
    folder: Path
    servers: list[Server] = field(default_factory=list)

    async def restart(self, sig: int) -> float:
        """Stop the server with ``sig``, start it again on the same port; seconds until it serves."""
        started = time.monotonic()
        old = self.server
        old.stop(sig)
        self.server = await start_server(self.env, port=old.port, log=self.folder / "server.log")
        self.servers = [self.server if s is old else s for s in self.servers]
        return time.monotonic() - started


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server (no saving to disk) on a free port: its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is needed for several workers: apt-get install -y redis-server")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.asynccontextmanager
async def service(folder: Path, database: str, pairs: int, accounts_file: str = "accounts.json", workers: int = 1,
                  without_earlier_messages: bool = False, **env: str) -> AsyncIterator[Service]:
    """``without_earlier_messages``: the messages earlier runs left in the kept database are dropped first, so
    every run starts from the same state (in SecantusDB a conversation's last message and unread count, read
    by each screen that connects, cost more the longer its chat is)."""
    db = await Database.start(folder / "db")
    if without_earlier_messages:
        await drop_messages(db.uri, database)
    servers: list[Server] = []
    running: Service | None = None
    with contextlib.ExitStack() as stack:
        try:
            if workers > 1:
                env = {**env, "ADVOCACY_REDIS_URL": stack.enter_context(redis_server())}
            environment = server_env(db.uri, database, folder, **env)
            accounts = seed(environment, pairs, folder / accounts_file)
            for _ in range(workers):
                servers.append(await start_server(environment, log=folder / "server.log"))
            running = Service(db, environment, servers[0], accounts, folder, servers)
            yield running
        finally:
            for server in running.servers if running is not None else servers:
                server.stop()
            await db.stop()


async def drop_messages(uri: str, database: str) -> None:
    """Drop the messages collection (the server makes its indexes again as it starts) and the waits and
    read marks that pointed into it."""
    store = await Store.connect(uri, database, operation_timeout_seconds=600)  # 292 MB took SecantusDB over 15 s
    try:
        started = time.monotonic()
        await store.messages.drop()
        print(f"  earlier runs' messages dropped in {time.monotonic() - started:.0f} s", flush=True)
        await store.conversations.update_many({}, {"$set": {"waiting_since": None, "read": {}}})
    finally:
        await store.close()


def seed(env: dict[str, str], pairs: int, out: Path) -> dict[str, Any]:
    """Accounts from `advocacy demo swarm-seed`, kept in ``out`` and reused when big enough."""
    if out.exists():
        accounts = json.loads(out.read_text())
        if len(accounts["pairs"]) >= pairs:
            return accounts
    started = time.monotonic()
    print(f"  seeding {pairs} child-advocate pairs (kept for later runs)…", flush=True)
    subprocess.run([ADVOCACY, "demo", "swarm-seed", str(pairs), "--out", str(out)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)
    return json.loads(out.read_text())


def bench_dir(name: str, fresh: bool) -> Path:
    folder = ROOT / "var" / "bench" / name
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
