"""Key moments in a child's care over real HTTP and Socket.IO: the child asked in their chat and language, their
views and the outcome recorded, advocacy re-offered once to a child who opted out, and the suppressed figures."""

from __future__ import annotations

from datetime import timedelta

from advocacy.figures.rules import FEWER, SHOWN
from tests.integration.concerns_support import add_reviewer, apis  # noqa: F401  (apis is a fixture)
from tests.support import api, connect, service_notices


def _day(server, days: int) -> str:
    return (server.services.moments.today() + timedelta(days=days)).isoformat()


async def _everything(server) -> dict[str, list]:
    db = server.store.db
    return {name: await db[name].find({}).sort("_id", 1).to_list(None)
            for name in ("children", "moments", "messages", "audit")}


async def test_the_child_is_asked_in_their_chat_and_the_views_and_outcome_are_recorded(world, apis):  # noqa: F811
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    chat = await connect(server, amira)
    advocate = await apis(server, ada)
    status, body = await advocate.post(f"/api/children/{amira.id}/moments",
                                       {"kind": "looked_after_review", "on": _day(server, 10)})
    assert status == 201, body
    moment = body["moment"]
    assert moment["asked_at"] and moment["views"] is None
    notice = await chat.next("message")
    assert notice["sender"]["role"] == "service"
    assert "meeting about your care" in notice["text"] and "You don't have to." in notice["text"]
    assert "looked-after" not in notice["text"].lower() and "LAC" not in notice["text"]
    await chat.send(world.conversation_of(amira), "Tell them I want to stay at my school.")

    status, body = await advocate.post(f"/api/moments/{moment['id']}/views",
                                       {"views": "Marker wants to stay at her school"})
    assert status == 200 and body["moment"]["views"] == "Marker wants to stay at her school", body
    stored = await server.store.moments.find_one({"_id": moment["id"]})
    assert isinstance(stored["views"], bytes) and b"Marker" not in stored["views"]
    status, body = await advocate.post(f"/api/moments/{moment['id']}/outcome",
                                       {"decided": "Stays", "views_put": True, "matched": "yes"})
    assert (status, body["error"]["code"]) == (409, "moment_not_yet")

    server.clock.advance(timedelta(days=11))
    advocate = await apis(server, ada)
    status, body = await advocate.post(f"/api/moments/{moment['id']}/outcome",
                                       {"decided": "Marker she stays at her school", "views_put": True,
                                        "matched": "yes"})
    assert status == 200, body
    assert (body["moment"]["decided"], body["moment"]["views_put"], body["moment"]["matched"]) == (
        "Marker she stays at her school", True, "yes")
    status, body = await advocate.get(f"/api/children/{amira.id}/moments")
    assert status == 200 and [m["id"] for m in body["moments"]] == [moment["id"]], body
    actions = [e["action"] async for e in server.store.audit.find({"subject": amira.id}).sort("_id", 1)]
    assert [a for a in actions if a.startswith("moment.")] == [
        "moment.recorded", "moment.views", "moment.outcome", "moment.read"]
    await chat.close()


async def test_a_child_reading_arabic_is_asked_in_arabic(world, apis):  # noqa: F811
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"language": "ar"}})
    advocate = await apis(server, ada)
    status, body = await advocate.post(f"/api/children/{amira.id}/moments",
                                       {"kind": "child_protection_conference", "on": _day(server, 3)})
    assert status == 201, body
    [notice] = await service_notices(server, amira.id)
    english = "There is a meeting about keeping you safe"
    assert english not in notice and any("\u0600" <= ch <= "\u06ff" for ch in notice), notice


async def test_bad_input_and_people_outside_the_team_are_refused_with_nothing_changed(world, apis):  # noqa: F811
    server, amira, cara = world.server, world.children[0], world.children[2]
    advocate, other = await apis(server, world.advocates[0]), await apis(server, world.advocates[1])
    child = await apis(server, amira)
    status, body = await advocate.post(f"/api/children/{amira.id}/moments",
                                       {"kind": "complaint", "on": _day(server, -2)})
    assert status == 201, body
    moment = body["moment"]["id"]
    assert body["moment"]["asked_at"] is None  # in the past: nothing to ask
    before = await _everything(server)
    tries = [
        (advocate, f"/api/children/{amira.id}/moments", {"kind": "party", "on": _day(server, 3)}, 400, "bad_request"),
        (advocate, f"/api/children/{amira.id}/moments", {"kind": "complaint", "on": _day(server, 500)},
         400, "dates_invalid"),
        (advocate, f"/api/children/{amira.id}/moments", {"kind": "complaint", "on": "soon"}, 400, "dates_invalid"),
        (advocate, f"/api/children/{cara.id}/moments", {"kind": "complaint", "on": _day(server, 3)},
         404, "child_not_found"),
        (other, f"/api/moments/{moment}/views", {"views": "x"}, 404, "moment_not_found"),
        (child, f"/api/moments/{moment}/views", {"views": "x"}, 404, "moment_not_found"),
        (advocate, f"/api/moments/{moment}/views", {"views": ""}, 400, "words_empty"),
        (advocate, f"/api/moments/{moment}/outcome", {"decided": "x", "views_put": "yes", "matched": "yes"},
         400, "bad_request"),
        (advocate, f"/api/moments/{moment}/outcome", {"decided": "x", "views_put": False, "matched": "maybe"},
         400, "bad_request"),
        (advocate, f"/api/moments/{moment}/outcome", {"decided": "x", "views_put": True, "matched": "yes"},
         400, "bad_request"),  # no views written down yet
        (advocate, "/api/moments/km_none/views", {"views": "x"}, 404, "moment_not_found"),
    ]
    for client, path, body, status, code in tries:
        got, answer = await client.post(path, body)
        assert (got, answer["error"]["code"]) == (status, code), (path, answer)
    assert await _everything(server) == before


async def test_a_placement_move_re_offers_advocacy_once_to_a_child_who_opted_out(world, apis):  # noqa: F811
    server, billy, mo = world.server, world.children[1], world.manager
    status, body = await api(server, billy, "POST", f"/api/children/{billy.id}/opt-out", json={})
    assert status == 200 and body["changed"], body
    manager = await apis(server, mo)
    status, body = await manager.post(f"/api/children/{billy.id}/moments",
                                      {"kind": "placement_move", "on": _day(server, 5)})
    assert status == 201, body
    first = body["moment"]
    assert first["asked_at"] is None  # an opted-out child has no chat to be asked in
    child = await server.store.children.find_one({"_id": billy.id})
    assert child["offer"]["why"] == "placement_move" and child["opted_out"]
    assert (await server.store.moments.find_one({"_id": first["id"]}))["reoffered_at"] is not None
    # The same moment never offers twice, and another while the offer waits for an answer adds no pressure.
    assert not await server.services.moments.reoffered(first["id"])
    status, body = await manager.post(f"/api/children/{billy.id}/moments",
                                      {"kind": "new_social_worker", "on": _day(server, 6)})
    assert status == 201 and body["moment"]["reoffered_at"] is None, body
    offers = await server.store.opt_events.count_documents({"child": billy.id, "kind": "offered"})
    assert offers == 1
    # The child says not now; the offer shows in their plain words on their page until then.
    status, body = await api(server, billy, "POST", f"/api/children/{billy.id}/offer/decline")
    assert status == 200 and body["changed"], body
    status, body = await manager.post(f"/api/children/{billy.id}/moments",
                                      {"kind": "new_social_worker", "on": _day(server, 30)})
    assert status == 201 and body["moment"]["reoffered_at"], body
    assert (await server.store.children.find_one({"_id": billy.id}))["offer"]["why"] == "new_social_worker"


async def _held(server, advocate, child, put: bool) -> None:
    status, body = await advocate.post(f"/api/children/{child.id}/moments",
                                       {"kind": "looked_after_review", "on": _day(server, -1)})
    assert status == 201, body
    moment = body["moment"]["id"]
    if put:
        assert (await advocate.post(f"/api/moments/{moment}/views", {"views": "My views"}))[0] == 200
    status, body = await advocate.post(f"/api/moments/{moment}/outcome",
                                       {"decided": "Decided", "views_put": put, "matched": "partly"})
    assert status == 200, body


async def test_meetings_where_the_childs_views_were_put_are_in_the_figures_small_numbers_suppressed(
        world, apis):  # noqa: F811
    server, amira, billy, cara = world.server, world.children[0], world.children[1], world.children[2]
    ada, ben = await apis(server, world.advocates[0]), await apis(server, world.advocates[1])
    reviewer = await apis(server, await add_reviewer(world))

    async def figures() -> dict:
        status, body = await reviewer.get("/api/figures/moments")
        assert status == 200, body
        for row in body["areas"]:
            for column in ("held", "views_put"):
                assert row[column]["value"] is None or row[column]["value"] >= 5, row
        return {(r["kind"], r["code"]): r for r in body["areas"]}

    # Leeds: ten meetings held, five with the child's views put; Camden: one, with them put.
    for advocate, child, put in [(ada, amira, True)] * 5 + [(ada, billy, False)] * 5 + [(ben, cara, True)]:
        await _held(server, advocate, child, put)
    # One not yet held is not counted.
    status, body = await ada.post(f"/api/children/{amira.id}/moments", {"kind": "leaving_care", "on": _day(server, 9)})
    assert status == 201, body
    # A local authority where no meeting was held (the world knows only Leeds and Camden otherwise).
    await server.store.local_authorities.insert_one({"_id": "E06000001", "name": "Hartlepool",
                                                     "region": "North East"})
    rows = await figures()
    # Every local authority is listed, one with no meetings too, in the same words as one with a few:
    # leaving it out would tell its 0 apart from the others' "fewer than 5".
    known = {d["_id"] async for d in server.store.local_authorities.find({}, {"_id": 1})}
    assert {code for kind, code in rows if kind == "la"} == known
    quiet = [rows[("la", code)] for code in known - {"E08000035", "E09000007"}]
    assert quiet and all(r["held"]["state"] == FEWER and r["held"]["text"] == "fewer than 5" for r in quiet)
    camden = rows[("la", "E09000007")]
    assert camden["held"]["state"] == FEWER and camden["held"]["text"] == "fewer than 5"
    # Anything that would give Camden's one away (England less Leeds) is hidden too.
    assert not (rows[("la", "E08000035")]["held"]["state"] == SHOWN
                and rows[("england", "england")]["held"]["state"] == SHOWN)

    # Camden reaches ten, five with views put: every count is shown (Hartlepool's 0 gone again, as it would
    # otherwise need a complement of its own).
    await server.store.local_authorities.delete_one({"_id": "E06000001"})
    for put in [True] * 4 + [False] * 5:
        await _held(server, ben, cara, put)
    rows = await figures()
    for code in ("E08000035", "E09000007"):
        row = rows[("la", code)]
        assert (row["held"]["value"], row["views_put"]["value"]) == (10, 5), row
    england = rows[("england", "england")]
    assert (england["held"]["value"], england["views_put"]["value"]) == (20, 10)
    assert (await ada.get("/api/figures/moments"))[0] == 403
    assert (await reviewer.get("/api/figures/moments", **{"from": "2026-13-01"}))[0] == 400


async def test_erasure_removes_the_childs_decisions_visits_and_moments(world, apis):  # noqa: F811
    from advocacy.privacy.erasure import erase_child

    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    advocate = await apis(server, ada)
    for child in (amira, billy):
        assert (await advocate.post(f"/api/children/{child.id}/non-instructed", {
            "reason": "Cannot instruct", "review_by": _day(server, 30)}))[0] == 201
        assert (await advocate.post(f"/api/children/{child.id}/visits", {
            "at": server.clock.now().isoformat(), "where": "home", "seemed": "Well", "observed": "Fine"}))[0] == 201
        assert (await advocate.post(f"/api/children/{child.id}/moments", {
            "kind": "leaving_care", "on": _day(server, 20)}))[0] == 201
    counts = await erase_child(server.store, server.clock, amira.id)
    assert (counts["advocacy_decisions"], counts["visits"], counts["moments"]) == (1, 1, 1)
    for collection in ("advocacy_decisions", "visits", "moments"):
        assert await getattr(server.store, collection).count_documents({"child": amira.id}) == 0
        assert await getattr(server.store, collection).count_documents({"child": billy.id}) == 1
    assert "non_instructed" not in await server.store.children.find_one({"_id": amira.id})


async def test_the_local_authoritys_csv_of_meetings_is_imported_once_with_each_bad_row_reported(world, tmp_path):
    from advocacy.people import sealed_details
    from tests.integration.test_privacy import run_cli

    server, amira, billy = world.server, world.children[0], world.children[1]
    for child, ref in ((amira, "LDS-1"), (billy, "LDS-2")):
        await server.store.children.update_one({"_id": child.id}, {"$set": await sealed_details(
            server.store, child.id, "E08000035", ref=ref)})
    csv_file = tmp_path / "meetings.csv"
    csv_file.write_text("la,ref,kind,on\n"
                        f"E08000035,LDS-1,looked_after_review,{_day(server, 14)}\n"
                        f"E08000035,LDS-2,party,{_day(server, 14)}\n"
                        f"E08000035,LDS-9,leaving_care,{_day(server, 14)}\n"
                        f"E08000035,LDS-2,child_protection_conference,{_day(server, 900)}\n")
    key = {"ADVOCACY_MASTER_KEY": server.settings.master_key}
    code, out = await run_cli(server, "import-moments", str(csv_file), **key)
    assert code == 1, out
    assert "1 of 4 row(s) imported" in out
    assert "line 3: kind must be one of" in out and "line 4: no child with the reference 'LDS-9'" in out
    assert "line 5: on should be the day" in out
    [moment] = await server.store.moments.find({}).to_list(None)
    assert (moment["child"], moment["source"], moment["kind"]) == (amira.id, "import", "looked_after_review")
    assert moment["asked_at"] is not None  # asked in her chat, as if her advocate had written it down
    assert any("meeting about your care" in n for n in await service_notices(server, amira.id))
    code, out = await run_cli(server, "import-moments", str(csv_file), **key)
    assert "0 of 4 row(s) imported" in out and "line 2: already recorded" in out
    assert await server.store.moments.count_documents({}) == 1
