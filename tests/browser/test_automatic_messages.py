"""The service's automatic messages look different from a person's on both sides, and are not unread for staff."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, child_signs_in, open_page
from tests.support import connect


async def test_a_notice_from_the_service_is_labelled_automatic_for_the_child_and_the_advocate(browser, world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    assert await server.services.chat.tell_child(amira.id, "Your advocate is away until Monday.", "test:away")

    child_page, child_problems = await open_page(browser, world, 360, 640)
    await child_signs_in(child_page, amira)
    notice = child_page.locator("#messages .msg--service")
    await expect(notice).to_contain_text("Automatic message")
    await expect(notice).to_contain_text("Your advocate is away until Monday.")

    staff_page, staff_problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(staff_page, ada, server)
    row = staff_page.locator(".conv-item", has=staff_page.locator(".conv-item__name", has_text=amira.name))
    await expect(row).to_be_visible()
    await expect(row.locator(".conv-item__unread")).to_be_hidden()  # nothing a person wrote is waiting
    await (await connect(server, amira)).send(world.conversation_of(amira), "ok thanks")
    await expect(row.locator(".conv-item__unread")).to_contain_text("1")
    await row.click()
    await expect(staff_page.locator("#messages .msg--service")).to_contain_text("Automatic message")
    await expect(staff_page.locator("#messages .msg--child .msg__from")).to_have_count(0)
    assert child_problems == [] and staff_problems == []


async def test_an_advocate_switching_to_away_changes_the_childs_header_at_once(browser, world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    staff_page, staff_problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(staff_page, ada, server)
    switch = staff_page.get_by_role("button", name="Online", exact=True)
    await expect(switch).to_have_attribute("aria-pressed", "false")
    child_page, child_problems = await open_page(browser, world, 360, 640)
    await child_signs_in(child_page, amira)
    header = child_page.locator("#presence")
    await expect(header).to_have_text("Your advocate is online now.")

    await switch.click()
    await expect(staff_page.locator("#away-switch")).to_have_attribute("aria-pressed", "true")
    await expect(staff_page.locator("#away-switch")).to_have_text("Away")
    await expect(header).not_to_contain_text("online now")
    await expect(header).to_contain_text("Your advocate isn't")
    assert await server.store.staff.count_documents({"_id": ada.id, "away": True}) == 1

    await staff_page.reload()  # the switch is kept
    await expect(staff_page.locator("#away-switch")).to_have_attribute("aria-pressed", "true")
    await expect(header).to_contain_text("Your advocate isn't")  # reconnecting while away stays away
    await staff_page.locator("#away-switch").click()
    await expect(header).to_have_text("Your advocate is online now.")
    assert child_problems == [] and staff_problems == []
