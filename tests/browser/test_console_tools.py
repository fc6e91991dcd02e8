"""The console's tools in Chromium (issue 20 item 9): an advocate saves a reply for the team (rich text,
cleaned), filters the list to the child with a concern due, and answers them with the saved reply; finds a
child's words by search and hands that child to a colleague for a while."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, axe_violations, open_page
from tests.support import add_advocate, api, connect

REPLY = ('<p>Thanks for telling me, <strong>that matters</strong>.</p><ul><li>I will call your social worker</li>'
         '<li>I will write back by Friday</li></ul><img src=x onerror="alert(document.cookie)">'
         '<script>alert(1)</script><a href="javascript:alert(2)">more</a>')
SENT = "Thanks for telling me, that matters.\n\n- I will call your social worker\n- I will write back by Friday\n\n" \
       "alert(1)more"


async def test_an_advocate_saves_a_reply_filters_to_a_concern_due_and_answers_with_the_reply(browser, world):
    server, ada = world.server, world.advocates[0]
    amira, billy = world.children[0], world.children[1]
    kids = {amira.name: await connect(server, amira), billy.name: await connect(server, billy)}
    await kids[amira.name].send(world.conversation_of(amira), "hello, anyone there?")
    await kids[billy.name].send(world.conversation_of(billy), "they won't let me see my sister")
    status, _ = await api(server, ada, "POST", "/api/concerns", json={
        "child": billy.id, "category": "contact", "severity": "high",
        "child_words": "I can't see my sister", "child_wants": "Visits"})
    assert status == 201

    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, ada, server)

    # a saved reply for the team, written on its page: what is not allowed never runs and is not kept
    await page.click("#nav-replies")
    await page.wait_for_url("**/console/replies")
    await page.fill("#reply-title", "Thanks, I'll act")
    await page.fill("#reply-body", REPLY)
    await page.click("#reply-save")
    item = page.locator(".reply-item", has_text="Thanks, I'll act")
    await expect(item.locator("strong")).to_have_text("that matters")
    await expect(item.locator("li")).to_have_count(2)
    assert await item.locator("img, script").count() == 0
    assert await item.locator("a").get_attribute("href") is None
    assert await axe_violations(page) == []

    # the list filtered to the child with a concern due: one request, Billy alone, with the deadline's words
    await page.click("#nav-console")
    await page.wait_for_url("**/console")
    rows = page.locator("#conversation-list > li")
    await expect(rows).to_have_count(2)
    async with page.expect_request("**/api/console/children?filter=concern_due") as asked:
        await page.click('#list-filters [data-filter="concern_due"]')
    await asked.value
    await expect(page.locator("#conversation-list > li:visible")).to_have_count(1)
    visible = page.locator("#conversation-list > li:visible")
    await expect(visible.locator(".conv-item__name")).to_have_text(billy.name)
    await expect(visible.locator(".conv-item__due")).to_contain_text("due in")
    await expect(page.locator("#filter-status")).to_have_text("1 child with a concern due within two days or late.")
    await page.click('#list-filters [data-filter="unread"]')
    await expect(page.locator("#conversation-list > li:visible")).to_have_count(2)
    await page.click('#list-filters [data-filter="concern_due"]')
    await expect(page.locator("#conversation-list > li:visible")).to_have_count(1)

    # answer Billy with the saved reply: shown as rich text, put in the box as plain text, sent as it is
    await visible.locator("button").click()
    await expect(page.locator("#messages")).to_contain_text("they won't let me see my sister")
    await page.click("#canned summary")
    await expect(page.locator("#canned-choice option", has_text="Thanks, I'll act")).to_have_count(1)
    await page.select_option("#canned-choice", label="Thanks, I'll act")
    await expect(page.locator("#canned-preview strong")).to_have_text("that matters")
    assert await page.locator("#canned-preview img, #canned-preview script").count() == 0
    await page.click("#canned-insert")
    await expect(page.locator("#message-input")).to_have_value(SENT)
    await expect(page.locator("#message-input")).to_be_focused()
    await page.keyboard.press("Enter")
    received = await kids[billy.name].next("message")
    while received["sender"]["role"] != "advocate":  # the service's own notices (safeguarding read his message)
        received = await kids[billy.name].next("message")
    assert received["text"] == SENT
    assert await axe_violations(page) == []
    assert problems == []


async def test_an_advocate_finds_a_childs_words_and_hands_the_child_to_a_colleague_for_a_while(browser, world):
    server, ada, mo = world.server, world.advocates[0], world.manager
    amira, billy = world.children[0], world.children[1]
    await add_advocate(server, "pat.spare", "Pat Spare", mo)  # Ada's colleague in Mo's team
    billy_chat = await connect(server, billy)
    await (await connect(server, amira)).send(world.conversation_of(amira), "my bike got taken at school")
    await billy_chat.send(world.conversation_of(billy), "can I get a new bike?")

    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, ada, server)
    await page.fill("#search-input", "BIKE")
    await page.press("#search-input", "Enter")
    await expect(page.locator("#search-status")).to_have_text("2 found.")
    result = page.locator("#search-results a", has_text="new bike")
    await expect(result).to_contain_text(billy.name)
    await result.click()
    await expect(page.locator("#conversation-title")).to_have_text(billy.name)
    await expect(page.locator("#messages")).to_contain_text("can I get a new bike?")

    await expect(page.locator("#cover-hand")).to_be_visible()
    await page.select_option("#cover-who", label="Pat Spare")
    await page.fill("#cover-hours", "3")
    await page.click("#cover-form button[type=submit]")
    await expect(page.locator("#cover-status")).to_contain_text("Pat Spare answers this child until")
    told = await billy_chat.next("message")
    assert told["text"].startswith("For a while, Pat will answer your messages instead of Ada, until ")
    await page.click("#cover-form button[type=submit]")  # again: someone covers him already
    await expect(page.locator("#cover-status")).to_contain_text("Pat Spare is covering this child already")
    await page.click("#cover-end")
    await expect(page.locator("#cover-status")).to_have_text("The cover has ended. The child has been told.")
    assert (await billy_chat.next("message"))["text"] == "Ada is back, so Ada is looking after you again."
    assert await axe_violations(page) == []
    # The browser logs the refused second hand-over (409) itself; nothing else went wrong.
    assert [p for p in problems if "status of 409" not in p] == []
