"""A child complains about their advocate from their phone and follows it to the Children's Commissioner's
queue. Real Chromium at 360 px."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import axe_violations, child_signs_in, open_page, reflow_problems
from tests.browser.test_oversight_console import reviewer_of, staff_signs_in

WORDS = "My advocate said she'd come to my review and didn't. <b>nobody</b> told me why."


async def test_a_child_complains_and_follows_it_to_the_commissioners_queue(browser, world, artifacts):
    server, child = world.server, world.children[0]
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, child)
    await page.goto("/child/worries")
    await page.click("#complaints-link")
    await page.wait_for_url("**/child/complaints")
    await expect(page.locator("h1")).to_have_text("Not happy with us?")
    await expect(page.locator("main, body").first).to_contain_text("Your advocate won't see it.")
    await expect(page.locator("#no-complaints")).to_be_visible()

    await page.click("#send-complaint")  # nothing chosen: told what to do, nothing sent
    await expect(page.locator("#form-error")).to_have_text("Please choose who or what it is about. Nothing was sent.")
    await page.get_by_label("My advocate", exact=True).check()
    await page.click("#send-complaint")
    await expect(page.locator("#form-error")).to_have_text(
        "Please tell us what happened, in your own words. Nothing was sent.")
    assert await server.store.complaints.count_documents({}) == 0
    await page.fill("#complaint-words", WORDS)
    await page.fill("#complaint-wants", "To know she'll come next time.")
    await page.click("#send-complaint")

    item = page.locator(".complaint").first
    await expect(item.locator("h3")).to_have_text("About my advocate")
    await expect(item.locator(".words")).to_have_text(WORDS)
    await expect(item.locator(".complaint-where")).to_contain_text("We have your complaint. Someone will tell you "
                                                                   "they've got it by ")
    assert await page.locator(".complaint b").count() == 0
    assert await reflow_problems(page) == []
    assert await axe_violations(page) == []
    await page.screenshot(path=str(artifacts / "child-complaint-made-360x640.png"), full_page=True)
    # It went to Ada's manager, never to Ada.
    stored = await server.store.complaints.find_one({})
    assert stored["handler"] == {"role": "manager", "id": world.manager.id}
    told = {"kind": "complaint.made", "to": world.advocates[0].id}
    assert await server.store.notifications.count_documents(told) == 0

    await item.locator("button.escalate").click()
    await expect(page.locator(".complaint .complaint-where").first).to_contain_text(
        "You asked the Children's Commissioner's office to look at it.")
    await expect(page.locator("button.escalate")).to_have_count(0)
    assert await reflow_problems(page) == []
    await page.screenshot(path=str(artifacts / "child-complaint-escalated-360x640.png"), full_page=True)

    # The reviewer finds it in the queue, marked as a complaint about the service, and reads it.
    reviewer, reviewer_problems = await open_page(browser, world, 1280, 800)
    await staff_signs_in(reviewer, await reviewer_of(world), server, "/oversight")
    row = reviewer.locator("#queue-body tr")
    await expect(row).to_have_count(1)
    await expect(row.first).to_contain_text("Complaint about the advocacy service")
    await row.first.locator("a").first.click()
    await reviewer.wait_for_url("**/oversight/items/*")
    await expect(reviewer.locator("#case-why")).to_have_text("The child's complaint about the advocacy service itself")
    await expect(reviewer.locator("#child-words")).to_have_text(WORDS)
    await expect(reviewer.locator("#timeline")).to_contain_text("The child asked the Commissioner's office to look")
    await expect(reviewer.locator("body")).not_to_contain_text(child.name)
    assert problems == [] and reviewer_problems == []
