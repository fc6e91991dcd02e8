"""A child reads the service in the language they chose: chosen on the sign-in page or in their
settings, kept on their record, and used for their pages and for the notices in their chat."""

from __future__ import annotations

from advocacy.concerns.words import SAFEGUARDING_HELP
from advocacy.edge.language import LANGUAGE_COOKIE
from advocacy.people import sealed_needs
from tests.support import child_sign_in, connect, sign_in

ARABIC_HELP_START = "شكرًا لأنك أخبرتنا."


async def language_on_record(server, child_id: str) -> str | None:
    return (await server.store.children.find_one({"_id": child_id}, {"language": 1})).get("language")


async def test_a_childs_notices_arrive_in_their_language_over_socketio(world):
    server, billy = world.server, world.children[1]
    await server.store.children.update_one({"_id": billy.id}, {"$set": {"language": "ar"}})
    child_chat = await connect(server, billy)
    await child_chat.send(world.conversation_of(billy), "i want to kill myself")
    notice = await child_chat.next("message")
    assert notice["sender"]["role"] == "service"
    arabic = SAFEGUARDING_HELP.in_language(server.services.languages.gettext("ar"))
    assert notice["text"] == arabic and notice["text"].startswith(ARABIC_HELP_START)
    assert "999" in notice["text"] and "0800 1111" in notice["text"]


async def test_a_child_without_a_choice_gets_english_notices(world):
    server, billy = world.server, world.children[1]
    child_chat = await connect(server, billy)
    await child_chat.send(world.conversation_of(billy), "i want to kill myself")
    assert (await child_chat.next("message"))["text"] == str(SAFEGUARDING_HELP)


async def test_the_language_picked_on_the_sign_in_page_goes_on_the_record(world):
    server, amira = world.server, world.children[0]
    async with server.http() as http:
        page = await http.get("/child/sign-in?lang=ti")
        html = await page.text()
        assert page.status == 200 and 'lang="ti"' in html and 'data-language="ti"' in html
        assert page.cookies[LANGUAGE_COOKIE].value == "ti"
        resp = await http.post("/api/session/child", json=child_sign_in(amira, language="ti"))
        assert resp.status == 200
        assert await language_on_record(server, amira.id) == "ti"
        chat = await (await http.get("/child")).text()
        assert 'lang="ti"' in chat and "ዕላል" in chat


async def test_without_a_pick_the_record_decides_and_the_cookie_follows(world):
    server, amira = world.server, world.children[0]
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "fa"}})
    async with server.http() as http:
        resp = await http.post("/api/session/child", json=child_sign_in(amira))
        assert resp.status == 200 and resp.cookies[LANGUAGE_COOKIE].value == "fa"
        http.cookie_jar.clear(lambda cookie: cookie.key == LANGUAGE_COOKIE)
        page = await (await http.get("/child/worries")).text()
        assert 'lang="fa" dir="rtl"' in page and "نگرانی‌های من" in page
    assert await language_on_record(server, amira.id) == "fa"


async def test_a_child_changes_their_language_in_settings(world):
    server, amira = world.server, world.children[0]
    async with server.http() as http:
        await http.post("/api/session/child", json=child_sign_in(amira))
        resp = await http.post("/child/settings", data={"lang": "ar"}, headers={"Origin": server.url})
        page = await resp.text()
        assert resp.status == 200 and 'lang="ar" dir="rtl"' in page and 'id="done"' in page
        assert await language_on_record(server, amira.id) == "ar"
        trail = await server.store.audit.find({"action": "child.language", "subject": amira.id}).to_list(None)
        assert len(trail) == 1 and "ar" not in str(trail[0].get("ids", {}))


async def test_a_language_not_on_the_list_is_refused_and_changes_nothing(world):
    server, amira = world.server, world.children[0]
    async with server.http() as http:
        await http.post("/api/session/child", json=child_sign_in(amira))
        resp = await http.post("/child/settings", data={"lang": "xx"}, headers={"Origin": server.url})
        assert resp.status == 400 and "Nothing was changed" in await resp.text()
    assert await language_on_record(server, amira.id) is None


async def test_staff_see_the_review_state_and_staff_pages_stay_english(world):
    server = world.server
    async with server.http() as http:
        home = await (await http.get("/?lang=ps")).text()
        assert 'dir="rtl"' in home and "machine-drafted, awaiting review by a native speaker" in home
        staff = await (await http.get("/staff/sign-in")).text()
        assert 'lang="en-GB" dir="ltr"' in staff and "translation-state" not in staff


async def test_the_advocate_sees_the_childs_language_and_languages(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    needs = await sealed_needs(server.store, amira.id, ["ku", "ar"], None)  # as the service keeps them
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "ckb", **needs},
                                                               "$unset": {"languages": ""}})
    advocate_chat = await connect(server, ada)
    listing = {c["child"]: c for c in (await advocate_chat.call("conversations"))["conversations"]}
    assert listing[amira.id]["child_language"] == {"code": "ckb", "name": "Kurdish (Sorani)"}
    assert listing[amira.id]["child_languages"] == ["Kurdish", "Arabic"]
    child_chat = await connect(server, amira)
    own = (await child_chat.call("conversations"))["conversations"][0]
    assert "child_language" not in own


async def test_the_childs_data_export_is_in_their_language(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "vi"}})
    token = await sign_in(server, ada)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        html = await (await http.get(f"/api/children/{amira.id}/export.html")).text()
        data = (await (await http.get(f"/api/children/{amira.id}/export")).json())["export"]
    assert '<html lang="vi" dir="ltr">' in html and "Mọi thứ chúng tôi lưu về Amira" in html
    assert "Tin nhắn của bạn" in html and "Your messages" not in html
    assert data["about_you"]["page_language"] == "vi"


async def test_the_export_names_mains_new_fields_and_sections_in_the_childs_language(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    async with server.http() as http:
        await sign_in(server, amira, http)
        chosen = await http.post("/child/settings", data={"lang": "vi"}, headers={"Origin": server.url})
        made = await http.post("/api/complaints", json={"about": "service", "words": "The page was slow."},
                               headers={"Origin": server.url})
        assert chosen.status == 200 and made.status == 201
    token = await sign_in(server, ada)  # not the manager: the complaint is left out of her copy
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        html = await (await http.get(f"/api/children/{amira.id}/export.html")).text()
    for english, vietnamese in [("Your date of birth", "Ngày sinh của bạn"),
                                ("Wrong PINs in a row", "Số lần nhập sai mã PIN liên tiếp"),
                                ("When you said yes or no to having an advocate",
                                 "Khi bạn nói có hoặc không với việc có người hỗ trợ"),
                                ("Your complaints about the advocacy service", "Khiếu nại của bạn về dịch vụ hỗ trợ"),
                                ("changed the language of your pages", "đã đổi ngôn ngữ các trang của bạn")]:
        assert vietnamese in html and english not in html
    # An operator's copy holds the complaint: the service's words about it read in Vietnamese, the child's do not.
    whole = server.services.export.render_html(await server.services.export.export(amira.id, by=None, form="command"))
    for english, vietnamese in [("the complaint was made", "khiếu nại đã được gửi"),
                                ("something else about the advocacy service", "điều gì khác về dịch vụ hỗ trợ"),
                                ("Where it is now", "Bây giờ đang ở đâu")]:
        assert vietnamese in whole and english not in whole
    assert "The page was slow." in whole


async def test_the_complaints_page_reads_in_the_childs_language(world):
    server, amira = world.server, world.children[0]
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "fa"}})
    async with server.http() as http:
        await sign_in(server, amira, http)
        empty = await (await http.get("/child/complaints")).text()
        assert 'lang="fa" dir="rtl"' in empty and "از ما راضی نیستی؟" in empty and "Not happy with us?" not in empty
        assert "شکایتم را بفرست" in empty and "Send my complaint" not in empty
        made = await http.post("/api/complaints", json={"about": "advocate", "words": "She never answers."},
                               headers={"Origin": server.url})
        assert made.status == 201
        page = await (await http.get("/child/complaints")).text()
    assert "درباره حامی‌ام" in page and "About my advocate" not in page
    assert "شکایتت به ما رسید." in page and "We have your complaint." not in page
    assert "She never answers." in page  # the child's own words are never translated


async def test_the_sign_in_page_says_the_first_time_part_in_the_childs_language(world):
    async with world.server.http() as http:
        page = await (await http.get("/child/sign-in?lang=sq")).text()
    assert "Fjala e fillimit" in page and "Setup word" not in page
    assert "Hera e parë këtu, apo more një kod të ri?" in page


async def test_a_childs_worries_page_says_where_each_worry_is_in_their_language(world, apis):
    """The worry's topic, where it is, what happens next by when and its history: all the service's
    words, in the child's language (the child's own words stay as they wrote them)."""
    server, amira = world.server, world.children[0]
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "ar"}})
    api = await apis(server, amira)
    status, body = await api.post("/api/concerns", {"child": amira.id, "category": "education",
                                                    "child_words": "School left me out.", "child_wants": "A trip."})
    assert status == 201, body
    arabic = server.services.languages.gettext("ar")
    status, listed = await api.get("/api/concerns")
    assert status == 200
    for worry in (body["concern"], listed["concerns"][0]):
        assert worry["your_words"] == "School left me out."
        assert worry["status_words"] == arabic("Your advocate has it") != "Your advocate has it"
        assert worry["next"].startswith("مشكلتك عند مناصرك.") and "Your advocate" not in worry["next"]
        assert worry["history"][0]["what"] == arabic("You told us about this.")
        assert not any("a" <= ch <= "z" for ch in worry["raised_on"].lower()), worry["raised_on"]


async def test_a_childs_readable_export_says_the_services_words_in_their_language(world, apis):
    server, amira = world.server, world.children[0]
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "ar"}})
    api = await apis(server, amira)
    assert (await api.post("/api/concerns", {"child": amira.id, "category": "education",
                                             "child_words": "School left me out.", "child_wants": "A trip."}))[0] == 201
    export = server.services.export
    page = export.render_html(await export.export(amira.id, by=None, form="command"))
    arabic = server.services.languages.gettext("ar")
    # How urgent the worry is: the service's word, translated wherever it stands among the child's.
    assert arabic("normal") in page and ">normal<" not in page
    assert arabic("Your advocate has it") in page
    assert "School left me out." in page
