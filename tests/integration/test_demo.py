"""The demo as a newcomer finds it after `advocacy serve --demo`: it looks like a real service's first year.

The demo is seeded through ``advocacy.demo.seed`` (what `serve --demo` runs) into a real database; what it
shows is read back through the same services and API the pages use.
"""

from __future__ import annotations

from datetime import timedelta

from advocacy import demo, workdays
from advocacy.figures import rules
from advocacy.figures.rules import NONE, SHOWN
from advocacy.people import DETAIL_FIELDS, child_details, child_names
from tests.support import Person, api

MONTHLY = ("known", "paired", "concerns", "overdue")


async def test_the_demo_looks_like_a_service_in_its_first_year(server, tmp_path):
    creds = await demo.seed(server.services, tmp_path, server.url)
    store = server.store

    # Every child has a name of their own: no list reads "Alfie, Alfie, Alfie".
    ids = [d["_id"] async for d in store.children.find({}, {"_id": 1})]
    names = list((await child_names(store, ids)).values())
    assert len(names) == 48
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)

    # The children joined over the year, not all today.
    joined = {workdays.london_month(d["created_at"]) async for d in store.children.find({}, {"created_at": 1})}
    assert len(joined) >= 10, sorted(joined)

    # Every row of the oversight queue says how old the child is (their dates of birth are sealed).
    reviewer = creds["reviewers"][0]
    status, body = await api(server, Person(f"reviewer:{reviewer['username']}", reviewer["name"], "reviewer",
                                            username=reviewer["username"], password=reviewer["password"],
                                            totp_secret=reviewer["totp_secret"]), "GET", "/api/oversight/items")
    assert status == 200, body
    rows = body["items"]
    assert len(rows) >= 10, "a first year leaves some concerns past their deadlines"
    assert [r["ref"] for r in rows if r["age_band"] == "not known"] == []
    queued = await store.oversight.find({}, {"child": 1}).to_list(None)
    sealed = await store.children.find({"_id": {"$in": [q["child"] for q in queued]}},
                                       {**DETAIL_FIELDS, "birth_date": 1}).to_list(None)
    assert all("birth_date_sealed" in d and "birth_date" not in d for d in sealed)
    assert all(v["birth_date"] for v in (await child_details(store, sealed)).values())
    # ... and they reached it over the year, as the sweeper found them past their deadlines.
    arrived = {workdays.london_month(q["created_at"]) for q in await store.oversight.find({}).to_list(None)}
    assert len(arrived) >= 4, sorted(arrived)

    # The figures: England's every month has figures, and the national totals are shown.
    figures = server.services.figures
    period = rules.default_period(figures.this_month())
    england = (await figures.read(period, ["england"]))["areas"]["england"]
    for column in MONTHLY:
        series = england["series"][column]
        assert len(series) == 12 and [i for i, month in enumerate(series) if month["state"] == NONE] == [], \
            (column, [m.get("text") for m in series])
    for column in ("known", "paired", "overdue"):
        assert england["row"][column]["state"] == SHOWN, (column, england["row"][column])
    known = [m["value"] for m in england["series"]["known"] if m["state"] == SHOWN]
    assert known == sorted(known) and known[0] < known[-1], "the service grows over its first year"
    assert england["row"]["opted_out"]["state"] == SHOWN, "a few children opt out during the year"

    # Most concerns of the year were resolved by their advocates, some were sent to a manager by hand.
    assert await store.concerns.count_documents({"status": "resolved"}) >= 30
    assert await store.concern_events.count_documents({"kind": "escalated_manager"}) >= 5

    # Messages were answered over the year: the reply times are counted.
    months = await store.figures_months.find({"area": "england", "n.replies": {"$gt": 0}}).to_list(None)
    assert len(months) >= 8

    # Seeding again (the next start) adds nothing.
    counts = {name: await getattr(store, name).count_documents({})
              for name in ("children", "concerns", "messages", "oversight")}
    await demo.seed(server.services, tmp_path, server.url)
    assert {name: await getattr(store, name).count_documents({}) for name in counts} == counts


async def test_the_history_is_on_the_clock_of_its_time(server, tmp_path):
    """Whatever the replay did happened at its own time: nothing is dated after today, and the waiting
    children's messages are today's."""
    await demo.seed(server.services, tmp_path, server.url)
    store, now = server.store, server.clock.now()
    raised = [d["raised_at"] async for d in store.concerns.find({}, {"raised_at": 1})]
    assert max(raised) <= now + timedelta(seconds=5)
    assert min(raised) <= now - timedelta(days=250)
    sent = sorted([d["sent_at"] async for d in store.messages.find({}, {"sent_at": 1})], reverse=True)
    assert all(now - at < timedelta(minutes=10) for at in sent[:5]), "five children waiting for a reply today"
    assert sum(now - at > timedelta(days=30) for at in sent) >= 40 and now - sent[-1] > timedelta(days=200)
    assert await store.children.count_documents({"advocate": None}) >= 5  # opted out: England's unpaired
