"""A manager adds an advocate with languages and ties on the staff page in Chromium (1280x800), then ties
one of their own advocates to a council so a pairing plan is proposed for the children affected, and books her leave."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, axe_violations, open_page
from tests.support import CAMDEN, LEEDS, YORKSHIRE


async def test_a_manager_adds_an_advocate_with_languages_and_ties_then_a_tie_proposes_a_plan(browser, world, artifacts):
    server, mo, ada = world.server, world.manager, world.advocates[0]
    page, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(page, mo, server)
    await page.click("#nav-staff")
    await page.wait_for_url("**/console/staff")
    await expect(page.locator("#staff-list")).to_contain_text("Ada Advocate")
    await expect(page.locator("#staff-list")).not_to_contain_text("Ben Advocate")  # Ola's team

    await page.fill("#add-name", "Nia New")
    await page.fill("#add-username", "nia.advocate")
    await page.fill("#add-capacity", "6")
    await page.fill("#add-comfortable", "4")
    await page.select_option("#add-languages", ["en", "pl"])
    await page.check(f"input[name=regions][value='{YORKSHIRE}']")
    await page.select_option("#add-ties", [CAMDEN])
    await page.click("#add-staff")
    await expect(page.locator("#staff-added")).to_contain_text("Added Nia New (nia.advocate)")
    assert len(await page.locator("#first-password").inner_text()) >= 12
    row = page.locator("#staff-list tr", has_text="Nia New")
    await expect(row).to_contain_text("English, Polish")
    await expect(row).to_contain_text("Camden")
    await page.screenshot(path=str(artifacts / "staff-page-1280x800.png"), full_page=True)
    nia = await server.store.staff.find_one({"username": "nia.advocate"})
    assert nia["manager"] == mo.id and nia["languages"] == ["en", "pl"] and nia["conflicts"] == [CAMDEN]
    assert nia["regions"] == [YORKSHIRE] and nia["capacity"] == 6 and nia["comfortable"] == 4

    # An unknown value is refused in words and nothing is added.
    await page.fill("#add-name", "Zed")
    await page.fill("#add-username", "zed.advocate")
    await page.fill("#add-capacity", "-2")
    await page.select_option("#add-languages", ["pl"])
    await page.click("#add-staff")
    await expect(page.locator("#staff-error")).to_contain_text("must be a whole number from 0 to 500")
    # What was typed and chosen is still there to put right.
    await expect(page.locator("#add-name")).to_have_value("Zed")
    assert await page.locator("#add-languages option[value=pl]").evaluate("option => option.selected")
    assert await server.store.staff.count_documents({"username": "zed.advocate"}) == 0

    # Ada has worked for Leeds: her Leeds children get a plan to move them, and are not moved yet.
    await page.click("#edit-ada\\.advocate")
    await expect(page.locator("#edit-heading")).to_have_text("Change Ada Advocate")
    await page.fill("#edit-capacity", "5")
    await page.select_option("#edit-ties", [LEEDS])
    await page.click("#save-staff")
    await expect(page.locator("#staff-plan")).to_contain_text("2 of their children may not stay with them")
    await page.click("#staff-plan a")
    await page.wait_for_url("**/console/pairing?plan=*")
    await expect(page.locator("#plan-changes")).to_contain_text(
        "their advocate now works for the child's local authority")
    assert await server.store.children.count_documents({"advocate": ada.id}) == 2

    # Her leave is booked from the same page (covers are chosen as with the leave API).
    await page.goto("/console/staff")
    await page.click("#edit-ada\\.advocate")
    day = (server.services.pairing.today() + timedelta(days=1)).isoformat()
    await page.fill("#leave-starts", day)
    await page.fill("#leave-ends", day)
    await page.click("#book-leave")
    await expect(page.locator("#leave-booked")).to_contain_text(f"Leave booked from {day} to {day}")
    await expect(page.locator("#leave-list")).to_contain_text(f"{day} to {day} (planned)")
    assert await server.store.leaves.count_documents({"advocate": ada.id}) == 1
    assert await server.store.audit.count_documents({"action": "staff.leave_booked", "subject": ada.id,
                                                     "actor": mo.id}) == 1

    await page.goto("/console/staff")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert await axe_violations(page) == []
    assert problems == []
