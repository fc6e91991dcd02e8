"""The child's chat on a small phone, in Chromium: the header leaves the messages the room, and with the
on-screen keyboard open (the window made that much shorter, as a phone's browser does) the newest three
messages and the reply box stay in view, with nothing scrolling sideways, in English and in Arabic."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.browser.pages import axe_violations, chat_ready, child_signs_in, open_page, reflow_problems
from tests.support import World, connect

KEYBOARD = 260  # CSS pixels an on-screen keyboard takes from a small phone's window
CONVERSATION = [
    ("advocate", "Hi Amira, it's Ada. How did the review meeting go?"),
    ("child", "it was ok"),
    ("child", "they said i can see my brother more"),
    ("advocate", "That's good news. Did they say how often?"),
    ("child", "every other saturday"),
    ("advocate", "Brilliant. I'll check it's in your plan."),
]

LAYOUT = """() => {
    const box = (selector) => {
        const el = document.querySelector(selector);
        const r = el.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height};
    };
    const nav = document.querySelector('.child-nav');
    const tabs = getComputedStyle(nav).display === 'none' ? 0 : box('.child-nav').bottom;
    const header = Math.max(box('.topbar').bottom, tabs);
    return {
        screen: window.innerHeight, header, thread: box('#thread'), composer: box('#composer'),
        last: [...document.querySelectorAll('#messages .msg')].slice(-3).map((m) => {
            const r = m.getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, text: m.querySelector('.msg__text').textContent};
        }),
    };
}"""


async def have_a_conversation(world: World) -> None:
    amira, ada = world.children[0], world.advocates[0]
    conv = world.conversation_of(amira)
    child, advocate = await connect(world.server, amira), await connect(world.server, ada)
    for who, text in CONVERSATION:
        reply = await (child if who == "child" else advocate).send(conv, text)
        assert reply["ok"], reply
    await child.close()
    await advocate.close()


async def open_chat(page: Page, world: World, lang: str = "en") -> None:
    await page.goto(f"/child/sign-in?lang={lang}")
    await child_signs_in(page, world.children[0])
    await page.goto("/child")  # not the first-time welcome: the chat as the child finds it every other day
    await chat_ready(page)
    await expect(page.locator("#messages .msg")).to_have_count(len(CONVERSATION))


async def measure(page: Page) -> dict:
    """Where things are once the page has drawn its next two frames (it keeps its place on a resize)."""
    await page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return await page.evaluate(LAYOUT)


def in_view(layout: dict) -> list[str]:
    """What of the newest three messages and the reply box is out of the child's sight."""
    thread, screen = layout["thread"], layout["screen"]
    out = [f"message {m['text']!r} at {m['top']:.0f}-{m['bottom']:.0f}, messages shown {thread['top']:.0f}-"
           f"{thread['bottom']:.0f}" for m in layout["last"]
           if m["top"] < max(thread["top"], layout["header"]) - 1 or m["bottom"] > min(thread["bottom"], screen) + 1]
    if layout["composer"]["top"] < layout["header"] or layout["composer"]["bottom"] > screen + 1:
        out.append(f"the reply box at {layout['composer']['top']:.0f}-{layout['composer']['bottom']:.0f} "
                   f"on a screen {screen}px high")
    return out


async def test_the_header_leaves_the_messages_room_on_small_phones(browser, world, artifacts):
    await have_a_conversation(world)
    figures = {}
    for width, height, most in [(360, 640, 0.25), (320, 568, 0.30)]:
        page, errors = await open_page(browser, world, width, height)
        await open_chat(page, world)
        layout = await measure(page)
        figures[f"{width}x{height}"] = (round(layout["header"]), round(layout["thread"]["height"]))
        await page.screenshot(path=str(artifacts / f"chat-phone-{width}x{height}.png"))
        # Before: the header took 234 px (37%) of 360x640 and 264 px (46%) of 320x568.
        assert layout["header"] <= most * height, figures
        assert layout["thread"]["height"] >= 0.55 * height, figures
        assert in_view(layout) == []
        assert await reflow_problems(page) == [] and errors == []
    print("header px, messages px:", figures)


async def test_with_the_keyboard_open_the_newest_messages_and_the_reply_box_stay_in_view(browser, world, artifacts):
    await have_a_conversation(world)
    page, errors = await open_page(browser, world, 320, 568)
    await open_chat(page, world)
    await page.focus("#message-input")
    await page.set_viewport_size({"width": 320, "height": 568 - KEYBOARD})
    await expect(page.locator(".child-nav")).to_be_hidden()  # the tabs fold away: one line of header
    await expect(page.locator("#quick-exit")).to_be_in_viewport(ratio=1)
    await expect(page.locator("#advocate-name")).to_be_in_viewport(ratio=1)
    layout = await measure(page)
    await page.screenshot(path=str(artifacts / "chat-phone-320x308-keyboard.png"))
    print("keyboard open: header px, messages px:", round(layout["header"]), round(layout["thread"]["height"]))
    assert in_view(layout) == [], layout
    assert [m["text"] for m in layout["last"]][-1].endswith("Brilliant. I'll check it's in your plan.")
    assert await reflow_problems(page) == []
    assert await axe_violations(page) == []

    # The child answers with the keyboard still open: their message joins the newest three, in view.
    await page.fill("#message-input", "thank you")
    await page.keyboard.press("Enter")
    await expect(page.locator(".msg--mine").last).to_have_attribute("data-state", "delivered")
    layout = await measure(page)
    assert layout["last"][-1]["text"].endswith("thank you")
    assert in_view(layout) == [], layout
    await expect(page.locator("#message-input")).to_be_focused()

    # The folded parts are one tap away: the tabs and Sign out, and away again.
    more = page.locator("#chat-more-button")
    await expect(page.locator("#sign-out")).to_be_hidden()
    await more.click()
    await expect(more).to_have_attribute("aria-expanded", "true")
    await expect(page.locator("#nav-worries")).to_be_visible()
    await expect(page.locator("#sign-out")).to_be_visible()
    assert await axe_violations(page) == []
    await more.click()
    await expect(page.locator(".child-nav")).to_be_hidden()

    # The keyboard closes: the tabs come back, and the newest messages are still the ones in view.
    await page.set_viewport_size({"width": 320, "height": 568})
    await expect(page.locator(".child-nav")).to_be_visible()
    assert in_view(await measure(page)) == []
    assert errors == []


async def test_the_small_phone_chat_in_arabic_is_mirrored_and_keeps_the_messages_in_view(browser, world, artifacts):
    await have_a_conversation(world)
    page, errors = await open_page(browser, world, 320, 568)
    await open_chat(page, world, lang="ar")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await page.focus("#message-input")
    await page.set_viewport_size({"width": 320, "height": 568 - KEYBOARD})
    await page.screenshot(path=str(artifacts / "chat-phone-320x308-keyboard-ar.png"))
    name = await page.locator("#advocate-name").bounding_box()
    exit_ = await page.locator("#quick-exit").bounding_box()
    box = await page.locator("#message-input").bounding_box()
    send = await page.locator("#send-button").bounding_box()
    assert exit_["x"] < name["x"]  # Quick exit at the line's end, which is the left in Arabic
    assert send["x"] < box["x"]  # the Send button after the box, to its left
    mine = await page.locator(".msg--mine").last.bounding_box()
    theirs = await page.locator(".msg--theirs").last.bounding_box()
    assert mine["x"] < theirs["x"]  # the child's own messages on the left, mirroring English
    assert in_view(await measure(page)) == []
    assert await reflow_problems(page) == []
    assert errors == []
