"""A child is asked, in their chat and their language, what they want said at a meeting about their care, and
answers at 360 px; the advocate's list shows who is non-instructed and when they were last visited."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from tests.browser.pages import (
    advocate_signs_in,
    axe_violations,
    chat_ready,
    child_signs_in,
    open_page,
    reflow_problems,
)
from tests.support import api, service_notices


async def test_a_child_is_asked_for_their_views_in_their_chat_in_arabic_and_answers_at_360_px(browser, world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "ar"}})
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await chat_ready(page)
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")

    on = (server.services.moments.today() + timedelta(days=7)).isoformat()
    status, body = await api(server, ada, "POST", f"/api/children/{amira.id}/moments",
                             json={"kind": "looked_after_review", "on": on})
    assert status == 201 and body["moment"]["asked_at"], body
    [asked] = await service_notices(server, amira.id)
    notice = page.locator("#messages .msg--service").last
    await expect(notice).to_contain_text(asked.split(".")[0][:20])
    assert "There is a meeting" not in asked  # in Arabic, from the catalogue
    assert await reflow_problems(page) == []
    assert await axe_violations(page) == []

    await page.fill("#message-input", "أريد أن أبقى في مدرستي")
    await page.click("#send-button")
    await expect(page.locator("#messages")).to_contain_text("أريد أن أبقى في مدرستي")
    status, body = await api(server, ada, "POST", f"/api/moments/{body['moment']['id']}/views",
                             json={"views": "She wants to stay at her school."})
    assert status == 200 and body["moment"]["views"], body
    assert problems == []


async def test_the_advocates_list_shows_who_is_non_instructed_and_their_last_visit(browser, world):
    server, billy, ada = world.server, world.children[1], world.advocates[0]
    review_by = (server.services.non_instructed.today() + timedelta(days=60)).isoformat()
    status, body = await api(server, ada, "POST", f"/api/children/{billy.id}/non-instructed",
                             json={"reason": "Two years old.", "review_by": review_by})
    assert status == 201, body
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, ada, server)
    row = page.locator(".conv-item", has=page.locator(".conv-item__name", has_text=billy.name))
    await expect(row.locator(".conv-item__visit")).to_have_text("Non-instructed · no visit yet")
    other = page.locator(".conv-item", has=page.locator(".conv-item__name", has_text=world.children[0].name))
    await expect(other.locator(".conv-item__visit")).to_be_hidden()
    status, body = await api(server, ada, "POST", f"/api/children/{billy.id}/visits", json={
        "at": server.clock.now().isoformat(), "where": "home", "seemed": "Content.", "observed": "Well cared for."})
    assert status == 201, body
    await page.reload()
    day = server.clock.now().strftime("%d/%m/%Y")
    await expect(row.locator(".conv-item__visit")).to_have_text(f"Non-instructed · last visit {day}")
    assert problems == []


async def test_an_advocate_records_the_decision_a_visit_and_a_childs_views_on_the_console_page(browser, world):
    server, billy, ada = world.server, world.children[1], world.advocates[0]
    page, problems = await open_page(browser, world, 1280, 900)
    await advocate_signs_in(page, ada, server)
    await page.locator(".conv-item", has=page.locator(".conv-item__name", has_text=billy.name)).click()
    await page.click("#advocacy-link")
    await expect(page.locator("#ni-state")).to_contain_text("Instructed")

    await page.fill("#ni-reason", "Two years old, no words yet.")
    await page.fill("#ni-review", (server.services.non_instructed.today() + timedelta(days=400)).isoformat())
    await page.click("#decide-form button")
    await expect(page.locator("#advocacy-error")).to_contain_text("review_by")
    assert [p for p in problems if "400 (Bad Request)" not in p] == []  # the refusal, shown above
    problems.clear()
    await page.fill("#ni-review", (server.services.non_instructed.today() + timedelta(days=60)).isoformat())
    await page.click("#decide-form button")
    await expect(page.locator("#ni-state")).to_contain_text("Non-instructed")

    at = (server.clock.now() - timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M")
    await page.fill("#visit-at", at)
    await page.select_option("#visit-where", "home")
    await page.fill("#visit-present", "foster carer, sister")
    await page.fill("#visit-seemed", "Smiling, reached for his carer.")
    await page.fill("#visit-observed", "No speech therapy since the move.")
    await page.check("input[name='rights'][value='health']")
    await page.click("#visit-form button")
    await expect(page.locator("#visits")).to_contain_text("No speech therapy since the move.")
    await expect(page.locator("#visits")).to_contain_text("foster carer, sister")
    await expect(page.locator("#ni-state")).not_to_contain_text("none yet")

    await page.select_option("#moment-kind", "looked_after_review")
    await page.fill("#moment-on", (server.services.moments.today() + timedelta(days=5)).isoformat())
    await page.click("#moment-form button")
    moment = page.locator("#moments .moment").first
    await expect(moment).to_contain_text("Looked-after review")
    await moment.locator("textarea[name='views']").fill("Observed: happiest with his sister there.")
    await moment.locator("form[data-what='views'] button").click()
    await expect(page.locator("#moments .moment").first).to_contain_text("happiest with his sister there")
    assert await axe_violations(page) == []
    [visit] = await server.store.visits.find({"child": billy.id}).to_list(None)
    assert visit["rights"] == ["health"] and visit["where"] == "home"
    assert problems == []
