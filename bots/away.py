"""Away: when a child writes and their advocate is offline or outside their working hours,
reply once per absence with when to expect an answer and help that works now.
"""

from __future__ import annotations

import logging
from typing import Any

from bots._run import run_alone
from bots.sdk import BotClient

log = logging.getLogger("bots.away")

HELP_NOW = (
    "If you are in danger right now, call 999. "
    "You can talk to Childline about anything, any time, day or night: call 0800 1111. It's free."
)


def away_text(expected: str) -> str:
    return f"Thanks for your message. {expected}\n\n{HELP_NOW}"


class AwayBot:
    def __init__(self, client: BotClient) -> None:
        self.client = client
        self.replies = 0
        client.on("child_message", self.child_wrote, "/bots")

    async def child_wrote(self, news: dict[str, Any]) -> None:
        conversation = news.get("conversation")
        if not conversation:
            return
        status = await self.client.away(conversation)
        if not status.get("ok") or not status.get("away"):
            return
        # The service words the reply in the child's language; an older service sends only "expected".
        ack = await self.client.post(conversation, status.get("reply") or away_text(status["expected"]),
                                     key=f"away:{conversation}:{status['absence']}")
        if ack.get("ok") and ack.get("new"):
            self.replies += 1
        elif not ack.get("ok"):
            log.warning("could not reply while away: %s", ack["error"]["code"])

    async def run(self) -> None:
        await self.client.run_forever()


def main() -> int:
    return run_alone(lambda client, args: AwayBot(client), "Tell children when their advocate is away.")


if __name__ == "__main__":
    raise SystemExit(main())
