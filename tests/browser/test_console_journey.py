"""The advocate console in Chromium: answering several children by keyboard alone, being told when a child
writes, logging a concern from a child's messages beside the chat, and a safeguarding alert nobody can miss."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.pages import advocate_signs_in, open_page
from tests.support import connect

# Watches desktop notifications without changing them: each one is still the browser's own.
COUNT_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.shownNotifications = [];
  window.Notification = class extends Real {
    constructor(title, options) { super(title, options); window.shownNotifications.push({ title, body: options && options.body }); }
  };
})();
"""  # noqa: E501  (JavaScript run in the page, kept exactly as written)


def row(page: Page, name: str):
    return page.locator(".conv-item", has=page.locator(".conv-item__name", has_text=name))


async def active_child(page: Page) -> str:
    return await page.locator('.conv-item[aria-current="true"] .conv-item__name').inner_text()


async def test_an_advocate_answers_several_children_with_the_keyboard_alone(browser, world, artifacts):
    server, ada = world.server, world.advocates[0]
    amira, billy = world.children[0], world.children[1]
    kids = {amira.name: await connect(server, amira), billy.name: await connect(server, billy)}
    await kids[amira.name].send(world.conversation_of(amira), "Are you there? I need help with my school")
    await kids[billy.name].send(world.conversation_of(billy), "hi its billy")

    page, problems = await open_page(browser, world, 1280, 800, permissions=["notifications"])
    await page.context.add_init_script(COUNT_NOTIFICATIONS)
    await advocate_signs_in(page, ada, server)
    await expect(row(page, amira.name).locator(".badge")).to_have_text("1 unread")
    await expect(row(page, billy.name).locator(".badge")).to_have_text("1 unread")
    await expect(row(page, amira.name).locator(".conv-item__waiting")).to_contain_text("waiting")
    await expect(page).to_have_title("(2) Console")
    names = await page.locator(".conv-item__name").all_inner_texts()
    assert names == [amira.name, billy.name], "the child waiting longest comes first"

    await page.keyboard.press("j")
    assert await active_child(page) == amira.name
    await expect(row(page, amira.name)).to_be_focused()
    await expect(page.locator("#messages")).to_contain_text("I need help with my school")
    await expect(row(page, amira.name).locator(".badge")).to_be_hidden()
    await expect(page.locator("#side-note")).to_have_text(f"{amira.name} has no concerns logged.")
    await page.keyboard.press("/")
    await expect(page.locator("#message-input")).to_be_focused()
    await page.keyboard.type("Yes, I'm here. What's happening at school?")
    await page.keyboard.press("Enter")
    assert (await kids[amira.name].next("message"))["text"] == "Yes, I'm here. What's happening at school?"
    await expect(row(page, amira.name).locator(".conv-item__waiting")).to_have_text("")

    await page.keyboard.press("Escape")  # out of the box, back on the child in the list
    await expect(row(page, amira.name)).to_be_focused()
    names = await page.locator(".conv-item__name").all_inner_texts()
    assert names == [billy.name, amira.name], "answered: Amira goes below Billy, who is still waiting"
    await page.keyboard.press("k")
    assert await active_child(page) == billy.name
    await page.keyboard.press("/")
    await page.keyboard.type("just checking: j and k are letters here")  # shortcuts never fire while typing
    assert await active_child(page) == billy.name
    await page.keyboard.press("Enter")
    assert (await kids[billy.name].next("message"))["text"] == "just checking: j and k are letters here"
    await expect(page).to_have_title("Console")
    await page.keyboard.press("Escape")
    await page.keyboard.press("k")
    assert await active_child(page) == amira.name
    await page.keyboard.press("Alt+ArrowDown")
    assert await active_child(page) == billy.name

    # Amira writes while Billy's chat is open: her row, the title and screen readers say so; n goes to her.
    await kids[amira.name].send(world.conversation_of(amira), "it's about a teacher")
    await expect(row(page, amira.name).locator(".badge")).to_have_text("1 unread")
    await expect(page).to_have_title("(1) Console")
    await expect(page.locator("#chat-live")).to_have_text(f"New message from {amira.name}")
    await page.keyboard.press("n")
    assert await active_child(page) == amira.name
    await expect(page.locator("#messages")).to_contain_text("it's about a teacher")

    # The shortcuts are written on the page.
    await page.keyboard.press("?")
    shortcuts = page.locator("#shortcuts")
    await expect(shortcuts).to_have_attribute("open", "")
    await expect(shortcuts.locator("summary")).to_be_focused()
    for key in ("j", "k", "n", "/", "c", "Esc"):
        await expect(shortcuts.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$")).first).to_be_visible()
    await page.screenshot(path=str(artifacts / "journey-console-1280x800.png"))

    # Desktop notifications, chosen by the advocate: shown when they are in another window, without names or words.
    await page.click("#alert-settings summary")
    await page.check("#setting-desktop")
    await expect(page.locator("#setting-note")).to_contain_text("Desktop notifications on")
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Emulation.setFocusEmulationEnabled", {"enabled": False})
    elsewhere = await page.context.new_page()
    await elsewhere.goto("/")
    await elsewhere.bring_to_front()
    await kids[billy.name].send(world.conversation_of(billy), "are you still there")
    await expect(row(page, billy.name).locator(".badge")).to_have_text("1 unread")
    shown = await page.evaluate("window.shownNotifications")
    assert shown == [{"title": "Advocacy console", "body": "A child has written to you."}]
    assert problems == []


async def test_a_concern_is_logged_from_the_childs_messages_beside_the_conversation(browser, world, artifacts):
    server, ada, amira = world.server, world.advocates[0], world.children[0]
    kid = await connect(server, amira)
    first = (await kid.send(world.conversation_of(amira), "My social worker cancelled contact again"))["message"]
    await kid.send(world.conversation_of(amira), "I really want to see my brother")
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, ada, server)
    await row(page, amira.name).click()
    await expect(page.locator("#side-note")).to_have_text(f"{amira.name} has no concerns logged.")

    await page.keyboard.press("c")
    choices = page.locator("#message-choices input")
    await expect(choices).to_have_count(2)
    await expect(choices.first).to_be_focused()
    await page.locator(f"#message-choices input[value='{first['id']}']").check()
    await expect(page.locator("#log-words")).to_have_value("My social worker cancelled contact again")
    await page.select_option("#log-category", "contact")
    await page.select_option("#log-severity", "high")
    await page.fill("#log-wants", "To see her brother every week.")
    await page.click("#log-submit")

    item = page.locator("#side-concerns .side-item")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("Contact with family and friends")
    await expect(item.locator(".side-item__due")).to_have_text(
        # Logged by the advocate, so the child is heard: the next deadline is the manager's.
        re.compile(r"^Sort it before the manager is told: due in \d+ working days?$"))
    await expect(page.locator("#log-concern")).not_to_have_attribute("open", "")
    stored = await server.store.concerns.find_one({"child": amira.id, "source": {"$ne": "child"}})
    assert stored["messages"] == [first["id"]] and stored["severity"] == "high"
    await page.screenshot(path=str(artifacts / "journey-console-concern-logged-1280x800.png"))
    await item.locator("a").click()
    await page.wait_for_url("**/console/concerns#concern=*")
    await expect(page.locator("#detail-words")).to_have_text("My social worker cancelled contact again")
    assert problems == []


async def test_a_safeguarding_alert_is_announced_stays_until_seen_and_reaches_the_manager(browser, world, artifacts):
    server, ada, amira = world.server, world.advocates[0], world.children[0]
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, ada, server)
    await row(page, world.children[1].name).click()  # busy with someone else
    kid = await connect(server, amira)
    await kid.send(world.conversation_of(amira), "he hit me again and i am scared to go home")

    urgent = page.locator("#alerts-urgent")
    await expect(urgent).to_have_attribute("role", "alert")  # read out at once by screen readers
    alert = urgent.locator(".alert--urgent")
    await expect(alert).to_have_count(1)
    await expect(alert).to_contain_text("Urgent")
    await expect(alert).to_contain_text(f"Safeguarding flag: a message needs you to look now ({amira.name})")
    await expect(page).to_have_title(re.compile(r"^⚠ Urgent · "))
    box = await alert.bounding_box()
    assert box and box["width"] > 1000 and box["y"] < 150, "the alert spans the top of the page"
    await page.screenshot(path=str(artifacts / "journey-console-safeguarding-1280x800.png"))

    await page.reload()  # it stays until someone says they've seen it
    await expect(page.locator("#alerts-urgent .alert--urgent")).to_have_count(1)
    await page.goto("/console/concerns")
    await expect(page.locator("#alerts-urgent .alert--urgent")).to_have_count(1)

    manager, manager_problems = await open_page(browser, world, 1280, 800)
    from tests.support import otp_for
    await manager.goto("/staff/sign-in")
    await manager.fill("#username", world.manager.username)
    await manager.fill("#password", world.manager.password)
    await manager.fill("#otp", await otp_for(server, world.manager))
    await manager.click("#sign-in-button")
    await manager.wait_for_url("**/console")
    await manager.click("#nav-pairing")
    await expect(manager.locator("#alerts-urgent .alert--urgent")).to_contain_text(amira.name)

    await page.locator("#alerts-urgent .alert--urgent").get_by_role("button", name="Mark as seen").click()
    await expect(page.locator("#alerts-urgent .alert")).to_have_count(0)
    await expect(page).not_to_have_title(re.compile("Urgent"))
    await page.reload()
    await expect(page.locator("#alerts")).to_have_attribute("data-loaded", "true")
    await expect(page.locator("#alerts-urgent .alert")).to_have_count(0)
    assert await server.store.notifications.count_documents(
        {"to": ada.id, "kind": "safeguarding.flagged", "seen_at": None}) == 0
    assert problems == [] and manager_problems == []


async def test_the_console_by_tab_alone_shows_where_the_focus_is(browser, world):
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, world.advocates[0], world.server)
    await expect(page.locator(".conv-item")).to_have_count(2)
    assert not await page.is_checked("#setting-sound"), "sound is off until the advocate turns it on"
    await page.goto("/console")  # Tab from the top of a freshly opened page
    await expect(page.locator(".conv-item")).to_have_count(2)
    reached = []
    for _ in range(20):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("""() => {
            const el = document.activeElement, style = getComputedStyle(el);
            return {what: el === document.body ? 'the end' : el.id || el.className || el.tagName,
                    visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
        }""")
        if focused["what"] == "the end":
            break
        assert focused["visible"], f"no visible focus on {focused['what']}"
        reached.append(focused["what"])
    expected = ["skip-link", "nav-console", "nav-concerns", "sign-out", "conv-item", "conv-item", "thread"]
    assert [r for r in reached if r in expected] == expected, reached
    assert reached.count("SUMMARY") == 4, "saved replies, log a concern, alerts and sounds, keyboard shortcuts"

    await page.goto("/console")
    await expect(page.locator(".conv-item")).to_have_count(2)
    while await page.evaluate("document.activeElement.className") != "conv-item":
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # a child's row, chosen by Enter
    await expect(page.locator('.conv-item[aria-current="true"]')).to_have_count(1)
    await expect(page.locator("#message-input")).to_be_enabled()
    assert problems == []
