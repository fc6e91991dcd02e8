"""The reviewers' queue (live), a case review (who the child is, for a reason) and the figures page
(charts, ranking, CSV), in real Chromium."""

from __future__ import annotations

from playwright.async_api import Page, expect

from advocacy.auth import totp
from advocacy.auth.accounts import create_staff
from advocacy.auth.staff_sign_in import set_second_factor
from tests.browser.pages import open_page
from tests.integration.concerns_support import Api
from tests.integration.figures_support import LEEDS, build_history, read_csv
from tests.support import PASSWORD, Person, Server, World, otp_for, sign_in


async def reviewer_of(world: World) -> Person:
    """A reviewer with an authenticator app set up, to sign in through the page."""
    store, clock = world.server.store, world.server.clock
    doc = await create_staff(store, clock, username="rae.reviewer", password=PASSWORD, name="Rae Reviewer",
                             role="reviewer")
    secret = totp.new_secret()
    await set_second_factor(store, doc["_id"], secret)
    return Person(doc["_id"], "Rae Reviewer", "reviewer", username="rae.reviewer", password=PASSWORD,
                  totp_secret=secret)


async def staff_signs_in(page: Page, person: Person, server: Server, lands: str) -> None:
    await page.goto("/staff/sign-in")
    await page.fill("#username", person.username)
    await page.fill("#password", person.password)
    await page.fill("#otp", await otp_for(server, person))
    await page.click("#sign-in-button")
    await page.wait_for_url(f"**{lands}")


async def test_an_escalation_appears_in_the_open_queue_and_the_case_shows_the_child_only_for_a_reason(
        browser, world, artifacts):
    server, amira = world.server, world.children[0]
    rae = await reviewer_of(world)
    page, problems = await open_page(browser, world, 1280, 900)
    await staff_signs_in(page, rae, server, "/oversight")
    await expect(page.locator("#queue-empty")).to_be_visible()
    await expect(page.locator("#count-open")).to_have_text("0")

    ada = Api(server, world.advocates[0], await sign_in(server, world.advocates[0]))
    try:
        concern = (await ada.raise_concern(amira, severity="high"))["id"]
        status, body = await ada.post(f"/api/concerns/{concern}/escalate",
                                      {"level": "oversight", "reason": "No answer."})
    finally:
        await ada.close()
    assert status == 200, body
    row = page.locator("#queue-body tr")
    await expect(row).to_have_count(1)  # arrived live: the page was not loaded again
    await expect(page.locator("#queue-live")).to_contain_text("New in the queue: high item")
    await expect(page.locator("#count-open")).to_have_text("1")
    await expect(row).not_to_contain_text(amira.name)
    await page.screenshot(path=str(artifacts / "oversight-queue.png"), full_page=True)

    await row.locator("a").click()
    await page.wait_for_url("**/oversight/items/*")
    await expect(page.locator("h1")).to_be_visible()
    assert amira.name not in await page.content()
    await expect(page.locator("#identity")).to_be_hidden()
    await page.click("#reveal-button")  # no reason: refused, in words, nothing shown
    await expect(page.locator("#reveal-status")).to_contain_text("why you need to see who the child is")
    await expect(page.locator("#identity")).to_be_hidden()
    reason = "To check the placement with the council."
    await page.fill("#reveal-reason", reason)
    await page.click("#reveal-button")
    await expect(page.locator("#identity-name")).to_have_text(amira.name)
    await expect(page.locator("#identity-la")).to_have_text("Leeds")
    await expect(page.locator("#reveals")).to_contain_text(reason)
    await page.screenshot(path=str(artifacts / "oversight-case.png"), full_page=True)
    await page.reload()  # the name goes with the page; the reason stays on the case
    await expect(page.locator("#reveals")).to_contain_text(reason)
    await expect(page.locator("#reveals")).to_contain_text("Rae Reviewer")
    assert amira.name not in await page.content()
    assert await server.store.audit.count_documents({"action": "oversight.reveal", "subject": amira.id}) == 1
    # the one refusal (no reason) is the only thing the browser complains about
    assert problems == ["console error: Failed to load resource: "
                        "the server responded with a status of 400 (Bad Request)"]


async def test_the_figures_page_has_a_chart_for_each_figure_ranks_areas_and_downloads_csv(browser, world, artifacts):
    await build_history(world)
    server = world.server
    page, problems = await open_page(browser, world, 1280, 900)
    await staff_signs_in(page, world.manager, server, "/console")
    await page.click("#nav-figures")
    await page.wait_for_url("**/figures")
    problems.clear()  # only the figures pages' own complaints count here
    rows = page.locator("#figures tbody tr")
    await expect(rows).to_have_count(15)
    await expect(page.locator("#figures svg.chart")).to_have_count(15)
    await expect(page.locator("#figures svg.chart").first.locator("rect")).to_have_count(12)
    await expect(page.locator("#figure-known .fig")).to_have_text("25")
    await expect(page.locator("#figure-opted_in .fig")).to_have_text("fewer than 5")
    title = await page.locator("#chart-known-t").text_content()
    assert "Children known" in title
    await page.screenshot(path=str(artifacts / "figures-england.png"), full_page=True)

    async with page.expect_download() as waiting:
        await page.click("#figures caption a.download")
    download = await waiting.value
    table = read_csv((await download.path()).read_bytes())
    assert table[0][0] == "Figure" and ["Children known", "25", ""] in [row[:3] for row in table]
    assert any(row[1] == "fewer than 5" for row in table[1:])

    await page.click("#las thead a:has-text('Concerns per 100 children')")  # rank the local authorities
    await expect(page.locator("#las th[aria-sort]")).to_contain_text("Concerns per 100 children")
    await page.click("#las tbody a:has-text('Leeds')")
    await page.wait_for_url(f"**/figures/las/{LEEDS}*")
    await expect(page.locator("h1")).to_have_text("Leeds: figures")
    await expect(page.locator("#figure-concerns .fig")).to_have_text("120.0")
    await page.emulate_media(media="print")  # printed: the figures without the controls
    for control in ("#period-form", ".console-bar", "#figures caption a.download"):
        await expect(page.locator(control).first).to_be_hidden()
    await expect(page.locator("#figures svg.chart")).to_have_count(15)
    await page.pdf(path=str(artifacts / "figures-leeds.pdf"), format="A4", landscape=True)
    assert problems == [], problems


async def test_ranking_areas_by_a_column_keeps_the_page_where_the_reader_was(browser, world):
    await build_history(world)
    page, problems = await open_page(browser, world, 1280, 700)
    await staff_signs_in(page, world.manager, world.server, "/console")
    await page.goto("/figures")
    heading = page.locator("#las thead a:has-text('Concerns per 100 children')")
    await page.evaluate("() => window.scrollTo(0, window.scrollY"
                        " + document.getElementById('las').getBoundingClientRect().top - 500)")
    before = await page.evaluate("() => [window.scrollY, document.getElementById('las').getBoundingClientRect().top]")
    assert before[0] > 300, "the table is well down the page"
    await heading.click()
    await page.wait_for_url("**sort=concerns*")
    await expect(page.locator("#las th[aria-sort]")).to_contain_text("Concerns per 100 children")
    after = await page.evaluate("() => [window.scrollY, document.getElementById('las').getBoundingClientRect().top]")
    assert abs(after[0] - before[0]) <= 2 and abs(after[1] - before[1]) <= 2, (before, after)
    # Ranked again (the other way), still in the same place; the address names the table for a page without scripts.
    assert await heading.get_attribute("href") is not None and (await heading.get_attribute("href")).endswith("#las")
    await page.locator("#las thead a:has-text('Concerns per 100 children')").click()
    await page.wait_for_url("**order=asc*")
    after = await page.evaluate("() => [window.scrollY, document.getElementById('las').getBoundingClientRect().top]")
    assert abs(after[0] - before[0]) <= 2, (before, after)
    assert problems == [], problems
