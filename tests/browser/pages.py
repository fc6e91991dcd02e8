"""What browser tests share: opening pages, signing in, and checking a page (axe-core, reflow, tap targets)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.support import Person, Server, World, otp_for

NEUTRAL_SITE = "https://www.bbc.co.uk/weather"
WEB = Path(__file__).resolve().parents[2] / "web"
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
# axe-core reaches the page through Playwright's router at this same-origin address: the page's
# Content-Security-Policy (script-src 'self') stays on, and the server never serves axe to anyone.
AXE_URL = "/__test__/axe.min.js"
OPEN: list[BrowserContext] = []


async def open_page(browser: Browser, world: World, width: int, height: int,
                    **options: Any) -> tuple[Page, list[str]]:
    """A fresh browser context (its own cookies) and a list collecting page errors and CSP violations.

    The context is closed at the end of the test (tests/browser/conftest.py).
    """
    context = await browser.new_context(viewport={"width": width, "height": height}, base_url=world.server.url,
                                        **options)
    OPEN.append(context)
    # The quick-exit site is outside this machine: answer it locally so the test stays offline.
    await context.route(re.compile(r"https://www\.bbc\.co\.uk/.*"),
                        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Weather</h1>"))
    await context.route(f"**{AXE_URL}", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body=AXE.read_bytes()))
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda dialog: problems.append(f"a dialog opened: {dialog.message}"))
    return page, problems


async def close_all() -> None:
    while OPEN:
        context = OPEN.pop()
        try:
            await context.close()
        except Exception:  # noqa: S110  (already gone with its browser)
            pass


async def fill_child_sign_in(page: Page, child: Person) -> None:
    """Type the code and PIN, and the first-time part (setup word, PIN again): harmless once a PIN is set."""
    await page.fill("#access-code", child.access_code)
    await page.fill("#pin", child.pin)
    await page.click("#first-time summary")
    await page.fill("#setup-word", child.setup_word)
    await page.fill("#pin-again", child.pin)


async def child_signs_in(page: Page, child: Person) -> None:
    await page.goto("/child/sign-in")
    await fill_child_sign_in(page, child)
    await page.click("#sign-in-button")
    await page.wait_for_url(re.compile(r".*/child(\?welcome)?$"))


async def advocate_signs_in(page: Page, advocate: Person, server: Server) -> None:
    await page.goto("/staff/sign-in")
    await page.fill("#username", advocate.username)
    await page.fill("#password", advocate.password)
    await page.fill("#otp", await otp_for(server, advocate))
    await page.click("#sign-in-button")
    await page.wait_for_url("**/console")


async def chat_ready(page: Page) -> None:
    """The chat is connected and its latest messages are shown."""
    await expect(page.locator("#message-input")).to_be_enabled()
    await expect(page.locator("#thread")).to_have_attribute("aria-busy", "false")


# checking a page ----------------------------------------------------------------------------------

SERIOUS = {"serious", "critical"}


async def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.2 A and AA, and best practice)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.add_script_tag(url=AXE_URL)
    found = await page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps(v['nodes'])}"
            for v in found if v["impact"] in SERIOUS]


async def enlarge_text(page: Page, factor: float = 2.0) -> None:
    """The reader's own larger text (Chromium's font-size setting, as a person would set it), not a zoom."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Page.setFontSizes", {"fontSizes": {"standard": int(16 * factor), "fixed": int(13 * factor)}})


async def reflow_problems(page: Page) -> list[str]:
    """Sideways scrolling of the page, and text cut off by its box (WCAG 1.4.4 and 1.4.10)."""
    return await page.evaluate("""() => {
        const out = [];
        const doc = document.documentElement;
        if (doc.scrollWidth > doc.clientWidth + 1) out.push(`the page scrolls sideways: ${doc.scrollWidth}px wide in ${doc.clientWidth}px`);
        for (const el of document.querySelectorAll('body *')) {
            const style = getComputedStyle(el);
            if (style.display === 'none' || style.visibility === 'hidden' || el.closest('.visually-hidden, [hidden]')) continue;
            const box = el.getBoundingClientRect();
            if (el.classList.contains('visually-hidden') || (box.width <= 1 && box.height <= 1)) continue;
            const clips = ['hidden', 'clip'].includes(style.overflowX) || ['hidden', 'clip'].includes(style.overflowY);
            if (!clips || !el.textContent.trim()) continue;
            if (el.scrollWidth > el.clientWidth + 2 || el.scrollHeight > el.clientHeight + 2) {
                // A scrolling area of its own (the messages) is fine; cut-off text is not.
                if (!['auto', 'scroll'].includes(style.overflowY)) out.push(`text cut off in ${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}`);
            }
        }
        return out;
    }""")  # noqa: E501  (JavaScript run in the page, kept exactly as written)


async def small_targets(page: Page, minimum: int = 44) -> list[str]:
    """Buttons, links that stand alone, and form controls smaller than minimum x minimum CSS pixels.

    Links inside a sentence are exempt (WCAG 2.5.8); a checkbox or radio counts with its label.
    """
    return await page.evaluate("""(minimum) => {
        const out = [];
        const inSentence = (el) => el.tagName === 'A' && el.parentElement && ['P', 'LI', 'DD', 'TD', 'SPAN'].includes(el.parentElement.tagName)
            && el.parentElement.textContent.trim().length > el.textContent.trim().length + 2;
        for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
            const style = getComputedStyle(el);
            if (el.closest('[hidden], .visually-hidden') || el.classList.contains('skip-link') || style.visibility === 'hidden') continue;
            if (el.type === 'hidden' || inSentence(el)) continue;
            let box = el.getBoundingClientRect();
            if ((el.type === 'checkbox' || el.type === 'radio') && el.closest('label')) box = el.closest('label').getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue;
            if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
                out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.value || '').trim().slice(0, 30)}" is ${Math.round(box.width)}x${Math.round(box.height)}`);
            }
        }
        return out;
    }""", minimum)  # noqa: E501  (JavaScript run in the page, kept exactly as written)
