"""A manager holding hundreds of alerts still reaches a conversation at once: the alerts are grouped by
child and kind with counts, urgent first, loaded in one request, kept to their own height, and cleared in
one action or by acting on the worry they point at."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, open_page
from tests.support import api, connect

KINDS = ["concern.raised", "concern.due_soon", "concern.escalated", "oversight.update_requested"]


async def test_a_manager_with_200_alerts_keeps_the_conversation_and_loads_them_at_once(browser, world, artifacts):
    server, mo = world.server, world.manager
    amira, billy, cara = world.children  # Cara is another team's child: her name is not the manager's to see
    tell = server.services.notifier.tell
    for i in range(198):
        child = world.children[i % 3]
        await tell([mo.id], KINDS[i % 4], child=child.id, concern=f"cn-{i}", level="manager")
    await tell([mo.id], "safeguarding.flagged", child=billy.id, urgent=True, concern="cn-flag-1")
    await tell([mo.id], "safeguarding.flagged", child=billy.id, urgent=True, concern="cn-flag-2")

    page, problems = await open_page(browser, world, 1280, 800)
    alert_requests: list[str] = []
    concern_requests: list[str] = []
    page.on("websocket", lambda ws: ws.on(
        "framesent", lambda frame: alert_requests.append(frame) if '["alerts"' in str(frame) else None))
    page.on("request", lambda r: concern_requests.append(r.url) if "/api/concerns/" in r.url else None)
    await advocate_signs_in(page, mo, server)
    alerts = page.locator("#alerts")
    await expect(alerts).to_have_attribute("data-loaded", "true")
    await expect(alerts).to_have_attribute("data-count", "200")
    await expect(page.locator("#alerts-count")).to_have_text("200 alerts")

    # One line per child and kind, with its count; the safeguarding flags first, as one group.
    groups = page.locator("#alerts .alert")
    await expect(groups).to_have_count(13)
    first = groups.first
    await expect(first).to_have_class("alert alert--urgent")
    await expect(first).to_contain_text(f"2 × Safeguarding flag: a message needs you to look now ({billy.name})")
    await expect(page.locator(f'#alerts .alert[data-kind="concern.raised"]:has-text("({amira.name})")')) \
        .to_have_attribute("data-count", "17")
    assert await page.locator(f'#alerts :text("{cara.name}")').count() == 0

    # The conversation keeps its room and the page itself does not scroll.
    await page.screenshot(path=str(artifacts / "console-200-alerts-1280x800.png"))
    conversation = await page.locator("#conversation").bounding_box()
    assert conversation and conversation["height"] >= 500, conversation
    listing = await page.locator("#alerts .alerts__list").bounding_box()
    assert listing and listing["height"] <= 160, listing
    assert await page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    await page.screenshot(path=str(artifacts / "console-200-alerts-1280x800.png"))

    assert len(alert_requests) == 1, alert_requests
    assert concern_requests == []

    # A group at a time, then all the rest in one action, recorded on the server.
    await first.get_by_role("button", name="Mark as seen").click()
    await expect(groups).to_have_count(12)
    await expect(page.locator("#alerts-count")).to_have_text("198 alerts")
    await page.get_by_role("button", name="Mark all as seen").click()
    await expect(groups).to_have_count(0)
    await expect(page.locator("#alerts-tools")).to_be_hidden()
    assert await server.store.notifications.count_documents({"to": mo.id, "seen_at": None}) == 0
    await page.reload()
    await expect(alerts).to_have_attribute("data-loaded", "true")
    await expect(groups).to_have_count(0)
    assert problems == []


async def test_acting_on_a_worry_clears_its_alerts_for_everyone(browser, world):
    server, ada, mo, amira = world.server, world.advocates[0], world.manager, world.children[0]
    status, body = await api(server, ada, "POST", "/api/concerns", json={
        "child": amira.id, "category": "education", "child_words": "My school keeps leaving me out of trips.",
        "child_wants": "To go on the trip to York.", "severity": "standard"})
    assert status == 201, body
    concern = body["concern"]["id"]
    await server.services.notifier.tell([ada.id, mo.id], "concern.due_soon", child=amira.id, concern=concern)
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, ada, server)
    await expect(page.locator('#alerts .alert[data-kind="concern.due_soon"]')).to_have_count(1)

    status, body = await api(server, ada, "POST", f"/api/concerns/{concern}/actions", json={
        "kind": "raised_with", "with": "social_worker", "note": "Emailed the social worker."})
    assert status == 201, body
    assert await server.store.notifications.count_documents({"ids.concern": concern, "seen_at": None}) == 0
    await page.reload()
    await expect(page.locator("#alerts")).to_have_attribute("data-loaded", "true")
    await expect(page.locator('#alerts .alert[data-kind="concern.due_soon"]')).to_have_count(0)
    assert problems == []


async def test_a_high_rule_shows_as_high_not_urgent_and_goes_once_the_draft_is_dismissed(browser, world):
    server, ada, billy = world.server, world.advocates[0], world.children[1]
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, ada, server)
    billy_row = page.locator(".conv-item", has=page.locator(".conv-item__name", has_text=billy.name))
    await billy_row.click()
    kid = await connect(server, billy)
    await kid.send(world.conversation_of(billy), "they wont let me see my brother")
    flagged = page.locator("#messages .msg--flagged")
    await expect(flagged).to_contain_text("they wont let me see my brother")
    await expect(flagged).to_contain_text("Flagged for safeguarding")
    alert = page.locator('#alerts .alert[data-kind="safeguarding.flagged"]')
    await expect(alert).to_have_class("alert alert--high")
    await expect(alert).to_contain_text(f"HighSafeguarding flag: a message needs you to look soon ({billy.name})")
    await expect(page.locator("#alerts-urgent .alert")).to_have_count(0)
    await expect(page).not_to_have_title(re.compile("Urgent"))

    await server.services.safeguarding.drain()
    draft = await server.store.concerns.find_one({"child": billy.id, "status": "draft"})
    status, _ = await api(server, ada, "POST", f"/api/concerns/{draft['_id']}/dismiss",
                          json={"reason": "Billy meant his brother is on holiday."})
    assert status == 200
    await page.reload()
    await expect(page.locator("#alerts")).to_have_attribute("data-loaded", "true")
    await expect(alert).to_have_count(0)
    await billy_row.click()  # the mark stays with the message in the history
    await expect(flagged).to_contain_text("Flagged for safeguarding")
    assert problems == []
