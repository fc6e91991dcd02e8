"""Nudge: tell an advocate when a child has waited too long for a reply, and their manager
after a whole working day. Through the console notifications, once per wait.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bots._run import run_alone
from bots.sdk import BotClient

log = logging.getLogger("bots.nudge")


def nudges(waiting: dict[str, Any], after_hours: float | None = None) -> list[tuple[str, str, str]]:
    """(to, kind, key) for one waiting conversation: pure, so the thresholds are easy to test."""
    threshold = after_hours if after_hours is not None else waiting.get("nudge_after_working_hours", 4)
    out = []
    for conv in waiting.get("waiting", []):
        waited = conv["waited_working_hours"]
        wait = f"{conv['conversation']}:{conv['waiting_since']}"
        if waited >= threshold:
            out.append((conv["conversation"], "advocate", "child.waiting", f"nudge:{wait}"))
        if waited >= conv["working_day_hours"]:
            out.append((conv["conversation"], "manager", "child.waiting_long", f"nudge-manager:{wait}"))
    return out


class NudgeBot:
    def __init__(self, client: BotClient, every_seconds: float = 60.0, after_hours: float | None = None) -> None:
        self.client = client
        self.every_seconds = every_seconds
        self.after_hours = after_hours
        self.told = 0

    async def nudge_once(self) -> int:
        """Look at who is waiting now and tell whoever needs telling; returns how many were told."""
        waiting = await self.client.waiting()
        if not waiting.get("ok"):
            return 0
        told = 0
        for conversation, to, kind, key in nudges(waiting, self.after_hours):
            ack = await self.client.notify(conversation, to, kind, key)
            told += bool(ack.get("ok") and ack.get("told"))
        self.told += told
        return told

    async def run(self) -> None:
        await self.client.start(timeout=None)
        while True:
            await self.client.connected.wait()
            try:
                await self.nudge_once()
            except Exception:
                log.exception("nudging failed; trying again later")
            await asyncio.sleep(self.every_seconds)


def main() -> int:
    def extra(p):
        p.add_argument("--every", type=float, default=60.0, help="seconds between looks (default 60)")
        p.add_argument("--after-hours", type=float, help="working hours a child may wait (default: the service's)")

    return run_alone(lambda client, args: NudgeBot(client, args.every, args.after_hours),
                     "Tell advocates (and then their managers) when a child is waiting.", extra)


if __name__ == "__main__":
    raise SystemExit(main())
