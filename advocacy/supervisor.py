"""`advocacy serve --workers N`: N server processes sharing one database and one Redis.

The supervisor (this module) starts the embedded database when no MongoDB URI
is set, seeds the demo if asked, then starts N ordinary `advocacy serve`
processes on consecutive ports (or all on one port with SO_REUSEPORT) and
restarts any that stops unexpectedly. The processes share Socket.IO rooms and
presence through Redis, so any of them can serve any client; background jobs
take a lease so exactly one runs each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from advocacy import demo
from advocacy.bootstrap import build
from advocacy.crypto import development_key_path, load_master_key
from advocacy.embedded_db import EmbeddedDatabase, _die_with_parent
from advocacy.pairing.authorities import install_shipped
from advocacy.settings import Settings
from advocacy.store import Store

log = logging.getLogger("advocacy.supervisor")

RESTART_DELAY_SECONDS = 1.0


class WorkersError(ValueError):
    """The workers cannot start as configured; the message says what to change."""


@dataclass
class Worker:
    number: int
    port: int
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    waiter: asyncio.Task[int] | None = field(default=None, repr=False)


def worker_ports(settings: Settings, count: int, reuse_port: bool) -> list[int]:
    return [settings.port] * count if reuse_port else [settings.port + i for i in range(count)]


async def _start(worker: Worker, settings: Settings, uri: str, reuse_port: bool) -> None:
    env = {
        **os.environ,
        "ADVOCACY_MONGODB_URI": uri,
        "ADVOCACY_WORKERS": "1",
        "ADVOCACY_DATA_DIR": str(settings.data_dir),
        "ADVOCACY_HOST": settings.host,
        "ADVOCACY_PORT": str(worker.port),
        **({"ADVOCACY_MASTER_KEY_FILE": settings.master_key_file} if settings.master_key_file else {}),
    }
    args = [sys.executable, "-m", "advocacy", "serve"] + (["--reuse-port"] if reuse_port else [])
    worker.process = await asyncio.create_subprocess_exec(
        *args, env=env, stdin=asyncio.subprocess.DEVNULL, preexec_fn=_die_with_parent,
    )
    worker.waiter = asyncio.create_task(worker.process.wait())
    print(f"  worker {worker.number} (pid {worker.process.pid}) at http://{settings.host}:{worker.port}", flush=True)


async def supervise(settings: Settings, count: int, with_demo: bool, reuse_port: bool = False) -> None:
    """Run ``count`` server processes until SIGINT/SIGTERM; restart any that dies."""
    if count > 1 and not settings.redis_url:
        raise WorkersError(
            "--workers needs a Redis server the processes share: set ADVOCACY_REDIS_URL "
            "(e.g. redis://127.0.0.1:6379/0); see docs/operations.md"
        )
    # A development key is made once here, not raced by the workers, and given to them by its path.
    load_master_key(settings, create_for_development=settings.development_master_key)
    if settings.development_master_key and not settings.master_key and not settings.master_key_file:
        settings = settings.replace(master_key_file=str(development_key_path(settings)))
    embedded = None
    uri = settings.mongodb_uri
    if not uri:
        embedded = await EmbeddedDatabase.start(Path(settings.data_dir))
        uri = embedded.uri
    workers = [Worker(i + 1, port) for i, port in enumerate(worker_ports(settings, count, reuse_port))]
    try:
        store = await Store.connect(uri, settings.database_name, settings.database_timeout_seconds)
        try:
            await store.create_indexes()
            await install_shipped(store)  # here once, not raced by the workers
            if with_demo:
                services = build(settings.replace(mongodb_uri=uri), store)
                try:
                    creds = await demo.seed(services, Path(settings.data_dir), settings.base_url)
                finally:
                    await services.close()
                print(demo.describe(creds, demo.credentials_path(settings.data_dir)), flush=True)
        finally:
            await store.close()
        print(f"Advocacy service: {count} worker processes (Ctrl+C to stop)", flush=True)
        for worker in workers:
            await _start(worker, settings, uri, reuse_port)
        await _watch(workers, settings, uri, reuse_port)
    finally:
        await _stop_all(workers)
        if embedded is not None:
            await embedded.stop()


async def _watch(workers: list[Worker], settings: Settings, uri: str, reuse_port: bool) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stopping = asyncio.create_task(stop.wait())
    while True:
        waiting = {w.waiter: w for w in workers if w.waiter is not None}
        done, _ = await asyncio.wait([stopping, *waiting], return_when=asyncio.FIRST_COMPLETED)
        if stopping in done:
            print("Stopping…", flush=True)
            return
        for task in done:
            worker = waiting[task]
            log.warning("worker %d (pid %d) stopped with exit code %s; starting it again",
                        worker.number, worker.process.pid, task.result())
            worker.restarts += 1
            await asyncio.sleep(RESTART_DELAY_SECONDS)
            if not stop.is_set():
                await _start(worker, settings, uri, reuse_port)


async def _stop_all(workers: list[Worker], timeout: float = 20.0) -> None:
    running = [w.process for w in workers if w.process is not None and w.process.returncode is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
