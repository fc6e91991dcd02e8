"""Equality monitoring the child controls: optional answers, sealed, in the export, erased with the child,
counted only together with small numbers hidden, and never read by pairing."""

from __future__ import annotations

import pathlib
from datetime import date, timedelta

from advocacy import workdays
from advocacy.auth.accounts import create_child
from advocacy.equality.rules import PREFER_NOT_TO_SAY, load_questions
from advocacy.pairing.roster import children_records
from advocacy.people import sealed_details
from advocacy.privacy.erasure import erase_child
from tests.support import LEEDS, api, child_sign_in, make_pairable

EVERYTHING = {"ethnicity": "black", "disability": "yes", "religion": "muslim", "sexuality": "bisexual",
              "nationality": "other"}


def birthday(server, years: int, *, days_later: int = 0) -> str:
    """The date of birth of a child who turned ``years`` today (Europe/London), ``days_later`` days later."""
    today = workdays.local_date(server.clock.now())
    born = date(today.year - years, today.month, 28 if (today.month, today.day) == (2, 29) else today.day)
    return (born + timedelta(days=days_later)).isoformat()


async def give_birth_date(server, child_id: str, born: str) -> None:
    """Record a child's date of birth, sealed, as the intake does."""
    child = await server.store.children.find_one({"_id": child_id}, {"la": 1})
    await server.store.children.update_one({"_id": child_id}, {"$set": await sealed_details(
        server.store, child_id, child["la"], birth_date=born)})


async def test_every_question_offers_prefer_not_to_say_last():
    questions = load_questions()
    assert {"ethnicity", "disability", "sexuality"} <= {q.key for q in questions}  # the loop below has work to do
    for question in questions:
        assert question.keys[-1] == PREFER_NOT_TO_SAY, question.key


async def test_a_child_answers_changes_and_deletes_and_the_answers_are_sealed_exported_and_erased(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    await give_birth_date(server, amira.id, birthday(server, 17))  # old enough for every question
    path = f"/api/children/{amira.id}/equality"
    for body in ({"answers": {"ethnicity": "martian"}}, {"answers": {"shoe_size": "9"}}, {"answers": ["white"]}):
        status, answer = await api(server, amira, "PUT", path, json=body)
        assert status == 400 and answer["error"]["code"] == "bad_request", answer
    status, answer = await api(server, ada, "PUT", path, json={"answers": {"disability": "no"}})
    assert status == 400 and "agreement" in answer["error"]["message"]
    assert await server.store.equality.count_documents({}) == 0

    status, answer = await api(server, amira, "PUT", path, json={"answers": {
        "ethnicity": "asian", "religion": PREFER_NOT_TO_SAY, "sexuality": ""}})
    assert status == 200 and answer["answers"] == {"ethnicity": "asian", "religion": PREFER_NOT_TO_SAY}, answer
    raw = await server.store.equality.find_one({"_id": amira.id})
    assert "asian" not in repr(raw) and raw["by_role"] == "child"  # sealed with her key
    assert await server.services.equality.answers(amira.id) == {"ethnicity": "asian", "religion": PREFER_NOT_TO_SAY}
    entry = await server.store.audit.find_one({"action": "equality.answered", "subject": amira.id})
    assert entry["ids"] == {"questions": 2}  # how many, never what

    # Her advocate records a change she agreed to; the export shows it in her words.
    status, answer = await api(server, ada, "PUT", path, json={"answers": {"ethnicity": "mixed"},
                                                              "child_agreed": True})
    assert status == 200
    status, answer = await api(server, ada, "GET", f"/api/children/{amira.id}/export")
    [row] = answer["export"]["more"]["What you told us about yourself for our equality checks"]
    assert (row["question"], row["your_answer"], row["who"]) == (
        "What is your ethnic group?", "Mixed or more than one ethnic group", "your advocate, with your agreement")

    status, answer = await api(server, amira, "DELETE", path)
    assert status == 200 and await server.services.equality.answers(amira.id) == {}
    status, answer = await api(server, amira, "PUT", path, json={"answers": EVERYTHING})
    assert status == 200 and answer["answers"] == EVERYTHING, answer
    await erase_child(server.store, server.clock, amira.id)
    assert await server.store.equality.count_documents({"_id": amira.id}) == 0


async def test_nothing_about_a_group_changes_how_a_child_is_treated(world):
    await make_pairable(world)
    server, mo = world.server, world.manager
    twins = []
    for name in ("Dee", "Eve"):
        status, body = await api(server, mo, "POST", "/api/children", json={
            "name": name, "la": LEEDS, "languages": ["en"], "birth_date": birthday(server, 16)})
        assert status == 201, body
        twins.append(body["child"])
    await server.services.equality.record(twins[0], EVERYTHING, {"id": twins[0], "role": "child"})
    records = await children_records(server.store, twins)
    for record in records:
        assert not {"equality", *EVERYTHING} & set(record), record  # the solver is never given an answer
    pairing = server.services.pairing
    first, second = [await pairing.best_for({**r, "current": None, "previous": []}) for r in records]
    assert first == second  # the same advocate at the same cost, answers or not


async def test_the_sexuality_question_is_asked_only_of_a_child_known_to_be_16_or_over(world):
    """As the 2021 Census asks it (config/equality.toml's min_age): not of a 15-year-old, nor of a child
    whose date of birth is not known, on their page or through the API, by them or their advocate."""
    server, (amira, billy, cara), ada, ben = world.server, world.children, *world.advocates
    await give_birth_date(server, amira.id, birthday(server, 16))  # sixteen today
    await give_birth_date(server, cara.id, birthday(server, 16, days_later=1))  # sixteen tomorrow
    # billy's date of birth is not known
    for child, asked in ((amira, True), (billy, False), (cara, False)):
        async with server.http() as http:
            await http.post("/api/session/child", json=child_sign_in(child))
            page = await (await http.get("/child/about-you")).text()
            assert 'id="question-ethnicity"' in page
            assert ('id="question-sexuality"' in page) is asked, child.name
            if not asked:  # a form sent anyway is refused, nothing kept
                resp = await http.post("/child/about-you", data={"ethnicity": "white", "sexuality": "straight"},
                                       headers={"Origin": server.url})
                assert resp.status == 400, child.name
                assert await server.store.equality.count_documents({"_id": child.id}) == 0
        path = f"/api/children/{child.id}/equality"
        status, answer = await api(server, child, "PUT", path, json={"answers": {
            "ethnicity": "white", "sexuality": "not_sure"}})
        if asked:
            assert status == 200 and answer["answers"] == {"ethnicity": "white", "sexuality": "not_sure"}, answer
            continue
        assert status == 400 and answer["error"]["code"] == "bad_request", answer
        assert "16 or over" in answer["error"]["message"] and "Nothing was changed" in answer["error"]["message"]
        advocate = ben if child is cara else ada
        status, answer = await api(server, advocate, "PUT", path, json={
            "answers": {"sexuality": "straight"}, "child_agreed": True})
        assert status == 400 and "16 or over" in answer["error"]["message"], answer
        assert await server.store.equality.count_documents({"_id": child.id}) == 0
        # The other questions are theirs to answer, with that one left empty.
        status, answer = await api(server, child, "PUT", path, json={"answers": {"ethnicity": "white",
                                                                                  "sexuality": ""}})
        assert status == 200 and answer["answers"] == {"ethnicity": "white"}, answer
    assert await server.services.equality.answers(amira.id) == {"ethnicity": "white", "sexuality": "not_sure"}


def test_no_pairing_module_names_equality_monitoring():
    """Besides the import-linter contract (no import of advocacy.equality), no pairing module names it or
    its collection."""
    modules = list((pathlib.Path(__file__).parents[2] / "advocacy" / "pairing").glob("*.py"))
    assert len(modules) > 5
    for module in modules:
        assert "equality" not in module.read_text(), module


async def test_the_figures_count_groups_together_and_never_show_a_small_number(world):
    server = world.server
    children = []
    for i in range(9):
        doc, _ = await create_child(server.store, server.clock, name=f"Child {i}", la=LEEDS)
        children.append(doc["_id"])
        answers = {"ethnicity": "white" if i < 7 else "asian", "disability": "no"}
        await server.services.equality.record(doc["_id"], answers, {"id": doc["_id"], "role": "child"})
    tables = {t["question"]: {r["answer"]: r for r in t["rows"]} for t in await server.services.equality.figures()}
    small = server.services.figures.small
    for table in tables.values():
        for row in table.values():
            for measure in ("answered", "paired", "opted_out", "happy", "not_happy"):
                value = row[measure]
                assert not isinstance(value, int) or value >= small, (row, measure)
    assert tables["ethnicity"]["all"]["answered"] == tables["disability"]["all"]["answered"] == 9
    assert tables["ethnicity"]["asian"]["answered"] == f"fewer than {small}"
    # Shown, 7 would give the 2 away (9 - 7), and 9 "no" the zeros of the other answers.
    assert tables["ethnicity"]["white"]["answered"] == tables["disability"]["no"]["answered"] == "hidden"
