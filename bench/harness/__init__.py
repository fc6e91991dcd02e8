"""Shared by the bench scripts: a database in its own process, servers, seeded accounts."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from advocacy.embedded_db import EmbeddedDatabase, free_port
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
    async def start(cls, folder: Path) -> "Database":
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


def server_env(uri: str, database: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "ADVOCACY_MONGODB_URI": uri, "ADVOCACY_DATABASE_NAME": database,
            "ADVOCACY_DATA_DIR": str(data_dir), "ADVOCACY_BOTS_ENABLED": "false", "ADVOCACY_LOG_LEVEL": "WARNING",
            **extra}


async def start_server(env: dict[str, str], port: int | None = None, log: Path | None = None) -> Server:
    port = port or free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen([ADVOCACY, "serve", "--port", str(port)], env=env, stdout=out, stderr=out,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    await wait_serving(url, process)
    return Server(process, url, port)


async def wait_serving(url: str, process: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise SystemExit(f"the server stopped at start (exit {process.returncode})")
            try:
                async with http.get(url + "/api/health") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"{url} did not start")


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
