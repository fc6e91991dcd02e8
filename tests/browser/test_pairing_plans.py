"""A manager acts on a pairing plan from the console, not a shell: makes it, is told a second person must
approve it, a colleague approves, and she applies it and sees it done. Real Chromium at 1280x800."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import axe_violations, open_page, reflow_problems
from tests.browser.test_oversight_console import staff_signs_in
from tests.support import LEEDS, LONDON, add_advocate, make_pairable


async def test_a_plan_is_made_approved_by_a_second_manager_and_applied_from_the_page(browser, world, artifacts):
    await make_pairable(world)
    server, cara, ben, mo, ola = world.server, world.children[2], world.advocates[1], world.manager, world.other_manager
    eve = await add_advocate(server, "eve.advocate", "Eve Advocate", mo, regions=[LONDON], conflicts=[LEEDS])
    await server.store.staff.update_one({"_id": ben.id}, {"$set": {"available": False}})
    server.services.pairing.second_approval_above = 0

    page, problems = await open_page(browser, world, 1280, 800)
    await staff_signs_in(page, ola, server, "/console")
    await page.goto("/console/pairing")
    await expect(page.locator("main, body").first).to_contain_text("presses Apply this plan")
    await page.fill("#max-moves", "3")
    await page.click("#make-plan")
    await expect(page.locator("#plan-changes")).to_contain_text("Cara")
    await expect(page.locator("#plan-actions")).to_contain_text("a second manager (not the one who made it) must "
                                                                "approve it")
    await expect(page.locator("#apply-plan")).to_have_count(0)
    await page.click("#approve-plan")  # her own plan: refused, in words, nothing changed
    await expect(page.locator("#plan-problem")).to_contain_text("someone other than the person who made it")
    plan_id = await page.locator("#plan-actions").get_attribute("data-plan")
    assert (await server.store.pairing_plans.find_one({"_id": plan_id}))["status"] == "proposed"

    other, other_problems = await open_page(browser, world, 1280, 800)
    await staff_signs_in(other, mo, server, "/console")
    await other.goto(f"/console/pairing?plan={plan_id}")
    await other.click("#approve-plan")
    await expect(other.locator("#plan-status")).to_contain_text("approved")

    await page.goto(f"/console/pairing?plan={plan_id}")
    await expect(page.locator("#approve-plan")).to_have_count(0)
    await page.click("#apply-plan")
    await expect(page.locator("#plan-applied")).to_contain_text("1 change(s) made")
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == eve.id
    assert await reflow_problems(page) == []
    assert await axe_violations(page) == []
    await page.screenshot(path=str(artifacts / "console-pairing-plan-applied-1280x800.png"), full_page=True)
    assert problems == [] and other_problems == []
