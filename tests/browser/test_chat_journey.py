"""A child and an advocate chatting through the real pages in Chromium."""

from __future__ import annotations

from playwright.async_api import expect

# Other browser tests import these from here.
from tests.browser.pages import NEUTRAL_SITE, advocate_signs_in, child_signs_in, open_page  # noqa: F401


async def test_child_message_reaches_the_console_and_hostile_text_stays_text(browser, world, artifacts):
    child, advocate = world.children[0], world.advocates[0]
    child_page, child_problems = await open_page(browser, world, 360, 640)
    staff_page, staff_problems = await open_page(browser, world, 1280, 800)

    await child_signs_in(child_page, child)
    await expect(child_page.locator("#message-input")).to_be_enabled()
    await child_page.fill("#message-input", "Hello, I want to talk about seeing my brother")
    await child_page.click("#send-button")
    await expect(child_page.locator("#messages")).to_contain_text("Hello, I want to talk about seeing my brother")

    await advocate_signs_in(staff_page, advocate, world.server)
    await staff_page.locator("#conversation-list").get_by_text(child.name).click()
    await expect(staff_page.locator("#messages")).to_contain_text("Hello, I want to talk about seeing my brother")

    hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    await child_page.fill("#message-input", hostile)
    await child_page.click("#send-button")
    await expect(staff_page.locator("#messages")).to_contain_text(hostile)
    await expect(child_page.locator("#messages")).to_contain_text(hostile)
    for page in (child_page, staff_page):
        assert await page.locator("#messages img").count() == 0
        assert await page.locator("#messages script").count() == 0

    await staff_page.fill("#message-input", "Thanks for telling me. Let's sort it out.")
    await staff_page.click("#send-button")
    await expect(child_page.locator("#messages")).to_contain_text("Let's sort it out.")

    await child_page.screenshot(path=str(artifacts / "child-chat-360x640.png"), full_page=True)
    await staff_page.screenshot(path=str(artifacts / "console-1280x800.png"), full_page=True)
    assert child_problems == [] and staff_problems == []
