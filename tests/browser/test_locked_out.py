"""A child locked out after wrong PINs gets back in through their advocate's button, in Chromium."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, axe_violations, open_page, reflow_problems
from tests.support import sign_in


async def type_pin(page, child, pin):
    await page.fill("#access-code", child.access_code)
    await page.fill("#pin", pin)
    await page.click("#sign-in-button")


async def test_a_locked_out_child_is_warned_then_gets_back_in_through_the_advocates_button(browser, world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    old_token = await sign_in(server, amira)  # her PIN is chosen, and she is signed in on another phone
    page, problems = await open_page(browser, world, 360, 640)
    await page.goto("/child/sign-in")
    error = page.locator("#form-error")
    for _ in range(server.settings.pin_max_failures - 2):
        await type_pin(page, amira, "9999")
        await expect(error).to_have_text("That didn't work. Check and try again.")
    await type_pin(page, amira, "9998")
    await expect(error).to_contain_text("You have one more try")
    await type_pin(page, amira, "9997")
    await expect(error).to_have_text("Too many tries. Ask your advocate to unlock your code.")

    console, console_problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(console, ada, server)
    await console.locator(".conv-item", has=console.locator(".conv-item__name", has_text=amira.name)).click()
    await console.click("#child-sign-in summary")
    await console.click("[data-sign-in-action='reset-pin']")
    await expect(console.locator("#sign-in-confirm-text")).to_contain_text("Unlock their code")
    await console.click("#sign-in-confirm-yes")
    await expect(console.locator("#sign-in-status")).to_contain_text("Unlocked, and signed out everywhere")
    word = (await console.locator("#slip-word").inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{6}", word)
    await expect(console.locator("#slip-address")).to_have_text(f"{server.url}/child/sign-in")
    async with server.http(headers={"Authorization": f"Bearer {old_token}"}) as http:
        assert (await http.get("/api/session")).status == 401, "the reset ended her other sign-ins"

    await page.fill("#access-code", amira.access_code)
    await page.fill("#pin", "5802")
    await page.click("#first-time summary")
    assert await reflow_problems(page) == [], "the first-time part fits a 360 px phone"
    assert await axe_violations(page) == []
    await page.fill("#setup-word", word.lower())
    await page.fill("#pin-again", "5820")
    await page.click("#sign-in-button")
    await expect(error).to_have_text("The two PINs are not the same. Type the same PIN in both boxes.")
    await expect(page.locator("#pin-again")).to_be_focused()
    await page.fill("#pin-again", "5802")
    await page.click("#sign-in-button")
    await page.wait_for_url(re.compile(r".*/child(\?welcome)?$"))
    # The refused tries show in the browser's console as failed requests (401, 429, 400), nothing else.
    assert [p for p in problems if "Failed to load resource" not in p] == [] and console_problems == []


async def test_a_new_access_code_is_shown_once_on_a_printable_slip(browser, world):
    server, billy, ada = world.server, world.children[1], world.advocates[0]
    console, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(console, ada, server)
    await console.locator(".conv-item", has=console.locator(".conv-item__name", has_text=billy.name)).click()
    await console.click("#child-sign-in summary")
    await console.click("[data-sign-in-action='access-code']")
    await console.click("#sign-in-confirm-yes")
    code = console.locator("#slip-code")
    await expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    shown = await code.inner_text()
    assert shown != billy.access_code
    await console.emulate_media(media="print")
    await console.evaluate("document.body.classList.add('print-slip')")
    await expect(console.locator("#conversation-title")).to_be_hidden()  # printing shows the slip alone
    await expect(console.locator("#slip-word")).to_be_visible()
    await console.emulate_media(media="screen")
    await console.evaluate("document.body.classList.remove('print-slip')")
    # Choosing another child clears it: shown once.
    amira = world.children[0]
    await console.locator(".conv-item", has=console.locator(".conv-item__name", has_text=amira.name)).click()
    await expect(console.locator("#sign-in-slip")).to_be_hidden()
    assert await console.locator("#slip-code").inner_text() == ""
    assert problems == []
