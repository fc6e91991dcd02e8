"""The child's pages as an app in Chromium: a manifest Chromium reads without errors, a service worker that
keeps only the app shell (never a page, an /api/ answer or the chat's traffic), the unread count in the tab's
title and on the Chat tab, the notifications switch, and quick exit forgetting the phone."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.browser.pages import (
    NEUTRAL_SITE,
    axe_violations,
    chat_ready,
    child_signs_in,
    open_page,
    reflow_problems,
)
from tests.support import connect

KEPT = re.compile(r"^/(static|vendor)/[^?]+\?v=[0-9a-f]{12}$|^/child/offline\?lang=[a-z]+$")


async def worker_ready(page: Page) -> str:
    """Wait until the service worker is active; returns its scope."""
    return await page.evaluate("navigator.serviceWorker.ready.then((registration) => registration.scope)")


async def kept(page: Page) -> list[str]:
    """The path and query of everything in the page's caches."""
    return await page.evaluate("""async () => {
        const out = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) {
                const url = new URL(request.url);
                out.push(url.pathname + url.search);
            }
        }
        return out;
    }""")


async def test_the_manifest_is_valid_and_the_service_worker_keeps_only_the_app_shell(browser, world):
    server, amira = world.server, world.children[0]
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await chat_ready(page)

    # Chromium's own reading of the manifest: no errors, the name, the icons, starting at the chat, standalone.
    cdp = await page.context.new_cdp_session(page)
    manifest = await cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [], manifest["errors"]
    assert manifest["url"].startswith(server.url + "/child/manifest.webmanifest")
    parsed = await page.evaluate("(url) => fetch(url).then((r) => r.json())", manifest["url"])
    assert parsed["name"] == "Your advocate" and parsed["display"] == "standalone"
    assert parsed["start_url"] == "/child" and parsed["scope"] == "/child"
    for size in (192, 512):
        [icon] = [i for i in parsed["icons"] if i["sizes"] == f"{size}x{size}" and i["purpose"] == "any"]
        drawn = await page.evaluate("""(src) => fetch(src).then((r) => r.blob()).then(createImageBitmap)
            .then((image) => [image.width, image.height])""", icon["src"])
        assert drawn == [size, size]

    assert (await worker_ready(page)).endswith("/child")
    await page.reload()
    await chat_ready(page)
    assert await page.evaluate("Boolean(navigator.serviceWorker.controller)"), "the page is not served by the worker"

    # Chat, with the worker in charge: a reply arrives, the page asks the API.
    served: list[tuple[str, bool]] = []
    page.on("response", lambda response: served.append((response.url, response.from_service_worker)))
    advocate = await connect(server, world.advocates[0])
    await advocate.send(world.conversation_of(amira), "Hello Amira, how was school?")
    await expect(page.locator(".msg--theirs").last).to_contain_text("how was school")
    await page.fill("#message-input", "It was fine")
    await page.click("#send-button")
    await expect(page.locator(".msg--mine").last).to_have_attribute("data-state", re.compile("delivered|seen"))
    await page.click("#nav-worries")
    await page.wait_for_url("**/child/worries")
    await expect(page.locator("#nav-chat")).to_be_visible()
    await page.wait_for_load_state("networkidle")

    everything = await kept(page)
    assert everything, "the worker kept nothing"
    assert all(KEPT.match(path) for path in everything), [p for p in everything if not KEPT.match(p)]
    assert not [p for p in everything if "/api/" in p or "socket.io/" in p or p in {"/child", "/child/worries"}]
    api_answers = [(url, worker) for url, worker in served if "/api/" in url]
    assert api_answers and not [url for url, worker in api_answers if worker], "an /api/ answer came from the worker"
    assert [url for url, worker in served if "/static/css/app.css" in url and worker], \
        "the shell did not come from the worker"
    assert problems == []


async def test_the_unread_count_is_in_the_title_and_on_the_chat_tab(browser, world):
    server, amira = world.server, world.children[0]
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, amira)
    await chat_ready(page)
    await expect(page).to_have_title("Chat")
    await page.click("#nav-worries")
    await page.wait_for_url("**/child/worries")

    advocate = await connect(server, world.advocates[0])
    for text in ("Hi Amira", "Are you free on Tuesday?"):
        await advocate.send(world.conversation_of(amira), text)
    await page.reload()  # as when the child comes back to the page (also asked for every minute in view)
    await expect(page).to_have_title("(2) My worries")
    badge = page.locator("#unread-count")
    await expect(badge).to_be_visible()
    await expect(badge).to_contain_text("2")
    await expect(page.locator("#nav-chat")).to_have_accessible_name(re.compile(r"Chat.*New messages: 2"))
    assert await axe_violations(page) == []
    assert await reflow_problems(page) == []

    await page.click("#nav-chat")
    await chat_ready(page)
    await expect(page).to_have_title("Chat")  # read now
    await expect(badge).to_be_hidden()
    await page.click("#nav-settings")
    await page.wait_for_url("**/child/settings")
    await expect(page).to_have_title("Settings")
    await expect(page.locator("#unread-count")).to_be_hidden()
    assert problems == []


async def test_the_settings_page_offers_notifications_in_plain_words(browser, world):
    page, problems = await open_page(browser, world, 360, 640)
    await page.context.grant_permissions(["notifications"], origin=world.server.url)
    await child_signs_in(page, world.children[0])
    await page.goto("/child/settings")
    section = page.locator("#notifications")
    await expect(section).to_contain_text('It only ever says "You have a new message"')
    await expect(page.locator("#push-state")).to_have_text("Notifications are off for this phone.")
    await expect(page.locator("#push-on")).to_be_visible()
    await expect(page.locator("#push-off")).to_be_hidden()
    assert await axe_violations(page) == []
    assert await reflow_problems(page) == []

    # Playwright's contexts are private windows, where Chromium has no Push API: the child is told, nothing kept.
    await page.click("#push-on")
    await expect(page.locator("#push-state")).to_have_text("We couldn't turn on notifications. Please try again later.")
    assert await world.server.store.push_subscriptions.count_documents({}) == 0
    assert [p for p in problems if "Push API in incognito" not in p] == []


async def test_quick_exit_unregisters_the_worker_and_deletes_what_it_kept(browser, world):
    page, problems = await open_page(browser, world, 360, 640)
    await child_signs_in(page, world.children[0])
    await chat_ready(page)
    await worker_ready(page)
    assert await kept(page)

    await page.click("#quick-exit")
    await page.wait_for_url(NEUTRAL_SITE)
    await page.goto("/child/sign-in")  # back at the service's address, to look at what the browser holds for it
    assert await page.evaluate("navigator.serviceWorker.getRegistrations().then((all) => all.length)") == 0
    assert await page.evaluate("caches.keys()") == []
    assert problems == []
