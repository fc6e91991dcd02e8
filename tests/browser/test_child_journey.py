"""A child's journey in Chromium on a phone-sized screen: first sign-in (choosing a PIN) to a reply and a worry,
the chat by keyboard alone, and older messages loading as they scroll up."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.pages import chat_ready, child_signs_in, open_page
from tests.support import connect


async def focus_is_visible(page: Page) -> bool:
    """The focused element draws a focus indicator (an outline at least 2px wide)."""
    return await page.evaluate("""() => {
        const style = getComputedStyle(document.activeElement);
        return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    }""")


async def test_a_child_signs_in_for_the_first_time_gets_a_reply_and_tells_a_worry(browser, world, artifacts):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(amira)
    page, problems = await open_page(browser, world, 360, 640)

    await page.goto("/")
    await page.click("#young-person-link")
    await page.wait_for_url("**/child/sign-in")
    await page.fill("#access-code", amira.access_code.lower())  # codes are not case-sensitive
    await page.fill("#pin", "12")
    await page.click("#sign-in-button")
    await expect(page.locator("#form-error")).to_have_text("Your PIN needs to be 4 to 8 numbers.")
    await expect(page.locator("#pin")).to_be_focused()
    await page.fill("#pin", amira.pin)  # the first PIN typed becomes their PIN ...
    await page.click("#first-time summary")  # ... with the setup word given with the code, and typed twice
    await page.fill("#setup-word", amira.setup_word)
    await page.fill("#pin-again", amira.pin)
    await page.click("#sign-in-button")

    # A welcome, once: the PIN, and in plain words what stays private and when an advocate must tell someone.
    welcome = page.locator("#welcome")
    await expect(welcome).to_be_focused()
    await expect(welcome).to_contain_text("Your PIN is set")
    await expect(welcome).to_contain_text("unless you or someone else might be in danger")
    assert page.url.endswith("/child"), "the welcome is not in the address: reloading does not show it again"
    await chat_ready(page)
    await page.screenshot(path=str(artifacts / "journey-child-welcome-360x640.png"))

    advocate = await connect(server, ada)
    await expect(page.locator("#presence")).to_have_text("Your advocate is online now.")
    await expect(page.locator("#presence")).to_have_class("presence presence--online")

    await page.fill("#message-input", "Hi Ada, can I ask about seeing my brother?")
    await page.keyboard.press("Enter")
    mine = page.locator(".msg--mine").last
    await expect(mine).to_have_attribute("data-state", "delivered")
    await expect(mine.locator(".msg__state")).to_have_text("Delivered")
    arrived = await advocate.next("message")
    assert arrived["text"] == "Hi Ada, can I ask about seeing my brother?"

    await advocate.call("typing", {"conversation": conv})
    await expect(page.locator("#typing")).to_have_text("Ada Advocate is typing…")
    await advocate.call("read", {"conversation": conv, "up_to": arrived["id"]})
    await expect(mine).to_have_attribute("data-state", "seen")
    await expect(mine.locator(".msg__state")).to_have_text("Seen")
    await advocate.send(conv, "Of course, Amira. Tell me more when you're ready.")
    theirs = page.locator(".msg--theirs").last
    await expect(theirs).to_contain_text("Of course, Amira.")
    await expect(page.locator("#typing")).to_have_text("")
    await expect(page.locator("#chat-live")).to_have_text("Ada Advocate: Of course, Amira. "
                                                          "Tell me more when you're ready.")

    await page.reload()
    await chat_ready(page)
    await expect(page.locator("#welcome")).to_have_count(0)
    await expect(page.locator(".msg--mine").last).to_have_attribute("data-state", "seen")  # remembered, not re-read
    await advocate.close()
    await expect(page.locator("#presence")).to_contain_text("Your advocate isn't")  # and when they'll reply
    await expect(page.locator("#presence")).to_have_class("presence")
    await page.screenshot(path=str(artifacts / "journey-child-chat-360x640.png"))

    await page.click("#nav-worries")
    await page.wait_for_url("**/child/worries")
    await page.click("#new-worry-link")
    await page.get_by_label("Seeing or talking to my family and friends").check()
    await page.fill("#child-words", "I only see my brother once a month now.")
    await page.fill("#child-wants", "To see him every week.")
    await page.click("#send-worry")
    await expect(page.locator("#sent")).to_be_focused()
    await page.click("text=See my worries")
    worry = page.locator(".worry").first
    await expect(worry.locator("h2")).to_have_text("Seeing or talking to my family and friends")
    await expect(worry.locator(".worry__next")).to_contain_text("Your advocate has your worry.")
    stored = await server.store.concerns.find_one({"child": amira.id, "source": "child"})
    assert stored is not None and stored["category"] == "contact"
    assert problems == []


async def test_the_chat_works_by_keyboard_alone(browser, world):
    amira = world.children[0]
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await page.goto("/child")  # Tab starts from the top of a freshly opened page
    await chat_ready(page)

    order = []
    for _ in range(12):
        await page.keyboard.press("Tab")
        here = await page.evaluate("document.activeElement.id || document.activeElement.className")
        assert await focus_is_visible(page), f"no visible focus on {here}"
        order.append(here)
        if here == "send-button":
            break
    # Reading order: skip link, Quick exit first of the page's own controls ("More", with Sign out folded
    # behind it, next), the tabs, the chat, then the box. On a phone the service's mark is not on the chat page.
    assert order[:2] == ["skip-link", "quick-exit"], order
    expected = ["quick-exit", "chat-more-button", "nav-chat", "nav-worries", "nav-advocate", "thread",
                "what-happens-link", "message-input", "send-button"]
    assert [o for o in order if o in expected] == expected, order

    await page.focus("#message-input")
    await page.keyboard.type("First line")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("second line")
    await page.keyboard.press("Enter")
    await expect(page.locator(".msg--mine .msg__text").last).to_have_text("You: First line\nsecond line")
    # Each message takes its own direction, so Arabic reads right to left on an English page too.
    await expect(page.locator(".msg--mine .msg__words").last).to_have_attribute("dir", "auto")
    await expect(page.locator("#message-input")).to_have_value("")
    await expect(page.locator("#message-input")).to_be_focused()
    await expect(page.locator(".msg--mine[data-id]")).to_have_count(1)  # the server has it (the bubble shows at once)
    stored = await world.server.store.messages.count_documents({"sender.id": amira.id})
    assert stored == 1

    # The skip link goes straight to the page's content.
    await page.focus(".skip-link")
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.id") == "main"
    assert problems == []


async def test_older_messages_load_when_the_child_scrolls_up(browser, world):
    amira = world.children[0]
    chat = world.server.services.chat
    for i in range(1, 71):
        await chat.tell_child(amira.id, f"Note number {i}", f"scroll:{i}")
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await page.goto("/child")  # not the first sign-in's welcome, which sits at the top of the messages
    await chat_ready(page)
    messages = page.locator(".msg")
    await expect(messages).to_have_count(50)
    await expect(messages.first).to_contain_text("Note number 21")
    await expect(messages.last).to_contain_text("Note number 70")
    await page.locator("#thread").evaluate("thread => { thread.scrollTop = 0; }")
    await expect(messages).to_have_count(70)
    await expect(messages.first).to_contain_text("Note number 1")
    # Where the child was reading stays in view: the earlier messages arrive above it.
    assert await page.locator("#thread").evaluate("thread => thread.scrollTop") > 0
    await expect(page.locator("#load-older")).to_be_hidden()
    assert problems == []
