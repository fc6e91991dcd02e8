"""The swarm: simulated children and advocates chatting in pairs, for load and demos.

    advocacy demo swarm-seed 250                    # once: accounts and tokens in var/swarm-accounts.json
    python -m bots.swarm --rate 200 --duration 30   # then: 200 messages a second for 30 seconds

Each pair is one child and their advocate, each a ``ChatParticipant`` (a
screen: it shows each message once, retries sends with the same client_id,
catches up after reconnecting). Messages are sent at a constant rate whatever
the server does (open loop: a slow server cannot slow the senders down and hide
its latency); the time from a send to the message's arrival on the other side
is recorded. At the end it prints the percentiles and how many messages were
sent, acknowledged, delivered and lost (acknowledged but never delivered).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import resource
import secrets
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.sdk import BotClient, ChatParticipant

log = logging.getLogger("bots.swarm")


def percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def raise_open_files_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


@dataclass
class Report:
    pairs: int
    rate: float
    duration: float
    sent: int = 0
    acknowledged: int = 0
    delivered: int = 0
    failed: Counter = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)  # send -> arrival on the other side
    ack_ms: list[float] = field(default_factory=list)
    shown_twice: int = 0  # never expected: a screen shows each message once
    repeats_dropped: int = 0  # arrivals of a message a screen already had (dropped by id)
    reconnections: int = 0
    elapsed: float = 0.0
    acked_ids: list[str] = field(default_factory=list)  # client_ids acknowledged
    lost_ids: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return len(self.lost_ids)

    def summary(self) -> dict[str, Any]:
        lat, ack = sorted(self.latencies_ms), sorted(self.ack_ms)
        return {
            "pairs": self.pairs, "rate": self.rate, "duration": self.duration, "sent": self.sent,
            "acknowledged": self.acknowledged, "delivered": self.delivered, "lost": self.lost,
            "failed": dict(self.failed), "shown_twice": self.shown_twice, "repeats_dropped": self.repeats_dropped,
            "reconnections": self.reconnections,
            "p50_ms": percentile(lat, 0.5), "p90_ms": percentile(lat, 0.9), "p99_ms": percentile(lat, 0.99),
            "max_ms": lat[-1] if lat else float("nan"),
            "ack_p50_ms": percentile(ack, 0.5), "ack_p99_ms": percentile(ack, 0.99),
            "sent_per_second": self.sent / self.elapsed if self.elapsed else 0.0,
        }

    def text(self) -> str:
        s = self.summary()
        failed = ", ".join(f"{code} {n}" for code, n in sorted(self.failed.items())) or "none"
        return "\n".join([
            f"  sent {s['sent']}  acknowledged {s['acknowledged']}  delivered {s['delivered']}  lost {s['lost']}"
            f"  shown twice {s['shown_twice']}  (not acknowledged: {failed})",
            f"  send -> arrival ms: p50 {s['p50_ms']:.1f}  p90 {s['p90_ms']:.1f}  p99 {s['p99_ms']:.1f}"
            f"  max {s['max_ms']:.1f}",
            f"  send -> ack ms: p50 {s['ack_p50_ms']:.1f}  p99 {s['ack_p99_ms']:.1f}"
            f"   ({s['sent_per_second']:.0f} msg/s offered; {s['reconnections']} reconnections,"
            f" {s['repeats_dropped']} repeated arrivals dropped)",
        ])


class Swarm:
    """``pairs``: [{"conversation", "child": {"id", "token"}, "advocate": {"id", "token"}}]."""

    def __init__(self, urls: Sequence[str], pairs: list[dict[str, Any]], *, give_up_after: float = 120.0) -> None:
        self.urls = list(urls)
        self.pairs = pairs
        self.give_up_after = give_up_after
        self.people: list[tuple[ChatParticipant, str, str]] = []  # (screen, conversation, their id)
        self.run_id = secrets.token_hex(3)
        self._sent_at: dict[str, float] = {}
        self._delivered: dict[str, float] = {}

    async def connect(self, concurrency: int = 50) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int, pair: dict[str, Any], side: str) -> tuple[ChatParticipant, str, str]:
            urls = self.urls[i % len(self.urls):] + self.urls[:i % len(self.urls)]
            me = pair[side]["id"]
            screen = ChatParticipant(BotClient(urls, pair[side]["token"], ("/chat",)),
                                     on_message=lambda message: self._arrived(message, me))
            async with gate:
                await screen.start(timeout=120)
            return screen, pair["conversation"], pair[side]["id"]

        self.people = list(await asyncio.gather(*(
            one(i, pair, side) for i, pair in enumerate(self.pairs) for side in ("child", "advocate"))))
        # The screens live as long as the swarm: set them aside from the garbage collector's full
        # sweeps (``close`` gives them back). Otherwise each full sweep walks a thousand connections'
        # objects and stops the senders for about 300 ms: the messages then in flight look that much
        # slower, though the server did nothing wrong (bench/messages.py at 500 msg/s, every 15 s).
        gc.collect()
        gc.freeze()

    def _arrived(self, message: dict[str, Any], me: str) -> None:
        client_id = message.get("client_id", "")
        if message["sender"]["id"] != me and client_id in self._sent_at and client_id not in self._delivered:
            self._delivered[client_id] = time.monotonic()

    async def run(self, rate: float, duration: float, drain: float = 10.0) -> Report:
        report = Report(len(self.pairs), rate, duration)
        self.run_id = secrets.token_hex(3)  # fresh client ids for each run
        self._sent_at.clear()
        self._delivered.clear()
        total = int(rate * duration)
        tasks: set[asyncio.Task[None]] = set()
        loop = asyncio.get_running_loop()
        start = loop.time()
        for k in range(total):
            delay = start + k / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(self._send(k, report))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        report.elapsed = loop.time() - start
        if tasks:
            await asyncio.wait(tasks, timeout=self.give_up_after + drain)
        await self._drain(report, drain)
        return report

    async def _send(self, k: int, report: Report) -> None:
        screen, conversation, _ = self.people[k % len(self.people)]
        client_id = f"swarm-{self.run_id}-{k}"
        sent = time.monotonic()
        self._sent_at[client_id] = sent
        report.sent += 1
        ack = await screen.send(conversation, f"swarm message {k}", client_id, give_up_after=self.give_up_after)
        if ack.get("ok"):
            report.acknowledged += 1
            report.acked_ids.append(client_id)
            report.ack_ms.append((time.monotonic() - sent) * 1000)
        else:
            report.failed[ack["error"]["code"]] += 1

    async def _drain(self, report: Report, drain: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain
        while loop.time() < deadline and any(c not in self._delivered for c in report.acked_ids):  # noqa: ASYNC110  (a bounded wait at the end of a run; arrival times are stamped in _arrived, not here)
            await asyncio.sleep(0.05)
        for client_id in report.acked_ids:
            arrived = self._delivered.get(client_id)
            if arrived is None:
                report.lost_ids.append(client_id)
            else:
                report.latencies_ms.append((arrived - self._sent_at[client_id]) * 1000)
        report.delivered = len(report.latencies_ms)
        for screen, conversation, _ in self.people:
            report.repeats_dropped += screen.repeats
            report.reconnections += max(0, screen.client.connections - 1)
            shown = [m["client_id"] for m in screen.messages(conversation) if m["client_id"] in self._sent_at]
            report.shown_twice += len(shown) - len(set(shown))

    async def close(self) -> None:
        await asyncio.gather(*(screen.stop() for screen, _, _ in self.people), return_exceptions=True)
        self.people = []
        gc.unfreeze()


def load_pairs(path: Path, count: int | None) -> tuple[list[dict[str, Any]], str]:
    accounts = json.loads(path.read_text())
    pairs = accounts["pairs"][:count] if count else accounts["pairs"]
    if count and len(pairs) < count:
        raise SystemExit(f"{path} has {len(pairs)} pairs; make more with `advocacy demo swarm-seed {count}`")
    return pairs, accounts.get("url", "")


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    pairs, url = load_pairs(Path(args.accounts), args.pairs)
    urls = args.url or [url]
    raise_open_files_limit(4 * len(pairs) + 256)
    swarm = Swarm(urls, pairs)
    print(f"swarm: {len(pairs)} pairs, {args.rate:g} msg/s for {args.duration:g} s (open loop) against "
          f"{', '.join(urls)}", flush=True)
    await swarm.connect()
    try:
        report = await swarm.run(args.rate, args.duration, args.drain)
    finally:
        await swarm.close()
    print(report.text(), flush=True)
    return report.summary()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Simulated children and advocates chatting at a constant rate.")
    p.add_argument("--url", action="append", help="server address (repeat for several processes); "
                                                  "default: the one in the accounts file")
    p.add_argument("--accounts", default="var/swarm-accounts.json",
                   help="tokens from `advocacy demo swarm-seed N` (default var/swarm-accounts.json)")
    p.add_argument("--pairs", type=int, help="how many of the file's pairs to use (default: all)")
    p.add_argument("--rate", type=float, default=50.0, help="messages per second, all pairs together (default 50)")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of sending (default 10)")
    p.add_argument("--drain", type=float, default=10.0, help="seconds to wait for late deliveries (default 10)")
    p.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    summary = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(summary), flush=True)
    return 0 if summary["lost"] == 0 and summary["shown_twice"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
