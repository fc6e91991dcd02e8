"""A nudge from the bots shows in the advocate's console, in words, and goes once seen."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from advocacy.botapi.accounts import create_bot, issue_token
from bots.nudge import NudgeBot
from bots.sdk import BotClient
from tests.browser.test_chat_journey import advocate_signs_in, open_page
from tests.support import connect


async def test_a_child_waiting_too_long_shows_in_the_console_until_marked_seen(browser, world, artifacts):
    server, child, advocate = world.server, world.children[0], world.advocates[0]
    kid = await connect(server, child)
    await kid.send(world.conversation_of(child), "hello? I need to talk to someone")
    server.clock.advance(timedelta(days=7))  # several working days, whatever day the test runs
    bot = await create_bot(server.store, server.clock, "Nudger")
    client = BotClient(server.url, await issue_token(server.services.auth, bot, 1))
    await client.start()
    try:
        assert await NudgeBot(client).nudge_once() == 2  # the advocate, and their manager on their own console
    finally:
        await client.stop()

    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, advocate, server)
    note = page.locator("#notification-list .notes__item")
    await expect(note).to_have_count(1)
    await expect(note).to_contain_text(f"{child.name} has been waiting a while for a reply.")
    await page.screenshot(path=str(artifacts / "console-nudge-1280x800.png"))
    await note.get_by_role("button", name="Seen").click()
    await expect(note).to_have_count(0)
    await expect(page.locator("#notifications")).to_be_hidden()
    assert await server.store.notifications.count_documents({"to": advocate.id, "seen_at": None}) == 0
    assert problems == []
