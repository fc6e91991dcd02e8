"""Retention starts by itself: the day a child left care comes from the local authority's list, the
console, the command, or (where none of them has said) the day they turned 18; the daily job takes
those defaults in batches and never erases, on that guess, a child somebody still works with."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from advocacy.auth.accounts import create_child
from advocacy.people import record_left_care
from advocacy.privacy.erasure import RetentionJob
from tests.integration.test_pairing_cli import database_env, run
from tests.support import LEEDS, add_advocate, api, connect, leave_tomorrow, make_pairable


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc)


async def test_staff_record_the_day_a_child_left_care_from_the_console_and_bad_days_change_nothing(world):
    server, amira, ada, cara, mo = (world.server, world.children[0], world.advocates[0], world.children[2],
                                    world.manager)
    today = server.services.pairing.today()
    path = f"/api/children/{amira.id}/left-care"
    for body, code in [({"on": "2025-02-30"}, "dates_invalid"), ({"on": "yesterday"}, "dates_invalid"),
                       ({"on": (today + timedelta(days=1)).isoformat()}, "dates_invalid"),
                       ({"on": 20250101}, "dates_invalid"), ({"on": "2025-01-01", "why": "x"}, "bad_request")]:
        status, answer = await api(server, ada, "POST", path, json=body)
        assert status == 400 and answer["error"]["code"] == code, (body, answer)
    assert "left_care_at" not in await server.store.children.find_one({"_id": amira.id})

    status, answer = await api(server, ada, "POST", path, json={"on": "2026-01-05"})
    assert status == 200 and answer == {"ok": True, "left_care": "2026-01-05", "source": "staff"}, answer
    record = await server.store.children.find_one({"_id": amira.id})
    assert record["left_care_at"] == _midnight(date(2026, 1, 5)) and record["left_care_source"] == "staff"
    status, answer = await api(server, ada, "GET", f"/api/children/{amira.id}/export")
    about = answer["export"]["about_you"]
    assert (about["left_care_at"][:10], about["who_said_when_you_left_care"]) == ("2026-01-05", "staff")
    entry = await server.store.audit.find_one({"action": "child.left_care", "subject": amira.id})
    assert entry["actor"] == ada.id and entry["ids"] == {"recorded": True}  # the day itself is not in the trail

    # Ada is not Cara's advocate; Mo (a manager) may record it for any child, and forget it again.
    status, answer = await api(server, ada, "POST", f"/api/children/{cara.id}/left-care", json={"on": "2026-01-05"})
    assert status == 404
    status, answer = await api(server, mo, "POST", path, json={"on": None})
    assert status == 200 and answer["left_care"] is None
    assert not {"left_care_at", "left_care_source"} & set(await server.store.children.find_one({"_id": amira.id}))
    status, answer = await api(server, mo, "POST", path, json={})  # today
    assert status == 200 and answer["left_care"] == today.isoformat()


async def test_the_local_authoritys_list_records_leaving_care_for_new_and_already_imported_children(world, tmp_path):
    await make_pairable(world)
    server = world.server
    first = tmp_path / "leeds.csv"
    first.write_text("name,la,birth_date,ref,left_care\n"
                     "Gabi,E08000035,2008-04-01,L-1,\n"
                     "Hal,E08000035,2007-01-01,L-2,2025-01-01\n"
                     "Ivy,E08000035,2009-01-01,L-3,2099-01-01\n")
    code, out, err = await run("import", str(first), "--codes-out", str(tmp_path / "c1.csv"),
                               env=database_env(server, tmp_path))
    assert code == 1 and "2 of 3 row(s) imported" in out and '"left_care" is in the future' in out, out + err
    hal = await server.store.children.find_one({"left_care_source": "la_import"})
    assert hal["left_care_at"] == _midnight(date(2025, 1, 1))

    later = tmp_path / "leeds-later.csv"
    later.write_text("name,la,ref,left_care\nGabi,E08000035,L-1,2026-04-01\nHal,E08000035,L-2,\n")
    code, out, err = await run("import", str(later), "--codes-out", str(tmp_path / "c2.csv"),
                               env=database_env(server, tmp_path))
    assert code == 1 and "0 of 2 row(s) imported" in out, out + err
    assert "1 child(ren) imported before recorded as having left care" in out
    assert out.count("already imported") == 1  # Hal's row says nothing new
    assert await server.store.children.count_documents({"left_care_source": "la_import"}) == 2
    gabi = await server.store.children.find_one({"left_care_source": "la_import", "_id": {"$ne": hal["_id"]}})
    assert gabi["left_care_at"] == _midnight(date(2026, 4, 1))


async def test_the_daily_job_takes_the_18th_birthday_in_batches_where_nothing_else_says_and_keeps_it_a_guess(world):
    server, amira = world.server, world.children[0]
    job = RetentionJob(server.store, server.clock, server.services.retention.retention, batch=2)
    policy = job.retention
    today = server.clock.now().date()
    turned_long_ago = date(today.year - policy.leaving_care_age - policy.years_after_leaving_care - 2, 3, 10)
    turns_tomorrow = (today + timedelta(days=1)).replace(year=today.year - policy.leaving_care_age)
    turned_yesterday = (today - timedelta(days=1)).replace(year=today.year - policy.leaving_care_age)
    made = {}
    for name, born in [("Old", turned_long_ago), ("Tomorrow", turns_tomorrow), ("Yesterday", turned_yesterday),
                       ("Unknown", None), ("Told", turned_long_ago), ("Leap", date(2004, 2, 29))]:
        doc, _ = await create_child(server.store, server.clock, name=name, la=LEEDS,
                                    **({"birth_date": born.isoformat()} if born else {}))
        made[name] = doc["_id"]
    await record_left_care(server.store, made["Told"], server.clock.now() - timedelta(days=30), "staff")
    # Amira still has an advocate: her 18th birthday is taken, but that guess never erases her.
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"birth_year": turned_long_ago.year}})
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"birth_date": turned_long_ago.isoformat()}})

    counts = await job.run()

    records = {name: await server.store.children.find_one({"_id": i}) for name, i in made.items()}
    assert records["Old"].get("erased_at") and counts["children"] == 1
    assert records["Yesterday"]["left_care_at"] == _midnight(turned_yesterday.replace(
        year=turned_yesterday.year + policy.leaving_care_age))
    assert records["Yesterday"]["left_care_source"] == "birth_date"
    assert records["Leap"]["left_care_at"] == _midnight(date(2004 + policy.leaving_care_age, 3, 1))
    assert "left_care_at" not in records["Tomorrow"] and "left_care_at" not in records["Unknown"]
    assert records["Told"]["left_care_source"] == "staff" and not records["Told"].get("erased_at")
    amira_now = await server.store.children.find_one({"_id": amira.id})
    assert amira_now["left_care_source"] == "birth_date" and not amira_now.get("erased_at")
    entry = await server.store.audit.find_one({"action": "retention.erase"}, sort=[("_id", -1)])
    assert entry["ids"]["left_care_from_birth_date"] == 4  # Old, Yesterday, Leap, Amira

    # Once she stops working with her advocate, the guess counts: she is erased at the next run.
    await server.services.pairing.opt_out(amira.id, None, {"id": amira.id, "role": "child"})
    assert (await job.run())["children"] == 1
    assert (await server.store.children.find_one({"_id": amira.id})).get("erased_at")


async def test_the_console_listing_shows_the_stored_day_and_who_said_it_only_to_who_may_record_it(world):
    """The "Leaving care" panel shows what is on record from the conversation's summary: the child's advocate
    sees the day and its source; an advocate covering for the day (who may not record it) does not."""
    await make_pairable(world)
    server, (amira, billy, _), ada = world.server, world.children, world.advocates[0]
    await record_left_care(server.store, amira.id, _midnight(date(2025, 3, 31)), "la_import")

    async def listing(person):
        chat = await connect(server, person)
        try:
            return {c["child"]: c for c in (await chat.call("conversations"))["conversations"]}
        finally:
            await chat.close()

    mine = await listing(ada)
    assert mine[amira.id]["child_left_care"] == {"on": "2025-03-31", "source": "la_import"}
    assert mine[billy.id]["child_left_care"] is None  # nothing on record
    status, answer = await api(server, ada, "POST", f"/api/children/{amira.id}/left-care", json={"on": "2025-04-02"})
    assert status == 200 and answer == {"ok": True, "left_care": "2025-04-02", "source": "staff"}, answer
    assert (await listing(ada))[amira.id]["child_left_care"] == {"on": "2025-04-02", "source": "staff"}
    assert "child_left_care" not in (await listing(amira))[amira.id]  # staff only

    cat = await add_advocate(server, "cat.advocate", "Cat Advocate", world.manager)
    leave = await leave_tomorrow(server, world.manager, ada, {cat.id})
    server.clock.advance(leave["starts_at"] - server.clock.now() + timedelta(minutes=1))
    await server.services.pairing_job.run_once()
    covered = await listing(cat)
    assert amira.id in covered and "child_left_care" not in covered[amira.id]
