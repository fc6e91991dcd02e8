"""A new staff member sets up their authenticator app in Chromium, then signs in with its codes."""

from __future__ import annotations

import pyotp
from playwright.async_api import expect

from advocacy.auth.accounts import create_staff
from tests.browser.pages import open_page
from tests.support import PASSWORD


async def test_first_sign_in_shows_a_scannable_qr_code_then_recovery_codes_then_the_console(browser, world, artifacts):
    server = world.server
    await create_staff(server.store, server.clock, username="nia.advocate", password=PASSWORD, name="Nia New",
                       role="advocate")
    page, problems = await open_page(browser, world, 1280, 800)
    await page.goto("/staff/sign-in")
    await page.fill("#username", "nia.advocate")
    await page.fill("#password", PASSWORD)
    await page.click("#sign-in-button")
    await page.wait_for_url("**/staff/enrol")

    qr = page.locator("#qr")
    await expect(qr).to_be_visible()
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR image did not load under the CSP"
    secret = "".join((await page.locator("#secret").inner_text()).split())
    await page.screenshot(path=str(artifacts / "staff-enrol-1280x800.png"), full_page=True)

    await page.fill("#otp", "000000")
    await page.click("#enrol-button")
    await expect(page.locator("#form-error")).to_contain_text("That code didn't work")
    await page.fill("#otp", pyotp.TOTP(secret).at(server.clock.now()))
    await page.click("#enrol-button")
    await expect(page.locator("#recovery-codes li")).to_have_count(10)
    await page.click("#continue-link")
    await page.wait_for_url("**/console")
    await expect(page.locator("#signed-in-as")).to_have_text("Nia New")
    # The wrong code's 400 answer is the one thing Chromium reports.
    assert problems == ["console error: Failed to load resource: "
                        "the server responded with a status of 400 (Bad Request)"]
