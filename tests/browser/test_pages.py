"""Every page, at 360x640 and 1280x800: axe-core finds nothing serious or critical, and a screenshot is saved
(tests/browser/artifacts/). Pages a child may see are also checked at 360px wide with text at 200%: nothing
scrolls sideways, no text is cut off, and every button and control is at least 44x44 CSS pixels.

The pages are found in the app's router, so a new page (a reviewer's or a manager's) is checked as soon as it
exists: one without a path parameter is visited as the role its address suggests; one with a parameter needs
an entry in PAGES saying whose it is and how to fill it in.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from playwright.async_api import Page, expect

from advocacy.auth.accounts import create_staff
from advocacy.edge.handlers import SESSION_COOKIE
from tests.browser.pages import axe_violations, chat_ready, enlarge_text, open_page, reflow_problems, small_targets
from tests.integration.concerns_support import add_reviewer
from tests.support import PASSWORD, World, api, connect

SIZES = [(360, 640), (1280, 800)]
# /metrics is text for a Prometheus scraper, not a page (tests/integration/test_metrics.py covers it); the
# child app's manifest and service worker are files for the browser (tests/browser/test_child_app.py).
NOT_PAGES = ("/api/", "/static/", "/vendor/", "/socket.io", "/metrics", "/child/manifest.webmanifest",
             "/child/sw.js")
# Words a child should never meet: say "worry", "tell someone" and so on instead.
JARGON = [r"safeguard", r"escalat", r"\bconcerns?\b", r"\bLAC\b", r"\bIRO\b", r"s26A", r"looked[- ]after"]


@dataclass
class Visit:
    name: str
    who: str  # "nobody", "child", "advocate", "manager", "reviewer", "new_staff"
    path: str
    ready: Callable[[Page], Awaitable[None]] | None = None
    child_facing: bool = False
    full_page: bool = True  # the chat fills the window and scrolls inside: its screenshot is the window


async def _text_shown(page: Page, selector: str, not_text: str = "Loading…") -> None:
    await expect(page.locator(selector)).not_to_have_text(not_text)


async def _console_ready(page: Page) -> None:
    await expect(page.locator("#conversation-title")).not_to_have_text("Choose a child")
    await expect(page.locator("#thread")).to_have_attribute("aria-busy", "false")
    await expect(page.locator("#side-note")).not_to_have_text("Loading…")
    await expect(page.locator("#alerts .alert").first).to_be_visible()


async def _concern_ready(page: Page) -> None:
    await expect(page.locator("#detail-body")).to_be_visible()


async def _worries_ready(page: Page) -> None:
    await _text_shown(page, "#worries-status")


def pages_to_visit(ids: dict[str, str]) -> list[Visit]:
    return [
        Visit("home", "nobody", "/", child_facing=True),
        Visit("child-sign-in", "nobody", "/child/sign-in", child_facing=True),
        Visit("what-happens", "nobody", "/child/what-happens", child_facing=True),
        Visit("not-found", "nobody", "/no/such/page", child_facing=True),
        Visit("staff-sign-in", "nobody", "/staff/sign-in", child_facing=True),
        Visit("child-welcome", "child", "/child?welcome", chat_ready, child_facing=True, full_page=False),
        Visit("child-chat", "child", "/child", chat_ready, child_facing=True, full_page=False),
        Visit("child-worries", "child", "/child/worries", _worries_ready, child_facing=True),
        Visit("child-new-worry", "child", "/child/worries/new", child_facing=True),
        Visit("child-advocate", "child", "/child/advocate", child_facing=True),
        Visit("child-advocate-stop", "child", "/child/advocate?confirm=opt_out", child_facing=True),
        Visit("child-advocate-someone-else", "child", "/child/advocate?confirm=someone_else", child_facing=True),
        Visit("child-what-happens", "child", "/child/what-happens", child_facing=True),
        Visit("child-complaints", "child", "/child/complaints", child_facing=True),
        Visit("child-put-right", "child", "/child/put-right", child_facing=True),
        Visit("child-feedback", "child", "/child/feedback", child_facing=True),
        Visit("child-about-you", "child", "/child/about-you", child_facing=True),
        Visit("forbidden", "child", "/console", child_facing=True),
        Visit("staff-enrol", "new_staff", "/staff/enrol"),
        Visit("console", "advocate", f"/console#{ids['conversation']}", _console_ready),
        Visit("console-concerns", "advocate", f"/console/concerns#concern={ids['concern']}", _concern_ready),
        Visit("console-manager", "manager", "/console"),
        Visit("console-pairing", "manager", "/console/pairing"),
        Visit("console-corrections", "manager", "/console/corrections"),
    ]


# Pages with a path parameter: who sees them and how to fill the address in, from the scene's ids.
# (Those of issue 5's reviewer and figures pages are here before they land, so they are checked when they do.)
PAGES: dict[str, Callable[[dict[str, str]], Visit]] = {
    "/oversight/items/{item}": lambda ids: Visit("oversight-case", "reviewer", f"/oversight/items/{ids['item']}"),
    "/figures/regions/{region}": lambda ids: Visit("figures-region", "reviewer",
                                                   "/figures/regions/yorkshire-and-the-humber"),
    "/figures/las/{la}": lambda ids: Visit("figures-la", "reviewer", "/figures/las/E08000035"),
    "/console/children/{child}/advocacy": lambda ids: Visit(
        "console-child-advocacy", "advocate", f"/console/children/{ids['non_instructed_child']}/advocacy"),
}
REFUSED_ON_PURPOSE = {"not-found", "forbidden"}


def router_pages(world: World) -> set[str]:
    found = set()
    for route in world.server.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method == "GET" and path.startswith("/") and not path.startswith(NOT_PAGES):
            found.add(path)
    return found


def role_for(path: str) -> str:
    if path.startswith(("/oversight", "/figures")):
        return "reviewer"
    if path.startswith("/child") and "sign-in" not in path:
        return "child"
    if path.startswith(("/console", "/manager", "/staff/")) and "sign-in" not in path:
        return "manager"
    return "nobody"


async def set_the_scene(world: World) -> dict[str, str]:
    """A child who chatted, told a worry and made a complaint, an advocate who answered, a flagged message, a
    pairing plan."""
    server = world.server
    amira, ada = world.children[0], world.advocates[0]
    conv = world.conversation_of(amira)
    kid, advocate = await connect(server, amira), await connect(server, ada)
    await kid.send(conv, "Hi, I want to talk about seeing my brother more")
    await advocate.send(conv, "Hello Amira, I'm Ada. I'm glad you wrote. Tell me more when you're ready.")
    await kid.send(conv, "We used to see each other every week and now it's once a month")
    await advocate.call("read", {"conversation": conv,
                                 "up_to": (await kid.call("history", {"conversation": conv}))["messages"][-1]["id"]})
    await kid.send(conv, "he hit me again and i am scared to go home")  # flagged: an urgent alert on the console
    status, body = await api(server, amira, "POST", "/api/concerns", json={
        "child": amira.id, "category": "contact", "severity": "standard",
        "child_words": "I haven't seen my brother for two months and nobody tells me why.",
        "child_wants": "To see my brother every week."})
    assert status == 201, body
    # Her advocate takes it to the oversight queue, where a reviewer sees it as a case.
    status, escalated = await api(server, ada, "POST", f"/api/concerns/{body['concern']['id']}/escalate",
                                  json={"level": "oversight", "reason": "No answer from the council in a month."})
    assert status == 200, escalated
    # A complaint about her advocate, for her page and her advocate's manager's complaints page.
    status, complaint = await api(server, amira, "POST", "/api/complaints", json={
        "about": "advocate", "words": "Ada said she'd come to my review and didn't.", "wants": "An answer."})
    assert status == 201, complaint
    # A request to put her worry's words right, for her page and her advocate's manager's; a question about
    # how things went, on her feedback page.
    status, correction = await api(server, amira, "POST", "/api/corrections", json={
        "kind": "worry_words", "concern": body["concern"]["id"], "should_say": "I haven't seen my brother for "
        "three months.", "why": "It was three months, not two."})
    assert status == 201, correction
    await server.services.feedback.ask(amira.id, "advocacy_ended", ended_by="opted_out")
    status, plan = await api(server, world.manager, "POST", "/api/pairing/plans", json={})
    assert status in (200, 201), plan
    await create_staff(server.store, server.clock, username="nia.new", password=PASSWORD, name="Nia New",
                       role="advocate")
    reviewer = await add_reviewer(world)
    item = await server.store.oversight.find_one({"concern": body["concern"]["id"]})
    # Billy's advocacy is non-instructed: a decision, a visit and a review coming up, for his console page.
    billy, today = world.children[1], server.services.moments.today()
    for path, data in ((f"/api/children/{billy.id}/non-instructed",
                        {"reason": "Two years old.", "review_by": (today + timedelta(days=60)).isoformat()}),
                       (f"/api/children/{billy.id}/visits",
                        {"at": server.clock.now().isoformat(), "where": "home", "present": ["foster carer"],
                         "seemed": "Content.", "observed": "Well cared for.", "rights": ["play_rest"]}),
                       (f"/api/children/{billy.id}/moments",
                        {"kind": "looked_after_review", "on": (today + timedelta(days=5)).isoformat()})):
        status, answer = await api(server, ada, "POST", path, json=data)
        assert status == 201, answer
    return {"conversation": conv, "concern": body["concern"]["id"], "reviewer": reviewer.id, "item": item["_id"],
            "non_instructed_child": billy.id}


async def sign_in_as(page: Page, world: World, who: str, people: dict[str, tuple[str, str]]) -> None:
    """A session cookie for ``who`` (signing in through the pages is tested on its own); the new member of
    staff gets as far as setting up their authenticator app, which is a page of its own."""
    if who == "new_staff":
        await page.goto("/staff/sign-in")
        await page.fill("#username", "nia.new")
        await page.fill("#password", PASSWORD)
        await page.click("#sign-in-button")
        await page.wait_for_url("**/staff/enrol")
    elif who != "nobody":
        user_id, role = people[who]
        token, _ = await world.server.services.auth.open_session(user_id, role, timedelta(hours=2))
        await page.context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": world.server.url}])


async def check(page: Page, visit: Visit, width: int, height: int, artifacts) -> list[str]:
    response = await page.goto(visit.path)
    assert response is not None
    if visit.name not in REFUSED_ON_PURPOSE and response.status >= 400:
        return [f"{visit.name} {width}x{height}: {visit.path} answered {response.status}"]
    if visit.ready:
        await visit.ready(page)
    await page.wait_for_load_state("load")
    found = [f"{visit.name} {width}x{height}: {v}" for v in await axe_violations(page)]
    found += [f"{visit.name} {width}x{height}: {p}" for p in await reflow_problems(page)]
    await page.screenshot(path=str(artifacts / f"{visit.name}-{width}x{height}.png"), full_page=visit.full_page)
    if visit.child_facing and width == 360:
        found += [f"{visit.name} 360px: {p}" for p in await small_targets(page)]
        if visit.name != "staff-sign-in":
            text = await page.locator("body").inner_text()
            found += [f"{visit.name}: the word {word!r} on a child's page" for word in JARGON
                      if re.search(word, text, 0 if word.isupper() else re.IGNORECASE)]
        await enlarge_text(page, 2.0)  # then the page again, as someone who reads with large text opens it
        await page.goto(visit.path)
        if visit.ready:
            await visit.ready(page)
        await page.wait_for_timeout(100)
        found += [f"{visit.name} 360px, text 200%: {p}" for p in await reflow_problems(page)]
        # The first screen as the reader sees it (a full-page capture resizes the window and loses the setting).
        await page.screenshot(path=str(artifacts / f"{visit.name}-360x640-text200.png"))
        await enlarge_text(page, 1.0)
    return found


async def test_every_page_passes_axe_and_fits_a_phone_with_large_text(browser, world, artifacts):
    ids = await set_the_scene(world)
    visits = pages_to_visit(ids)
    known = {re.sub(r"[?#].*", "", v.path) for v in visits}
    for path in sorted(router_pages(world) - known):
        if "{" in path:
            assert path in PAGES, (f"{path} is a page with a path parameter: add it to PAGES in {__file__} "
                                   "(whose page it is and how to fill in the address) so axe checks it")
            visits.append(PAGES[path](ids))
        else:
            visits.append(Visit(path.strip("/").replace("/", "-") or "root", role_for(path), path))
    people = {"child": (world.children[0].id, "child"), "advocate": (world.advocates[0].id, "advocate"),
              "manager": (world.manager.id, "manager"), "reviewer": (ids["reviewer"], "reviewer")}
    found: list[str] = []
    problems_seen: list[str] = []
    by_who: dict[str, list[Visit]] = {}
    for visit in visits:
        by_who.setdefault(visit.who, []).append(visit)
    for who, group in by_who.items():
        for width, height in SIZES:
            page, problems = await open_page(browser, world, width, height)
            await sign_in_as(page, world, who, people)
            for visit in group:
                start = len(problems)
                found += await check(page, visit, width, height, artifacts)
                if visit.name in REFUSED_ON_PURPOSE:  # the browser reports the 404 or 403 it was sent for
                    problems[start:] = [p for p in problems[start:] if "404" not in p and "403" not in p]
            problems_seen += problems
            await page.context.close()
    assert found == [], "\n".join(found)
    assert problems_seen == [], "\n".join(problems_seen)


async def test_the_copy_of_everything_held_about_a_child_passes_axe(browser, world, artifacts):
    """The downloadable page a young person is given (GET /api/children/{id}/export.html), opened as a file."""
    amira = world.children[0]
    await (await connect(world.server, amira)).send(world.conversation_of(amira), "Hello, this is me")
    token, _ = await world.server.services.auth.open_session(world.advocates[0].id, "advocate", timedelta(hours=1))
    async with world.server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"/api/children/{amira.id}/export.html") as resp:
            assert resp.status == 200
            html = await resp.text()
    found = []
    for width, height in SIZES:
        page, _problems = await open_page(browser, world, width, height)
        # Opened as the saved file would be (Playwright answers this address; the server has no such page).
        await page.route("**/__test__/export.html", lambda route: route.fulfill(content_type="text/html", body=html))
        await page.goto("/__test__/export.html")
        found += [f"export {width}x{height}: {v}" for v in await axe_violations(page)]
        await page.screenshot(path=str(artifacts / f"child-export-{width}x{height}.png"), full_page=True)
        if width == 360:
            await enlarge_text(page, 2.0)
            found += [f"export, text 200%: {p}" for p in await reflow_problems(page)]
    assert found == [], "\n".join(found)
