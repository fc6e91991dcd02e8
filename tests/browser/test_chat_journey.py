"""A child and an advocate chatting through the real pages in Chromium."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.support import Person, Server, World, otp_for

NEUTRAL_SITE = "https://www.bbc.co.uk/weather"


async def open_page(browser: Browser, world: World, width: int, height: int) -> tuple[Page, list[str]]:
    """A fresh browser context (its own cookies) and a list collecting page errors and CSP violations."""
    context = await browser.new_context(viewport={"width": width, "height": height}, base_url=world.server.url)
    # The quick-exit site is outside this machine: answer it locally so the test stays offline.
    await context.route(re.compile(r"https://www\.bbc\.co\.uk/.*"),
                        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Weather</h1>"))
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda dialog: problems.append(f"a dialog opened: {dialog.message}"))
    return page, problems


async def child_signs_in(page: Page, child: Person) -> None:
    await page.goto("/child/sign-in")
    await page.fill("#access-code", child.access_code)
    await page.fill("#pin", child.pin)
    await page.click("#sign-in-button")
    await page.wait_for_url("**/child")


async def advocate_signs_in(page: Page, advocate: Person, server: Server) -> None:
    await page.goto("/staff/sign-in")
    await page.fill("#username", advocate.username)
    await page.fill("#password", advocate.password)
    await page.fill("#otp", await otp_for(server, advocate))
    await page.click("#sign-in-button")
    await page.wait_for_url("**/console")


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


async def test_quick_exit_replaces_the_page_and_leaves_nothing_to_go_back_to(browser, world):
    page, problems = await open_page(browser, world, 360, 640)
    await page.goto("/")
    await child_signs_in(page, world.children[1])
    await page.locator(".quick-exit").first.click()
    await page.wait_for_url(NEUTRAL_SITE)
    await page.go_back()
    # Back leads to the page before the chat (the sign-in replaced itself), never to the chat.
    assert page.url == world.server.url + "/"
    # Quick exit also signs the child out, in case someone else opens the service on the phone.
    await page.goto(world.server.url + "/child")
    assert page.url.endswith("/child/sign-in")
    assert problems == []
