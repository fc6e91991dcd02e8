"""The bots over the real protocol: their rights, welcome, away and nudge."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import socketio

from advocacy.botapi.accounts import create_bot, issue_token
from bots.away import AwayBot
from bots.nudge import NudgeBot
from bots.sdk import BotClient
from bots.welcome import WelcomeBot
from tests.support import ChatClient, connect, sign_in

LONDON = ZoneInfo("Europe/London")


async def bot_token(server, name: str = "Helper") -> str:
    bot = await server.store.bots.find_one({"name": name}) or await create_bot(server.store, server.clock, name)
    return await issue_token(server.services.auth, bot, 30)


async def start(server, make, screens, name: str = "Helper"):
    client = screens.track(BotClient(server.url, await bot_token(server, name)))
    bot = make(client)
    await client.start()
    return client, bot


def set_time(server, local: datetime) -> None:
    """Move the server's clock to a London wall-clock time."""
    server.clock.advance(local.replace(tzinfo=LONDON) - server.clock.now())


async def eventually(check, timeout: float = 10) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("not reached in time")
        await asyncio.sleep(0.05)


async def from_bots(server, conversation: str) -> list[dict]:
    """The bots' messages in a conversation, as the child reads them (text opened)."""
    conv = await server.store.conversations.find_one({"_id": conversation})
    everything = await server.services.chat.everything_of_child(conv["child"])
    return [m for c in everything if c["id"] == conversation for m in c["messages"] if m["sender"]["role"] == "bot"]


# rights ------------------------------------------------------------------------


async def test_a_bot_has_only_the_bots_rights(world):
    server = world.server
    token = await bot_token(server)
    for namespace in ("/chat", "/console"):
        with pytest.raises(socketio.exceptions.ConnectionError):
            await ChatClient(server, namespace).connect(token)
    for person in (world.children[0], world.advocates[0]):
        with pytest.raises(socketio.exceptions.ConnectionError):
            await ChatClient(server, "/bots").connect(await sign_in(server, person))

    bot = await ChatClient(server, "/bots").connect(token)
    conv = world.conversation_of(world.children[0])
    for data, code in [
        ("nonsense", "bad_request"),
        ({"conversation": conv, "key": "k1"}, "text_missing"),
        ({"conversation": conv, "text": "hi"}, "client_id_missing"),
        ({"conversation": "cv_nope", "text": "hi", "key": "k1"}, "conversation_not_found"),
        ({"conversation": conv, "text": "x" * 5000, "key": "k1"}, "text_too_long"),
    ]:
        ack = await bot.call("post", data)
        assert ack["ok"] is False and ack["error"]["code"] == code, data
    bad_notify = await bot.call("notify", {"conversation": conv, "to": "everyone", "kind": "child.waiting", "key": "n"})
    assert bad_notify["error"]["code"] == "bad_request"
    assert (await bot.call("pairings", {"since": "yesterday"}))["error"]["code"] == "bad_request"
    assert (await server.store.messages.count_documents({}) == 0
            and await server.store.notifications.count_documents({}) == 0)
    assert bot.sio.connected


async def test_a_bot_post_reaches_the_child_once_per_key_and_is_not_an_answer(world):
    server, child = world.server, world.children[0]
    conv = world.conversation_of(child)
    kid = await connect(server, child)
    await kid.send(conv, "is anyone there?")
    bot = await ChatClient(server, "/bots").connect(await bot_token(server))
    first = await bot.call("post", {"conversation": conv, "text": "Hello from the helper", "key": "hello:1"})
    again = await bot.call("post", {"conversation": conv, "text": "Hello from the helper", "key": "hello:1"})
    assert first["ok"] and first["new"] and not again["new"] and again["message"]["id"] == first["message"]["id"]
    shown = await kid.next("message")
    assert shown["sender"]["role"] == "bot" and shown["sender"]["name"] == "Helper"
    assert await kid.nothing("message")
    stored = await server.store.conversations.find_one({"_id": conv})
    assert stored["waiting_since"] is not None  # a bot's words are not a reply from the advocate


# welcome -----------------------------------------------------------------------


async def test_welcome_introduces_the_advocate_on_each_pairing_once(world, screens):
    server, child = world.server, world.children[2]  # Cara, with Ben
    ada = world.advocates[0]
    client, _bot = await start(server, WelcomeBot, screens)
    caught_up = await from_bots(server, world.conversation_of(child))
    assert len(caught_up) == 1 and "Ben Advocate" in caught_up[0]["text"]  # paired before the bot started

    change = await server.services.pairing_changes.pair(child.id, ada.id, "asked for someone else")
    await eventually(lambda: _count(server, change.conversation, 1))
    [welcome] = await from_bots(server, change.conversation)
    text = welcome["text"]
    assert text.startswith("About Ada Advocate, your new advocate:")
    for words in ("on your side", "stays between you and Ada", "in danger", "You don't have to have an advocate",
                  "someone else"):
        assert words in text, words

    await client.stop()  # a restarted bot catches up without welcoming twice
    client, _bot = await start(server, WelcomeBot, screens)
    assert len(await from_bots(server, change.conversation)) == 1
    welcomes = await server.store.messages.count_documents({"sender.role": "bot"})
    assert welcomes == len(world.children) + 1
    await server.services.pairing_changes.pair(child.id, None, "opted out")  # nobody to introduce
    await asyncio.sleep(0.3)
    assert await server.store.messages.count_documents({"sender.role": "bot"}) == welcomes
    await client.stop()


async def _count(server, conversation, n):
    return len(await from_bots(server, conversation)) == n


# away --------------------------------------------------------------------------


async def test_away_replies_once_per_absence_with_when_and_help_now(world, screens):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    set_time(server, datetime(2026, 12, 2, 11, 0))  # a Wednesday morning
    client, _bot = await start(server, AwayBot, screens)
    kid = await connect(server, child)

    await kid.send(conv, "are you there?")
    await eventually(lambda: _count(server, conv, 1))
    [reply] = await from_bots(server, conv)
    assert "isn't online right now" in reply["text"] and "999" in reply["text"] and "0800 1111" in reply["text"]
    await kid.send(conv, "hello??")
    await asyncio.sleep(0.5)
    assert len(await from_bots(server, conv)) == 1  # once per absence

    adult = await connect(server, advocate)  # around in working hours: the absence ends...
    await kid.send(conv, "oh hi")
    await asyncio.sleep(0.5)
    assert len(await from_bots(server, conv)) == 1  # ...and nobody is away while they are here
    await adult.close()
    await asyncio.sleep(0.2)
    server.clock.advance(timedelta(minutes=5))
    await kid.send(conv, "you went")  # a new absence: told again
    await eventually(lambda: _count(server, conv, 2))
    await client.stop()


async def test_away_counts_the_advocates_own_hours_and_bank_holidays(world, screens):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    await server.store.staff.update_one({"_id": advocate.id}, {"$set": {"working_hours": {"start": "10:00",
                                                                                          "end": "12:30"}}})
    set_time(server, datetime(2026, 12, 2, 14, 0))  # Wednesday, after this advocate's day
    client, _bot = await start(server, AwayBot, screens)
    adult = await connect(server, advocate)  # online after their day, and switched to away
    assert (await adult.call("availability", {"away": True}))["away"] is True
    kid = await connect(server, child)
    await kid.send(conv, "evening!")
    await eventually(lambda: _count(server, conv, 1))
    assert "They'll be back tomorrow at 10am." in (await from_bots(server, conv))[0]["text"]

    await adult.close()
    set_time(server, datetime(2026, 12, 3, 11, 0))  # around the next morning, in their hours
    await (await connect(server, advocate)).close()
    await asyncio.sleep(0.2)
    set_time(server, datetime(2026, 12, 25, 11, 0))  # Christmas Day; Boxing Day's holiday is Monday 28th
    await kid.send(conv, "happy christmas")
    await eventually(lambda: _count(server, conv, 2))
    assert "They'll be back on Tuesday at 10am." in (await from_bots(server, conv))[1]["text"]
    await client.stop()


async def test_the_away_reply_follows_the_advocates_switch_and_never_contradicts_the_header(world, screens):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(child)
    set_time(server, datetime(2026, 12, 2, 19, 0))  # Wednesday evening, after the working day
    client, _bot = await start(server, AwayBot, screens)
    adult, kid = await connect(server, advocate), await connect(server, child)
    [summary] = (await kid.call("conversations"))["conversations"]
    assert summary["advocate_online"] is True and summary["reply_expected"] == "Your advocate is online now."
    await kid.send(conv, "are you still there?")
    assert await adult.next("message")
    await asyncio.sleep(0.5)
    assert await from_bots(server, conv) == []  # online after hours: the header says online, so no reply

    assert (await adult.call("availability", {"away": True}))["ok"] is True
    told = await kid.next("presence")
    assert (told["online"], told["user"]) == (False, advocate.id)
    assert told["reply_expected"] == "Your advocate isn't working right now. They'll be back tomorrow at 9am."
    [summary] = (await kid.call("conversations"))["conversations"]
    assert summary["advocate_online"] is False
    await kid.send(conv, "ok night")
    await eventually(lambda: _count(server, conv, 1))
    assert "They'll be back tomorrow at 9am." in (await from_bots(server, conv))[0]["text"]

    assert (await adult.call("availability", {"away": False}))["away"] is False
    assert (await kid.next("presence"))["online"] is True
    for bad in [None, {}, {"away": "yes"}]:
        assert (await adult.call("availability", bad))["error"]["code"] == "bad_request"
    assert (await kid.call("availability", {"away": True}))["error"]["code"] == "forbidden"
    await client.stop()


# nudge -------------------------------------------------------------------------


async def test_nudge_tells_the_advocate_then_their_manager_once_per_wait(world, screens):
    server, child, advocate, manager = world.server, world.children[0], world.advocates[0], world.manager
    conv = world.conversation_of(child)
    set_time(server, datetime(2026, 12, 2, 9, 30))
    kid = await connect(server, child)
    await kid.send(conv, "I need help with something")
    advocate_console = await connect(server, advocate, "/console")
    manager_console = await connect(server, manager, "/console")
    client, bot = await start(server, lambda c: NudgeBot(c, every_seconds=3600), screens)

    assert await bot.nudge_once() == 0
    server.clock.advance(timedelta(hours=4, minutes=1))  # 13:31: four working hours
    assert await bot.nudge_once() == 1
    told = await advocate_console.next("notification")
    assert (told["kind"], told["child"], told["ids"]) == ("child.waiting", child.id, {"conversation": conv})
    assert await bot.nudge_once() == 0 and await manager_console.nothing("notification")

    server.clock.advance(timedelta(hours=18))  # Thursday 07:31: still 7.5 working hours
    assert await bot.nudge_once() == 0
    server.clock.advance(timedelta(hours=2))  # Thursday 09:31: a whole working day
    assert await bot.nudge_once() == 1
    assert (await manager_console.next("notification"))["kind"] == "child.waiting_long"
    assert await advocate_console.nothing("notification")

    adult = await connect(server, advocate)
    await adult.send(conv, "Sorry for the wait, I'm here")
    server.clock.advance(timedelta(days=3))
    assert await bot.nudge_once() == 0
    await client.stop()


# running on their own ------------------------------------------------------------


async def test_a_bot_made_with_the_cli_runs_on_its_own_with_its_token(world, database_uri, database_name):
    import os
    import sys

    from tests.integration.processes import ADVOCACY

    server, child = world.server, world.children[2]
    env = {**os.environ, "ADVOCACY_MONGODB_URI": database_uri, "ADVOCACY_DATABASE_NAME": database_name}
    made = await asyncio.create_subprocess_exec(ADVOCACY, "bots", "create", "Welcome helper", env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(made.communicate(), 60)
    assert made.returncode == 0, err.decode()
    token = out.decode().strip().splitlines()[-1]

    wrong = await asyncio.create_subprocess_exec(sys.executable, "-m", "bots.welcome", "--url", server.url,
                                                 "--token", "not-a-token", stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(wrong.communicate(), 60)
    assert wrong.returncode == 2 and b"unauthorised" in out

    bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bots.welcome", "--url", server.url,
                                               "--token", token, stdout=asyncio.subprocess.PIPE,
                                               stderr=asyncio.subprocess.STDOUT)
    try:
        await eventually(lambda: _alive_and_count(bot, server, world.conversation_of(child), 1), timeout=30)
        change = await server.services.pairing_changes.pair(child.id, world.advocates[0].id, "moved area")
        await eventually(lambda: _alive_and_count(bot, server, change.conversation, 1), timeout=30)
        [welcome] = await from_bots(server, change.conversation)
        assert welcome["sender"]["name"] == "Welcome helper"
    finally:
        if bot.returncode is None:
            bot.terminate()
        out, _ = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, out.decode()


async def _alive_and_count(bot, server, conversation, n):
    if bot.returncode is not None:
        out, _ = await bot.communicate()
        raise AssertionError(f"the bot stopped ({bot.returncode}): {out.decode()}")
    return await _count(server, conversation, n)


async def test_away_replies_in_the_childs_language_with_the_day_in_it(world, screens):
    server, child = world.server, world.children[0]
    await server.store.children.update_one({"_id": child.id}, {"$set": {"language": "ar"}})
    conv = world.conversation_of(child)
    set_time(server, datetime(2026, 12, 4, 20, 0))  # a Friday evening: back on Monday
    client, _bot = await start(server, AwayBot, screens)
    kid = await connect(server, child)
    await kid.send(conv, "are you there?")
    await eventually(lambda: _count(server, conv, 1))
    [reply] = await from_bots(server, conv)
    assert reply["text"].startswith("شكرًا على رسالتك.") and "مناصرك لا يعمل الآن" in reply["text"]
    assert "الاثنين" in reply["text"]  # Monday, in Arabic
    assert "999" in reply["text"] and "0800 1111" in reply["text"] and "Thanks" not in reply["text"]
    listing = await kid.call("conversations")
    assert listing["conversations"][0]["reply_expected"].startswith("مناصرك لا يعمل الآن")
    await client.stop()
