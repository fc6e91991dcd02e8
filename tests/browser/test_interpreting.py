"""An interpreter in a child's chat, in Chromium at 360px: the child reads the question in their language
(Arabic, right to left; Tigrinya), says yes, reads who can read until when, and ends it; nothing scrolls
sideways and axe-core finds nothing serious. The interpreter's page shows the chat and sends an interpretation
beside the message it interprets."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.pages import (
    advocate_signs_in,
    axe_violations,
    chat_ready,
    child_signs_in,
    open_page,
    reflow_problems,
)
from tests.integration.test_interpreting import add_interpreter
from tests.support import api, otp_for


@pytest.mark.parametrize("code", ["ar", "ti"])
async def test_the_child_says_yes_then_ends_it_in_their_language_at_360px(browser, world, code, artifacts):
    server = world.server
    amira, ada = world.children[0], world.advocates[0]
    conversation = world.conversation_of(amira)
    ina = await add_interpreter(server, username=f"ina.{code}")
    page, problems = await open_page(browser, world, 360, 640)
    await page.goto(f"/child/sign-in?lang={code}")
    await child_signs_in(page, amira)
    await chat_ready(page)
    status, _ = await api(server, ada, "POST", f"/api/conversations/{conversation}/interpreter",
                          json={"interpreter": ina.username, "minutes": 30})
    assert status == 201
    # The page hears the change on its socket and shows the question.
    note = page.locator("#interpreter")
    await expect(note).to_have_attribute("data-state", "asked", timeout=10_000)
    await expect(note).to_contain_text("Ina")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
    assert "would like" not in await note.inner_text(), "the question is in the child's language"
    assert await reflow_problems(page) == [] and await axe_violations(page) == []
    await page.screenshot(path=artifacts / f"interpreting-{code}-asked.png")
    await page.click("#interpreter button[value=yes]")
    await expect(note).to_have_attribute("data-state", "agreed")
    assert await reflow_problems(page) == [] and await axe_violations(page) == []
    await page.click("#interpreter button[value=end]")
    await expect(note).to_have_count(0)
    doc = await server.store.interpreting.find_one({"interpreter": ina.id})
    assert doc["state"] == "ended" and doc["ended_by"]["role"] == "child"
    assert problems == []


async def test_the_interpreter_page_sends_an_interpretation_beside_the_message(browser, world):
    server = world.server
    amira, ada = world.children[0], world.advocates[0]
    conversation = world.conversation_of(amira)
    ina = await add_interpreter(server, username="ina.page")
    status, body = await api(server, ada, "POST", f"/api/conversations/{conversation}/interpreter",
                             json={"interpreter": ina.username, "minutes": 30})
    assert status == 201
    assert (await api(server, amira, "POST", f"/api/interpreting/{body['interpreting']['id']}/answer",
                      json={"agree": True}))[0] == 200
    page, problems = await open_page(browser, world, 1024, 768)
    await page.goto("/staff/sign-in")
    await page.fill("#username", ina.username)
    await page.fill("#password", ina.password)
    await page.fill("#otp", await otp_for(server, ina))
    await page.click("#sign-in-button")
    await page.wait_for_url("**/interpreter")
    await page.click("#interpreting-chats button")
    await expect(page.locator("#interpreting-chat")).to_be_visible()
    await page.locator(".interpreting__message button").first.click()
    await page.fill("#interpreting-text", "Marker interpretation from the page")
    await page.click("#interpreting-send")
    paired = page.locator(".interpreting__message--paired")
    await expect(paired).to_contain_text("Marker interpretation from the page")
    stored = await server.store.messages.find_one({"sender.id": ina.id})
    assert stored["interprets"]
    # The advocate's console shows the interpretation with the message it interprets.
    console, console_problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(console, ada, server)
    await console.locator(f"[data-conversation='{conversation}']").first.click()
    await expect(console.locator(".msg--interpretation")).to_contain_text("Marker interpretation from the page")
    assert problems == [] and console_problems == []
