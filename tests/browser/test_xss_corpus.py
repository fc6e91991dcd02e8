"""Cross-site scripting payloads sent as messages and as children's names show as text in Chromium and run nothing.

Concern text joins the corpus when concerns have pages: add its page to PAGES_TO_CHECK.
"""

from __future__ import annotations

from playwright.async_api import Page, expect

from advocacy.auth.accounts import create_child
from advocacy.chat.text import tidy_text
from advocacy.pairing.changes import pair_child
from tests.browser.pages import advocate_signs_in, child_signs_in, open_page
from tests.support import connect, sign_in

CORPUS = [
    "<script>window.pwned=1;alert(1)</script>",
    '<img src=x onerror="window.pwned=1;alert(1)">',
    "<svg onload=window.pwned=1>",
    "<svg><script>window.pwned=1</script></svg>",
    '<iframe src="javascript:parent.pwned=1"></iframe>',
    '<iframe srcdoc="<script>parent.pwned=1</script>"></iframe>',
    '<a href="javascript:window.pwned=1">tap me</a>',
    "<body onload=window.pwned=1>",
    "<details open ontoggle=window.pwned=1>",
    "<input autofocus onfocus=window.pwned=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.pwned=1>",
    '<noscript><p title="</noscript><img src=x onerror=window.pwned=1>">',
    '"><script>window.pwned=1</script>',
    "'><img src=x onerror=window.pwned=1>",
    "</textarea><script>window.pwned=1</script>",
    "</title><script>window.pwned=1</script>",
    "<style>body{display:none}</style>",
    '<object data="javascript:window.pwned=1">',
    '<embed src="javascript:window.pwned=1">',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<form action="https://evil.example/"><button>Continue</button></form>',
    "{{constructor.constructor('window.pwned=1')()}}",
    "${window.pwned=1}",
    "javascript:window.pwned=1",
    "<scr<script>ipt>window.pwned=1</scr</script>ipt>",
    "<img src=x onerror=&#119;&#105;&#110;&#100;&#111;&#119;.pwned=1>",
    "<IMG SRC=JaVaScRiPt:window.pwned=1>",
    '<div style="background:url(javascript:window.pwned=1)">styled</div>',
    "\u202e<script>window.pwned=1</script>",
    '<video><source onerror="window.pwned=1"></video>',
    "<x contenteditable onblur=window.pwned=1>lose focus</x>",
    "&lt;script&gt;window.pwned=1&lt;/script&gt;",
    "<!--<img src=x onerror=window.pwned=1>-->",
]
NAMES = CORPUS[:6]
ELEMENTS = "img, script, svg, iframe, a, object, embed, style, form, input, video, math, details, base, meta, x, body"


async def nothing_ran(page: Page, problems: list[str], where: str) -> None:
    assert await page.evaluate("() => window.pwned === undefined"), f"{where}: a payload ran"
    assert problems == [], f"{where}: {problems}"


async def test_xss_payloads_in_messages_and_names_show_as_text_and_run_nothing(browser, world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(amira)
    for name in NAMES:
        doc, _ = await create_child(server.store, server.clock, name=name, la="E08000035")
        await pair_child(server.store, server.clock, doc["_id"], ada.id, "xss corpus")
    child = await connect(server, amira)
    for i, payload in enumerate(CORPUS):
        if i % 15 == 14:
            server.clock.advance(11)  # keep under the sending rate limit
        assert (await child.send(conv, payload))["ok"]
    await child.close()
    shown = [tidy_text(p) for p in CORPUS]

    child_page, child_problems = await open_page(browser, world, 360, 640)
    await child_signs_in(child_page, amira)
    messages = child_page.locator("#messages")
    await expect(messages).to_contain_text(shown[-1])
    text = await messages.inner_text()
    assert all(p in text for p in shown), [p for p in shown if p not in text]
    assert await messages.locator(ELEMENTS).count() == 0
    await nothing_ran(child_page, child_problems, "child's chat")

    staff_page, staff_problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(staff_page, ada, server)
    listing = staff_page.locator("#conversation-list")
    for name in NAMES:
        await expect(listing).to_contain_text(name.strip())
    assert await listing.locator(ELEMENTS.replace(", body", "")).count() == 0
    await listing.get_by_text("Amira").click()
    await expect(staff_page.locator("#messages")).to_contain_text(shown[-1])
    export_link = staff_page.locator("#export-link")
    await expect(export_link).to_have_attribute("href", f"/api/children/{amira.id}/export.html")
    async with staff_page.expect_download() as download_info:
        await export_link.click()
    download = await download_info.value
    assert download.suggested_filename == f"{amira.id}.html"
    text = await staff_page.locator("#messages").inner_text()
    assert all(p in text for p in shown)
    assert await staff_page.locator("#messages").locator(ELEMENTS).count() == 0
    for name in NAMES:
        await listing.get_by_text(name.strip(), exact=True).click()
        await expect(staff_page.locator("#conversation-title")).to_have_text(name.strip())
    await nothing_ran(staff_page, staff_problems, "advocate's console")

    # The export page is a download opened from disk, with no CSP to fall back on: escaping alone must hold.
    token = await sign_in(server, ada)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        html = await (await http.get(f"/api/children/{amira.id}/export.html")).text()
    export_page, export_problems = await open_page(browser, world, 800, 800)
    await export_page.set_content(html)
    text = await export_page.locator(".messages").inner_text()
    assert all(p in text for p in shown)
    assert await export_page.locator(".messages").locator(ELEMENTS).count() == 0
    await nothing_ran(export_page, export_problems, "the export page")
