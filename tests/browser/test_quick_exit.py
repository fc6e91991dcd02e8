"""Quick exit in Chromium: the button, or Esc three times, takes a child to an ordinary website, leaves nothing of
the service to go Back to, and ends their session (the old cookie no longer works)."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from advocacy.edge.handlers import SESSION_COOKIE
from tests.browser.pages import NEUTRAL_SITE, chat_ready, fill_child_sign_in, open_page
from tests.support import Person, Server, make_pairable

SEARCH = "https://search.example/results"  # wherever the child was before (answered locally)


async def arrive_from_elsewhere(page: Page) -> None:
    await page.context.route(re.compile(r"https://search\.example/.*"), lambda route: route.fulfill(
        status=200, content_type="text/html", body='<title>Search</title><a id="go" href="#">result</a>'))
    await page.goto(SEARCH)


async def sign_in_through_the_pages(page: Page, server: Server, child: Person) -> int:
    """From the other site to the service's front page, then sign in, as a child would; returns the length
    of the tab's history on arriving at the service."""
    await page.goto(server.url + "/")
    arrived = await page.evaluate("history.length")
    await page.click("#young-person-link")
    await fill_child_sign_in(page, child)
    await page.click("#sign-in-button")
    await chat_ready(page)
    return arrived


async def a_child_arrives(browser, world, child: Person) -> tuple[Page, list[str], int]:
    """A child on another site comes to the service and signs in: their page, its problems, and the length
    of the tab's history on arriving."""
    page, problems = await open_page(browser, world, 360, 640)
    await arrive_from_elsewhere(page)
    return page, problems, await sign_in_through_the_pages(page, world.server, child)


async def session_cookie(page: Page) -> str:
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    return cookies[SESSION_COOKIE]


async def still_signed_in(server: Server, token: str) -> bool:
    async with server.http(cookies={SESSION_COOKIE: token}) as http:
        async with http.get("/api/session") as resp:
            return resp.status == 200


async def nothing_to_go_back_to(page: Page, server: Server, token: str, arrived: int) -> None:
    await page.wait_for_url(NEUTRAL_SITE)
    assert await page.evaluate("history.length") == arrived, "the whole visit is one entry in the history"
    await page.go_back()
    assert page.url == SEARCH, f"Back showed {page.url}, not the page before the service"
    await page.go_forward()
    assert page.url == NEUTRAL_SITE
    assert not await still_signed_in(server, token), "the session still works after a quick exit"
    await page.goto(server.url + "/child")
    assert page.url.endswith("/child/sign-in")


async def test_the_quick_exit_button_leaves_no_page_of_the_service_behind(browser, world):
    server = world.server
    page, problems, arrived = await a_child_arrives(browser, world, world.children[0])
    await page.click("#nav-worries")
    await page.wait_for_url("**/child/worries")
    await page.click("#nav-advocate")
    await page.wait_for_url("**/child/advocate")
    token = await session_cookie(page)
    assert await still_signed_in(server, token)
    await page.click("#quick-exit")
    await nothing_to_go_back_to(page, server, token, arrived)
    assert problems == []


async def test_escape_three_times_leaves_even_while_typing_a_message(browser, world):
    server, child = world.server, world.children[1]
    page, problems, arrived = await a_child_arrives(browser, world, child)
    await page.click("#message-input")
    await page.keyboard.type("I don't want anyone to see th")
    token = await session_cookie(page)
    await page.keyboard.press("Escape")
    await page.keyboard.press("Escape")
    # Two presses are not enough: Esc alone is an ordinary key. Leaving blanks the page at once, before the
    # address changes, so the box still showing what was typed is what says the child is still here.
    await expect(page.locator("#message-input")).to_be_visible()
    await expect(page.locator("#message-input")).to_have_value("I don't want anyone to see th")
    assert page.url.endswith("/child"), "two presses are not enough: Esc alone is an ordinary key"
    await page.keyboard.press("Escape")
    await nothing_to_go_back_to(page, server, token, arrived)
    assert await server.store.messages.count_documents({"sender.id": child.id}) == 0
    assert problems == []


async def test_after_a_change_on_the_advocate_page_quick_exit_still_leaves_nothing(browser, world):
    """The advocate page's buttons are plain forms: their answers replace the page too."""
    await make_pairable(world)
    page, problems, arrived = await a_child_arrives(browser, world, world.children[0])
    await page.click("#nav-advocate")
    await page.click("#ask-someone-else")
    await page.click("#confirm-someone-else")  # nobody else is free: the page says so, after a redirect
    await expect(page.locator("#problem")).to_contain_text("There's no other advocate free right now")
    assert "?problem=no_other_advocate" in page.url
    token = await session_cookie(page)
    await page.locator(".quick-exit").click()
    await nothing_to_go_back_to(page, world.server, token, arrived)
    assert problems == []
