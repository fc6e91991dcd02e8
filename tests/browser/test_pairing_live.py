"""A change of advocate shows on the pages that are open, without a reload, in Chromium."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.pages import advocate_signs_in, chat_ready, child_signs_in, open_page
from tests.support import add_advocate, api, make_pairable, sign_in


async def test_when_an_advocate_leaves_the_childs_chat_and_both_consoles_follow_at_once(browser, world, artifacts):
    await make_pairable(world)
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager, capacity=5)
    await sign_in(server, cat)  # enrols Cat's authenticator app
    child_page, child_problems = await open_page(browser, world, 360, 640)
    ada_page, ada_problems = await open_page(browser, world, 1280, 800)
    cat_page, cat_problems = await open_page(browser, world, 1280, 800)
    await child_signs_in(child_page, amira)
    await chat_ready(child_page)
    await expect(child_page.locator("#advocate-name")).to_have_text("Ada Advocate")
    await advocate_signs_in(ada_page, ada, server)
    await ada_page.locator("#conversation-list").get_by_text(amira.name).click()
    await chat_ready(ada_page)
    await advocate_signs_in(cat_page, cat, server)
    await expect(cat_page.locator("#conversation-list-empty")).to_be_visible()

    status, body = await api(server, world.manager, "POST", f"/api/advocates/{ada.id}/leaving")
    assert status == 200 and body["children"][amira.id] == cat.id, body

    # Amira's open chat now shows Cat, with the service's note of the change; she writes straight away.
    await expect(child_page.locator("#advocate-name")).to_have_text("Cat Advocate")
    await expect(child_page.locator("#messages")).to_contain_text("Ada can't be your advocate any more")
    await chat_ready(child_page)
    await child_page.fill("#message-input", "Hi Cat, I'm Amira")
    await child_page.click("#send-button")
    await expect(child_page.locator(".msg--failed")).to_have_count(0)

    # Cat's console lists her and shows what she wrote; Ada's no longer has her.
    await cat_page.locator("#conversation-list").get_by_text(amira.name).click()
    await expect(cat_page.locator("#messages")).to_contain_text("Hi Cat, I'm Amira")
    await expect(ada_page.locator("#conversation-list")).not_to_contain_text(amira.name)
    await expect(ada_page.locator("#conversation-title")).to_have_text("")
    await expect(ada_page.locator("#messages")).not_to_contain_text("Hi Cat")
    await child_page.screenshot(path=str(artifacts / "child-new-advocate-360x640.png"), full_page=True)
    assert child_problems == [] and ada_problems == [] and cat_problems == []
