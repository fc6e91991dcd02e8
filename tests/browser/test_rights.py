"""A child on their phone asks for a record to be put right, sees it put right with what it said before,
and answers, once, whether they felt listened to. Real Chromium at 360 px."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import axe_violations, child_signs_in, open_page, reflow_problems
from tests.browser.test_oversight_console import staff_signs_in
from tests.integration.concerns_support import _as

WORDS = "I want to see my brother Sam."
RIGHT = "I want to see my brother Sami. <b>Sami</b> is his name."


async def test_a_child_asks_for_a_correction_sees_it_put_right_and_gives_feedback_once(browser, world, artifacts):
    server, child, ada, mo = world.server, world.children[0], world.advocates[0], world.manager
    record = await server.store.children.find_one({"_id": child.id})
    worry = await server.services.concern_records.insert(
        record, category="contact", severity="standard", child_words=WORDS, child_wants="Every week.",
        source="child", by=await _as(server, child.id, "child"), raised_at=server.clock.now())
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, child)

    # The promise on "what happens to what I say" leads to the page that keeps it.
    await page.goto("/child/what-happens")
    await page.click("#put-right-link")
    await page.wait_for_url("**/child/put-right")
    await expect(page.locator("h1")).to_have_text("Put something right")
    await expect(page.locator("#no-corrections")).to_be_visible()
    await page.click("#send-correction")  # nothing chosen: told what to do, nothing sent
    await expect(page.locator("#form-error")).to_have_text("Please choose what is wrong. Nothing was sent.")
    await page.get_by_label("What I said in one of my worries", exact=True).check()
    await page.click("#send-correction")
    await expect(page.locator("#form-error")).to_have_text("Please choose which worry it is. Nothing was sent.")
    assert await server.store.corrections.count_documents({}) == 0
    await page.select_option("#correction-worry", worry["_id"])
    await page.fill("#correction-should-say", RIGHT)
    await page.fill("#correction-why", "My brother's name is spelt wrong.")
    await page.click("#send-correction")
    item = page.locator(".correction").first
    await expect(item.locator(".correction-where")).to_contain_text("We have it. Someone will decide by ")
    await expect(item.locator(".words").first).to_have_text(RIGHT)
    assert await page.locator(".correction b").count() == 0
    assert await reflow_problems(page) == []
    assert await axe_violations(page) == []
    await page.screenshot(path=str(artifacts / "child-correction-asked-360x640.png"), full_page=True)

    # Ada's manager accepts it on the corrections page: the worry says what Amira asked, and the old words are
    # kept for her to see.
    stored = await server.store.corrections.find_one({})
    assert stored["decider"] == {"role": "manager", "id": mo.id}
    manager, manager_problems = await open_page(browser, world, 1280, 800)
    await staff_signs_in(manager, mo, server, "/console")
    await manager.goto("/console/corrections")
    card = manager.locator(f'.correction-card[data-correction="{stored["_id"]}"]')
    await expect(card).to_contain_text(WORDS)  # what the record says now, beside what she asks
    await card.locator("button.accept").click()
    await expect(card).to_have_attribute("data-status", "accepted")
    assert manager_problems == []
    await page.reload()
    await expect(item.locator(".correction-where")).to_contain_text("We put it right.")
    await expect(item.locator(".correction-before")).to_have_text(WORDS)
    assert await reflow_problems(page) == []
    await page.screenshot(path=str(artifacts / "child-correction-accepted-360x640.png"), full_page=True)

    # The worry is sorted out: one quiet link, one question, answered once.
    await server.services.concerns.resolve(await _as(server, ada.id, "advocate"), worry["_id"],
                                           {"outcome": "Visits every Saturday."})
    await page.goto("/child/worries")
    await page.click("#feedback-link")
    await page.wait_for_url("**/child/feedback")
    await expect(page.locator("h1")).to_have_text("How did it go?")
    await expect(page.locator(".feedback-ask")).to_have_count(1)
    assert await reflow_problems(page) == []
    assert await axe_violations(page) == []
    await page.click("button.send-feedback")  # nothing chosen
    await expect(page.locator("#form-error")).to_have_text(
        "Please choose an answer, or press No thanks. Nothing was sent.")
    ask = page.locator(".feedback-ask").first
    await ask.locator("fieldset").nth(0).get_by_label("Yes").check()
    await ask.locator("fieldset").nth(1).get_by_label("A bit").check()
    await page.click("button.send-feedback")
    await expect(page.locator("#no-feedback")).to_be_visible()
    await expect(page.locator("#feedback-done")).to_contain_text("Did you feel listened to? Yes")
    await expect(page.locator("#feedback-done")).to_contain_text("Did things change? A bit")
    assert await reflow_problems(page) == []
    assert await axe_violations(page) == []
    await page.screenshot(path=str(artifacts / "child-feedback-given-360x640.png"), full_page=True)
    await page.goto("/child/worries")
    await expect(page.locator("#feedback-link")).to_have_count(0)  # never asked again
    assert problems == []
