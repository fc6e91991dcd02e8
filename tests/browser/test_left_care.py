"""An advocate records the day a child left care from the console, in Chromium."""

from __future__ import annotations

from datetime import datetime, timezone

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, axe_violations, open_page


async def test_an_advocate_records_the_day_a_child_left_care_beside_the_conversation(browser, world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    console, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(console, ada, server)
    await console.locator(".conv-item", has=console.locator(".conv-item__name", has_text=amira.name)).click()
    await console.click("#child-left-care summary")
    status = console.locator("#left-care-status")

    await console.click("#left-care-form button[type=submit]")
    await expect(status).to_have_text("Choose the day they left care. Nothing was changed.")
    await console.fill("#left-care-on", "2099-01-01")  # typed past the picker's limit: the service refuses it
    await console.click("#left-care-form button[type=submit]")
    await expect(status).to_contain_text("today or earlier")
    assert "left_care_at" not in await server.store.children.find_one({"_id": amira.id})

    await console.fill("#left-care-on", "2026-01-05")
    await console.click("#left-care-form button[type=submit]")
    await expect(status).to_have_text("Recorded: they left care on 2026-01-05.")
    record = await server.store.children.find_one({"_id": amira.id})
    assert record["left_care_at"] == datetime(2026, 1, 5, tzinfo=timezone.utc)
    assert record["left_care_source"] == "staff"
    assert await axe_violations(console) == []

    await console.click("#left-care-forget")
    await expect(status).to_contain_text("Forgotten")
    assert "left_care_at" not in await server.store.children.find_one({"_id": amira.id})
    assert [p for p in problems if "400" not in p] == []  # the refused day shows as a failed request, nothing else
