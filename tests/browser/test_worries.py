"""A child tells their advocate about a worry and follows it; the advocate logs and escalates one. Real Chromium."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, child_signs_in, open_page
from tests.support import connect

HOSTILE = "<img src=x onerror=alert(1)> my carer took my phone"


async def test_a_child_raises_a_worry_and_sees_what_happens_next(browser, world, artifacts):
    child, advocate = world.children[0], world.advocates[0]
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, child)
    await page.click("#nav-worries")
    await page.wait_for_url("**/child/worries")
    await expect(page.locator("#worries-status")).to_have_text("You haven't told us about any worries yet.")
    await page.click("#new-worry-link")
    await page.wait_for_url("**/child/worries/new")

    await page.click("#send-worry")  # nothing chosen yet: told what to do, nothing sent
    await expect(page.locator("#form-error")).to_have_text("Please choose what your worry is about.")
    await page.get_by_label("Money and my things").check()
    await page.click("#send-worry")
    await expect(page.locator("#form-error")).to_have_text("Please tell us about your worry in your own words.")
    await page.fill("#child-words", HOSTILE)
    await page.fill("#child-wants", "To get my phone back")
    await page.click("#send-worry")
    await expect(page.locator("#sent")).to_be_visible()
    await expect(page.locator("#sent-next")).to_contain_text("Your advocate has your worry. "
                                                             "They will get back to you by ")
    await page.screenshot(path=str(artifacts / "child-worry-sent-360x640.png"), full_page=True)

    await page.click("text=See my worries")
    item = page.locator(".worry").first
    await expect(item.locator("h2")).to_have_text("Money and my things")
    await expect(item.locator(".worry__quote").first).to_have_text(HOSTILE)
    assert await page.locator(".worry img").count() == 0
    await item.locator("summary").click()
    await expect(item.locator(".worry__history li").first).to_contain_text("You told us about this.")

    # The advocate raises it with the social worker; the child's page says so in plain words.
    staff, staff_problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(staff, advocate, world.server)
    await staff.click("#nav-concerns")
    await staff.wait_for_url("**/console/concerns")
    await staff.locator(".concern-item").first.click()
    await expect(staff.locator("#detail-words")).to_have_text(HOSTILE)
    await staff.select_option("#action-kind", "raised_with")
    await staff.select_option("#action-with", "social_worker")
    await staff.fill("#action-note", "Rang the social worker.")
    await staff.click("#action-form button[type=submit]")
    await expect(staff.locator("#detail-timeline")).to_contain_text("raised it with the social worker")
    await page.reload()
    await expect(page.locator(".worry__next").first).to_contain_text(
        "Your advocate asked your social worker about this. They should answer by ")
    await expect(page.locator(".worry").first).not_to_contain_text("Rang the social worker")
    await page.screenshot(path=str(artifacts / "child-worries-360x640.png"), full_page=True)
    assert problems == [] and staff_problems == []


async def test_an_advocate_logs_a_concern_linking_a_message_and_escalates_it(browser, world, artifacts):
    child, advocate = world.children[1], world.advocates[0]
    sent = await (await connect(world.server, child)).send(world.conversation_of(child), "they won't let me see my mum")
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, advocate, world.server)
    await page.goto("/console/concerns")
    await page.click("#log-concern summary")
    await page.select_option("#log-child", child.id)
    await page.select_option("#log-category", "contact")
    await page.fill("#log-words", "They won't let me see my mum.")
    await page.fill("#log-wants", "To see mum at the weekend.")
    box = page.locator(f"#message-choices input[value='{sent['message']['id']}']")
    await box.check()
    await page.click("#log-submit")
    await expect(page.locator("#detail-title")).to_have_text("Billy: Contact with family and friends")
    stored = await world.server.store.concerns.find_one({"child": child.id})
    assert stored["messages"] == [sent["message"]["id"]]

    await page.select_option("#escalate-level", "manager")
    await page.click("#escalate-form button[type=submit]")  # no reason yet
    await expect(page.locator("#detail-status")).to_have_text("Please say why you are escalating it. "
                                                              "Nothing was changed.")
    await page.fill("#escalate-reason", "No reply from the social worker in two weeks.")
    await page.click("#escalate-form button[type=submit]")
    await expect(page.locator("#detail-timeline")).to_contain_text("Escalated to the manager by hand")
    await page.screenshot(path=str(artifacts / "console-concerns-1280x800.png"), full_page=True)
    # The browser logs the refused request (400) it was asked to make; nothing else may go wrong.
    assert [p for p in problems if "status of 400" not in p] == []


async def test_a_safeguarding_flag_alerts_the_console_at_once_and_a_person_decides(browser, world, artifacts):
    child, advocate = world.children[0], world.advocates[0]
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, advocate, world.server)
    child_chat = await connect(world.server, child)
    await child_chat.send(world.conversation_of(child), "he hit me again and i am scared to go home")
    alert = page.locator("#alerts .alert--urgent")
    await expect(alert).to_contain_text("Safeguarding flag")
    await expect(alert).to_contain_text("Amira")
    await page.screenshot(path=str(artifacts / "console-safeguarding-alert-1280x800.png"), full_page=True)
    await alert.get_by_text("Open").click()
    await page.wait_for_url("**/console/concerns#concern=*")
    await expect(page.locator("#draft-form")).to_be_visible()
    await expect(page.locator("#detail-words")).to_have_text("he hit me again and i am scared to go home")
    await page.fill("#dismiss-reason", "We talked: she is safe at her nan's tonight; raising it as a concern instead.")
    await page.click("#confirm-draft")
    await expect(page.locator("#detail-facts")).to_contain_text("Open")
    assert problems == []
