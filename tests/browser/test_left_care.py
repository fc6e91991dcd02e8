"""An advocate records the day a child left care from the console, in Chromium."""

from __future__ import annotations

from datetime import datetime, timezone

from playwright.async_api import expect

from advocacy.people import record_left_care
from tests.browser.pages import advocate_signs_in, axe_violations, open_page


async def test_an_advocate_records_the_day_a_child_left_care_beside_the_conversation(browser, world):
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    await record_left_care(server.store, amira.id, datetime(2025, 12, 1, tzinfo=timezone.utc), "command")
    console, problems = await open_page(browser, world, 1280, 800)
    await advocate_signs_in(console, ada, server)
    row = lambda child: console.locator(".conv-item", has=console.locator(".conv-item__name",  # noqa: E731
                                                                          has_text=child.name))
    await row(billy).click()
    await console.click("#child-left-care summary")
    stored = console.locator("#left-care-stored")
    await expect(stored).to_have_text("On record: no day they left care.")
    await row(amira).click()
    # What is on record, and who said so, from the conversation's summary.
    await expect(stored).to_have_text(
        "On record: left care on 2025-12-01 (recorded with the advocacy left-care command).")
    await expect(console.locator("#left-care-on")).to_have_value("2025-12-01")
    status = console.locator("#left-care-status")
    await console.fill("#left-care-on", "")

    await console.click("#left-care-form button[type=submit]")
    await expect(status).to_have_text("Choose the day they left care. Nothing was changed.")
    await console.fill("#left-care-on", "2099-01-01")  # typed past the picker's limit: the service refuses it
    await console.click("#left-care-form button[type=submit]")
    await expect(status).to_contain_text("today or earlier")
    assert (await server.store.children.find_one({"_id": amira.id}))["left_care_source"] == "command"

    await console.fill("#left-care-on", "2026-01-05")
    await console.click("#left-care-form button[type=submit]")
    await expect(status).to_have_text("Recorded: they left care on 2026-01-05.")
    await expect(stored).to_have_text("On record: left care on 2026-01-05 (recorded in the console).")
    await row(billy).click()
    await row(amira).click()  # chosen again: what this page recorded, not the older listing
    await expect(stored).to_have_text("On record: left care on 2026-01-05 (recorded in the console).")
    record = await server.store.children.find_one({"_id": amira.id})
    assert record["left_care_at"] == datetime(2026, 1, 5, tzinfo=timezone.utc)
    assert record["left_care_source"] == "staff"
    assert await axe_violations(console) == []

    await console.click("#left-care-forget")
    await expect(status).to_contain_text("Forgotten")
    await expect(stored).to_have_text("On record: no day they left care.")
    assert "left_care_at" not in await server.store.children.find_one({"_id": amira.id})
    assert [p for p in problems if "400" not in p] == []  # the refused day shows as a failed request, nothing else
