"""`advocacy serve`: the web server in this process (``--workers N``: advocacy.supervisor)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from pathlib import Path

from aiohttp import web

from advocacy import demo
from advocacy.bootstrap import build, open_store
from advocacy.crypto import load_master_key
from advocacy.edge.app import init_app
from advocacy.edge.middlewares import AccessLog
from advocacy.pairing.authorities import install_shipped
from advocacy.service_bots import ServiceBots, loopback_url
from advocacy.settings import Settings

# The garbage collector's thresholds once the server has started (Python's own: 700, 10, 10).
GC_THRESHOLDS = (20_000, 20, 20)


def collect_garbage_less_often() -> None:
    """Once started, set aside what start-up made (modules, rules, compiled patterns: kept for the
    process's life) and run the collector less often. With a thousand connections a full collection
    stopped the server for long enough to hold messages back by a few hundred milliseconds now and
    then; bench/messages.py at 500 msg/s: p99 376 and 400 ms with Python's thresholds, 135 and 119 ms
    with these (docs/operations.md). Cycles are still collected, in fewer, larger sweeps."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def serve(settings: Settings, with_demo: bool, reuse_port: bool = False) -> None:
    """Serve until Ctrl+C or SIGTERM, then stop quietly (a signal while still starting gives up starting)."""
    # Without a master key the server refuses before anything starts (MasterKeyError says how to give one).
    load_master_key(settings, create_for_development=settings.development_master_key)
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    stop = asyncio.Event()
    serving = asyncio.Event()

    def on_signal() -> None:
        stop.set()
        if not serving.is_set() and main is not None:
            main.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        await _serve(settings, with_demo, reuse_port, stop, serving)
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
        print("Stopped before it had finished starting.", flush=True)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _serve(settings: Settings, with_demo: bool, reuse_port: bool, stop: asyncio.Event,
                 serving: asyncio.Event) -> None:
    async with open_store(settings) as store:
        services = build(settings, store, master_key="made_if_missing")
        clock = services.clock
        await install_shipped(store)
        app = init_app(services)
        # Clients are sent a close packet at shutdown; give them a few seconds, not a minute.
        runner = web.AppRunner(app, shutdown_timeout=5, **(
            {"access_log": logging.getLogger("advocacy.access"), "access_log_class": AccessLog}
            if settings.access_log else {"access_log": None}))
        await runner.setup()
        try:
            site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None)
            await site.start()
            service_bots = None
            if settings.bots_enabled:
                service_bots = ServiceBots(store, services.auth, clock, loopback_url(settings, settings.port))
                service_bots.start()
            try:
                if with_demo:
                    creds = await demo.seed(services, Path(settings.data_dir), settings.base_url)
                    print(demo.describe(creds, demo.credentials_path(settings.data_dir)), flush=True)
                else:
                    print(f"Advocacy service running at {settings.base_url} (Ctrl+C to stop)", flush=True)
                collect_garbage_less_often()
                serving.set()
                await stop.wait()
                print("Stopping…", flush=True)
            finally:
                if service_bots is not None:
                    await service_bots.stop()
        finally:
            await runner.cleanup()
