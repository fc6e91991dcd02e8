"""A message that fails to send shows clearly, and sending it again delivers it once: the database holds one
message and the advocate sees one. Real failures: the phone goes offline, or the answer to a send is lost."""

from __future__ import annotations

import re

from playwright.async_api import Page, WebSocketRoute, expect

from tests.browser.pages import advocate_signs_in, chat_ready, child_signs_in, open_page
from tests.support import ChatClient, connect

TEXT = "Please don't tell my carer about this yet"


async def shown_as_failed(page: Page, within: float = 5000) -> None:
    bubble = page.locator(".msg--mine").last
    await expect(bubble).to_have_attribute("data-state", "failed", timeout=within)
    await expect(bubble).to_have_class(re.compile(r"\bmsg--failed\b"))
    await expect(bubble.locator(".msg__state")).to_have_text("Not sent")
    await expect(bubble.get_by_role("button", name="Try again")).to_be_visible()
    await expect(page.locator("#chat-status")).to_have_class(re.compile(r"chat-status--error"))


async def delivered_once(world, page: Page, staff: Page, listener: ChatClient) -> None:
    child = world.children[0]
    await expect(page.locator(".msg--mine").last).to_have_attribute("data-state", re.compile("^(delivered|seen)$"))
    await expect(page.locator(".msg--mine")).to_have_count(1)
    assert await world.server.store.messages.count_documents({"sender.id": child.id}) == 1
    await expect(staff.locator("#messages .msg", has_text=TEXT)).to_have_count(1)
    queue = listener.received["message"]
    seen = {queue.get_nowait()["id"] for _ in range(queue.qsize())}
    assert len(seen) == 1, seen  # the advocate's other device: one message (told of it again at most)


async def advocate_watching(world, browser) -> tuple[Page, list[str], ChatClient]:
    """The advocate's console open on the child's conversation, and another device of theirs listening."""
    staff, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(staff, world.advocates[0], world.server)
    await staff.goto(f"/console#{world.conversation_of(world.children[0])}")
    await expect(staff.locator("#thread")).to_have_attribute("aria-busy", "false")
    return staff, problems, await connect(world.server, world.advocates[0])


async def test_sent_while_offline_it_says_so_then_goes_once_when_back_online(browser, world, artifacts):
    staff, staff_problems, listener = await advocate_watching(world, browser)
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, world.children[0])
    await chat_ready(page)

    await page.context.set_offline(True)
    await expect(page.locator("#chat-status")).to_contain_text("offline")
    await page.fill("#message-input", TEXT)
    await page.keyboard.press("Enter")
    await shown_as_failed(page)
    await page.screenshot(path=str(artifacts / "child-chat-not-sent-360x640.png"))
    # Trying again while still offline fails again, and still nothing is sent twice.
    await page.get_by_role("button", name="Try again").click()
    await shown_as_failed(page)

    await page.context.set_offline(False)  # back online: it goes by itself, with the same client_id
    await delivered_once(world, page, staff, listener)
    await expect(page.locator("#chat-status")).to_have_text("")
    assert [p for p in problems if "ERR_INTERNET_DISCONNECTED" not in p] == []
    assert staff_problems == []


async def test_when_the_answer_is_lost_trying_again_delivers_it_once(browser, world):
    """The server stores the message but its answer never reaches the phone: the page can't know it arrived,
    shows it as not sent, and the child taps Try again. The server recognises the resend."""
    staff, staff_problems, listener = await advocate_watching(world, browser)
    page, problems = await open_page(browser, world, 360, 640)
    lost: list[str] = []

    def relay(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            # The first answer to a send (a Socket.IO ack: 43/chat,ID[...]) carrying our text goes missing.
            if not lost and isinstance(message, str) and message.startswith("43/chat,") and TEXT in message:
                lost.append(message)
                return
            ws.send(message)

        server.on_message(to_page)

    await page.route_web_socket(re.compile(r".*/socket\.io/.*"), relay)
    await child_signs_in(page, world.children[0])
    await chat_ready(page)
    await page.fill("#message-input", TEXT)
    await page.keyboard.press("Enter")
    await expect(staff.locator("#messages .msg", has_text=TEXT)).to_have_count(1)  # it did arrive
    await shown_as_failed(page, within=20000)  # after the page has waited 10 seconds for an answer
    assert len(lost) == 1

    await page.get_by_role("button", name="Try again").click()
    await delivered_once(world, page, staff, listener)
    assert problems == [] and staff_problems == []
