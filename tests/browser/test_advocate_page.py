"""A child opting out and back in, and asking for someone else, on their advocate page in Chromium."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import child_signs_in, open_page
from tests.support import add_advocate, make_pairable


async def test_a_child_opts_out_and_back_in_with_one_button_on_their_page(browser, world, artifacts):
    await make_pairable(world)
    amira = world.children[0]
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await page.click("#nav-advocate")
    await expect(page.locator("h1")).to_have_text("Your advocate is Ada Advocate")

    await page.click("#ask-opt-out")
    await expect(page.locator("h1")).to_have_text("Stop having an advocate?")
    await page.fill("#reason", "I'm fine for now")
    await page.click("#confirm-opt-out")
    await expect(page.locator("#done")).to_contain_text("You don't have an advocate now")
    await expect(page.locator("h1")).to_have_text("You don't have an advocate right now")
    assert await page.locator("form button").count() == 1  # one button to opt back in
    await page.screenshot(path=str(artifacts / "child-opted-out-360x640.png"), full_page=True)
    await page.goto("/child")
    await page.wait_for_url("**/child/advocate")

    await page.click("#opt-in")
    await expect(page.locator("#done")).to_contain_text("Ada Advocate is your advocate now")
    await page.click("#to-chat")
    await expect(page.locator("#messages")).to_contain_text("Welcome back! Ada is your advocate now.")
    assert problems == []


async def test_a_child_asks_for_someone_else_without_saying_why(browser, world):
    await make_pairable(world)
    await add_advocate(world.server, "cat.advocate", "Cat Advocate", world.manager)
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, world.children[1])
    await page.goto("/child/advocate")
    await page.click("#ask-someone-else")
    await page.click("#confirm-someone-else")
    await expect(page.locator("#done")).to_contain_text("Cat Advocate is your advocate now")
    await expect(page.locator("#past-advocates li")).to_have_count(2)
    assert problems == []
