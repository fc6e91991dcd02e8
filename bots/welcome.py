"""Welcome: when a child is paired (or re-paired), introduce their advocate in plain words.

Told of each pairing on /bots; on every (re)connection it also looks at the
pairings of the last two days, so one made while it was away is welcomed too.
Each welcome is keyed by the pairing, so a child is never welcomed twice for one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from bots._run import run_alone
from bots.sdk import BotClient

log = logging.getLogger("bots.welcome")
CATCH_UP = timedelta(days=2)


def first_name(name: str) -> str:
    return (name or "").split(" ")[0] or "your advocate"


def welcome_text(advocate_name: str, repaired: bool) -> str:
    """What the child reads: who their advocate is, what an advocate does, privacy and its limit, opting out.

    The service's own notice already says a new advocate has started; this adds
    what a child needs to know to trust them, and how to say no.
    """
    name = advocate_name.strip() or "your advocate"
    first = first_name(name)
    hello = f"About {name}, your new advocate:" if repaired else f"About {name}, your advocate:"
    return (
        f"{hello}\n\n"
        f"An advocate is someone whose job is to be on your side. {first} will listen to what you think and "
        "what you want, and help make sure the adults who make decisions about your life hear it. "
        f"{first} is not part of your council.\n\n"
        f"What you say here stays between you and {first}. The only time {first} might have to tell someone "
        "else is if you or someone else could be in danger. Then they will try to talk to you about it first.\n\n"
        "You don't have to have an advocate. If you don't want one, or you would like someone else, tap "
        "\"About my advocate\" at the top of this chat, or just say so here. You won't get into trouble for asking."
    )


class WelcomeBot:
    def __init__(self, client: BotClient) -> None:
        self.client = client
        self.welcomed = 0
        client.on("pairing", self.paired, "/bots")
        client.on_connect(self.catch_up)

    async def paired(self, news: dict[str, Any]) -> None:
        if not news.get("advocate") or not news.get("conversation") or not news.get("pairing"):
            return  # no advocate now (opted out, or between advocates): nobody to introduce
        ack = await self.client.post(
            news["conversation"], welcome_text(news.get("advocate_name", ""), bool(news.get("previous"))),
            key=f"welcome:{news['pairing']}",
        )
        if ack.get("ok") and ack.get("new"):
            self.welcomed += 1
        elif not ack.get("ok"):
            log.warning("could not welcome (pairing %s): %s", news["pairing"], ack["error"]["code"])

    async def catch_up(self) -> None:
        since = (datetime.now(timezone.utc) - CATCH_UP).isoformat()
        ack = await self.client.pairings(since)
        for news in ack.get("pairings", []) if ack.get("ok") else []:
            await self.paired(news)

    async def run(self) -> None:
        await self.client.run_forever()


def main() -> int:
    return run_alone(lambda client, args: WelcomeBot(client), "Welcome each child to their advocate.")


if __name__ == "__main__":
    raise SystemExit(main())
