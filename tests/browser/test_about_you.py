"""A child answers the equality questions on a phone, in their language, or none of them, in Chromium."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import axe_violations, child_signs_in, open_page, reflow_problems


async def test_a_child_answers_some_questions_at_360px_changes_their_mind_and_deletes_them(browser, world):
    server, amira = world.server, world.children[0]
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await page.goto("/child/settings")
    await page.click("#about-you-link")
    await expect(page.locator("h1")).to_have_text("Questions about you")
    assert await reflow_problems(page) == [], "fits a 360 px phone"
    assert await axe_violations(page) == []
    # Nothing is chosen until she chooses: "No answer" is.
    await expect(page.locator("input[name=religion][value='']")).to_be_checked()

    await page.locator("#question-ethnicity").get_by_label("I'd rather not say", exact=True).check()
    await page.locator("#question-disability").get_by_label("No", exact=True).check()
    await page.click("#save-answers")
    await expect(page.locator("#done")).to_contain_text("Saved")
    assert await server.services.equality.answers(amira.id) == {"ethnicity": "prefer_not_to_say", "disability": "no"}
    await expect(page.locator("input[name=disability][value=no]")).to_be_checked()

    await page.click("#delete-answers")
    await expect(page.locator("#done")).to_have_text("Your answers are deleted.")
    assert await server.services.equality.answers(amira.id) == {}
    assert problems == []


async def test_the_questions_are_in_the_childs_language(browser, world):
    server, amira = world.server, world.children[0]
    await server.services.auth.child_language(amira.id, "ar")
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await page.goto("/child/about-you")
    await expect(page.locator("h1")).to_have_text("أسئلة عنك")
    await expect(page.locator("#question-ethnicity legend")).to_have_text("ما مجموعتك العرقية؟")
    assert await reflow_problems(page) == []
    assert problems == []
