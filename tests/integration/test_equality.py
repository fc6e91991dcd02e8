"""Equality monitoring the child controls: optional answers, sealed, in the export, erased with the child,
counted only together with small numbers hidden, and never read by pairing."""

from __future__ import annotations

import pathlib

from advocacy.auth.accounts import create_child
from advocacy.equality.rules import PREFER_NOT_TO_SAY, load_questions
from advocacy.pairing.roster import children_records
from advocacy.privacy.erasure import erase_child
from tests.support import LEEDS, api, make_pairable

EVERYTHING = {"ethnicity": "black", "disability": "yes", "religion": "muslim", "sexuality": "bisexual",
              "nationality": "other"}


async def test_every_question_offers_prefer_not_to_say_last():
    for question in load_questions():
        assert question.keys[-1] == PREFER_NOT_TO_SAY, question.key


async def test_a_child_answers_changes_and_deletes_and_the_answers_are_sealed_exported_and_erased(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
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
    await api(server, amira, "PUT", path, json={"answers": EVERYTHING})
    await erase_child(server.store, server.clock, amira.id)
    assert await server.store.equality.count_documents({"_id": amira.id}) == 0


async def test_nothing_about_a_group_changes_how_a_child_is_treated(world):
    await make_pairable(world)
    server, mo = world.server, world.manager
    twins = []
    for name in ("Dee", "Eve"):
        status, body = await api(server, mo, "POST", "/api/children", json={"name": name, "la": LEEDS,
                                                                             "languages": ["en"]})
        assert status == 201, body
        twins.append(body["child"])
    await server.services.equality.record(twins[0], EVERYTHING, {"id": twins[0], "role": "child"})
    records = await children_records(server.store, twins)
    for record in records:
        assert not {"equality", *EVERYTHING} & set(record), record  # the solver is never given an answer
    pairing = server.services.pairing
    first, second = [await pairing.best_for({**r, "current": None, "previous": []}) for r in records]
    assert first == second  # the same advocate at the same cost, answers or not


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
