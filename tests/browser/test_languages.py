"""Every child page in every language, in Chromium at 360px wide: nothing scrolls sideways, axe-core finds
nothing serious, and a right-to-left language mirrors the layout (its start is on the right). A screenshot of
each is saved in tests/browser/artifacts/ (languages-<code>-<page>.png) for a reader of that language."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from advocacy.languages import Languages
from tests.browser.pages import axe_violations, chat_ready, child_signs_in, open_page, reflow_problems

LANGUAGES = list(Languages.load())
BEFORE_SIGN_IN = ["/", "/child/sign-in", "/child/what-happens"]
SIGNED_IN = ["/child", "/child/worries", "/child/worries/new", "/child/advocate", "/child/what-happens",
             "/child/settings", "/child/complaints", "/child/put-right", "/child/feedback"]


async def settled(page: Page, path: str) -> None:
    if path == "/child":
        await chat_ready(page)
    elif path == "/child/worries":
        await expect(page.locator("#worries-status")).not_to_have_text("Loading…")


async def check(page: Page, path: str, code: str, direction: str, artifacts: Path) -> list[str]:
    await page.goto(path)
    await settled(page, path)
    name = path.strip("/").replace("/", "-") or "home"
    await page.screenshot(path=artifacts / f"languages-{code}-{name}.png", full_page=path != "/child")
    html = page.locator("html")
    await expect(html).to_have_attribute("dir", direction)
    await expect(html).to_have_attribute("lang", "en-GB" if code == "en" else code)
    return [f"{code} {path}: {p}" for p in await reflow_problems(page) + await axe_violations(page)]


@pytest.mark.parametrize("language", LANGUAGES, ids=[lang.code for lang in LANGUAGES])
async def test_every_child_page_in_each_language_at_360px(browser, world, language, artifacts):
    page, errors = await open_page(browser, world, 360, 640)
    problems: list[str] = []
    await page.goto(f"/child/sign-in?lang={language.code}")
    for path in BEFORE_SIGN_IN:
        problems += await check(page, path, language.code, language.direction, artifacts)
    await child_signs_in(page, world.children[0])
    for path in SIGNED_IN:
        problems += await check(page, path, language.code, language.direction, artifacts)
    assert problems == [] and errors == []


async def positions(page: Page) -> tuple[float, float]:
    brand = await page.locator(".brand").bounding_box()
    exit_ = await page.locator("#quick-exit").bounding_box()
    return brand["x"], exit_["x"]


async def test_a_right_to_left_page_is_mirrored(browser, world):
    page, errors = await open_page(browser, world, 360, 640)
    await page.goto("/child/sign-in?lang=en")
    brand_x, exit_x = await positions(page)
    assert brand_x < exit_x  # English: the name at the left, Quick exit at the right
    await page.goto("/child/sign-in?lang=ar")
    brand_x, exit_x = await positions(page)
    assert exit_x < brand_x  # Arabic: mirrored
    await expect(page.locator("h1")).to_have_text("الدخول")
    label = await page.locator("label[for=access-code]").bounding_box()
    field = await page.locator("#access-code").bounding_box()
    assert label["x"] + label["width"] == pytest.approx(field["x"] + field["width"], abs=2)  # aligned to the right
    assert errors == []


async def test_the_child_picks_a_language_on_the_sign_in_page_and_it_stays(browser, world):
    page, errors = await open_page(browser, world, 360, 640)
    await page.goto("/child/sign-in")
    await page.locator("input[name=lang][value=ti]").check()
    await page.click("#language-save")
    await expect(page.locator("html")).to_have_attribute("lang", "ti")
    await child_signs_in(page, world.children[0])
    await expect(page.locator("#nav-chat")).to_have_text("ዕላል")
    child = await world.server.store.children.find_one({"_id": world.children[0].id})
    assert child["language"] == "ti" and errors == []


async def test_sign_in_answers_and_automatic_messages_read_in_the_childs_language(browser, world):
    server, amira = world.server, world.children[0]
    page, errors = await open_page(browser, world, 360, 640)
    await page.goto("/child/sign-in?lang=ar")
    await page.fill("#access-code", amira.access_code)
    await page.fill("#pin", "00000000" if amira.pin != "00000000" else "11111111")
    await page.click("#sign-in-button")
    await expect(page.locator("#form-error")).to_have_text("لم ينجح ذلك. تحقّق وحاول مرة أخرى.")
    await page.locator("#first-time summary").click()
    await page.click("#sign-in-button")
    await expect(page.locator("#form-error")).to_have_text("من فضلك اكتب كلمة البدء التي جاءت مع رمزك.")
    await page.fill("#setup-word", "ANY-WORD")
    await page.fill("#pin", "1234")
    await page.fill("#pin-again", "4321")
    await page.click("#sign-in-button")
    await expect(page.locator("#form-error")).to_have_text(
        "الرقمان السريان غير متطابقين. اكتب الرقم السري نفسه في المربعين.")

    assert await server.services.chat.tell_child(amira.id, "Your advocate is away until Monday.", "test:away")
    await child_signs_in(page, amira)
    await expect(page.locator("#messages .msg--service .msg__from")).to_have_text("رسالة تلقائية")
    assert [p for p in errors if "Failed to load resource" not in p] == []  # the refused sign-in's 401
