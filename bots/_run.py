"""Running one bot on its own: `python -m bots.NAME --url URL --token TOKEN`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
from collections.abc import Callable
from typing import Any, Protocol

from bots.sdk import BotClient, Refused


class Bot(Protocol):
    async def run(self) -> None: ...


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--url", action="append", required=True,
                   help="the service's address, e.g. http://127.0.0.1:8080 (repeat for several processes)")
    p.add_argument("--token", default=os.environ.get("ADVOCACY_BOT_TOKEN"),
                   help="the bot's token from `advocacy bots create NAME` (or ADVOCACY_BOT_TOKEN)")
    return p


def run_alone(make: Callable[[BotClient, argparse.Namespace], Bot], description: str,
              extra: Callable[[argparse.ArgumentParser], Any] | None = None) -> int:
    p = parser(description)
    if extra is not None:
        extra(p)
    args = p.parse_args()
    if not args.token:
        p.error("a bot token is needed: --token TOKEN or ADVOCACY_BOT_TOKEN")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def main() -> int:
        client = BotClient(args.url, args.token)
        bot = make(client, args)
        task = asyncio.create_task(bot.run())
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([task, stopping], return_when=asyncio.FIRST_COMPLETED)
        task.cancel()
        stopping.cancel()
        await client.stop()
        if task.done() and not task.cancelled():
            task.exception()  # a refused token: reported below
        if client.refused is not None:
            print(f"the service refused the token: {client.refused}")
            return 2
        return 0

    try:
        return asyncio.run(main())
    except Refused as exc:
        print(f"the service refused the token: {exc}")
        return 2
