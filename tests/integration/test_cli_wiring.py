"""The command line must do what the server does: `advocacy export-child` gives what the API export
gives, and `advocacy pairing apply` moves a child's open concerns with them, as the server's
pairing changes do.

Each test runs the real command as an operator would (a separate process on the test server's
database, with its URI, database name and master key) and compares with what the running server
and its API show.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.support import LEEDS, LONDON, Server, add_advocate, api, connect, make_pairable

ROOT = Path(__file__).resolve().parents[2]  # the checkout these tests are in: its code is what runs


# Server internals ----------------------------------------------------------------------------
# The only two places these tests reach inside the running server (its services).


async def quiet_sweeper(server: Server) -> Callable[[], Awaitable[Any]]:
    """Stop the server's own background sweeper; return a function running one sweep of the
    escalation sweeper (on the server's store, clock and ladder), so the test decides when."""
    await server.services.sweeper_job.stop()
    return server.services.sweeper.sweep


async def checks_finished(server: Server) -> None:
    """Wait for the safeguarding checks of the messages sent so far (they run as tasks)."""
    await server.services.safeguarding.drain()


# the command line ------------------------------------------------------------------------------


async def advocacy(server: Server, data_dir: Path, *args: str) -> tuple[int, str, str]:
    """`advocacy ARGS` as a separate process on the test server's database (this checkout's code)."""
    settings = server.settings
    env = {**os.environ, "ADVOCACY_MONGODB_URI": settings.mongodb_uri,
           "ADVOCACY_DATABASE_NAME": settings.database_name, "ADVOCACY_MASTER_KEY": settings.master_key,
           "ADVOCACY_DATA_DIR": str(data_dir),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "advocacy", *args, cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()


# export-child ------------------------------------------------------------------------------------

WORRY_WORDS = "My social worker keeps cancelling our visits and nobody tells me when the next one is."
WORRY_WANTS = "To know the dates of my visits."
NOTE = "Emailed the social worker about the visit dates."
DISCLOSED = "What Amira said about the visit on Saturday."
EXPORTED_BY_THE_COMMAND = "made a copy of everything we hold about you"


async def test_export_child_gives_exactly_what_the_api_export_gives(world, tmp_path):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    conversation = world.conversation_of(amira)

    # One record of every kind the export shows. Messages both ways, and the advocate reads them.
    child_chat, advocate_chat = await connect(server, amira), await connect(server, ada)
    assert (await child_chat.send(conversation, "Can we talk about my visits on Friday?"))["ok"]
    assert (await advocate_chat.send(conversation, "Yes, I will ring you after school."))["ok"]
    assert (await advocate_chat.call("history", {"conversation": conversation}))["messages"]
    # A worry Amira raises herself, which her advocate reads.
    status, body = await api(server, amira, "POST", "/api/concerns", json={
        "child": amira.id, "category": "contact", "child_words": WORRY_WORDS, "child_wants": WORRY_WANTS})
    assert status == 201, body
    worry = body["concern"]["id"]
    assert (await api(server, ada, "GET", f"/api/concerns/{worry}"))[0] == 200
    # A concern her advocate logs, with a note, escalated by hand with a reason, then resolved.
    status, body = await api(server, ada, "POST", "/api/concerns", json={
        "child": amira.id, "category": "education", "severity": "standard",
        "child_words": "School moved me to another class without asking.", "child_wants": "To be asked first."})
    assert status == 201, body
    logged = body["concern"]["id"]
    status, body = await api(server, ada, "POST", f"/api/concerns/{logged}/actions",
                             json={"kind": "note", "note": NOTE})
    assert status == 201, body
    status, body = await api(server, ada, "POST", f"/api/concerns/{logged}/escalate",
                             json={"level": "manager", "reason": "The school has not answered in a week."})
    assert status == 200, body
    status, body = await api(server, ada, "POST", f"/api/concerns/{logged}/resolve",
                             json={"outcome": "The school agreed to ask her first.", "child_happy": True})
    assert status == 200, body
    # A safeguarding disclosure about her, and the advocate looking at the disclosures.
    status, body = await api(server, ada, "POST", f"/api/children/{amira.id}/disclosures", json={
        "concern": logged, "with": "police", "what": DISCLOSED, "why": "Risk of harm that evening.",
        "child_told": True})
    assert status == 201, body
    assert (await api(server, ada, "GET", f"/api/children/{amira.id}/disclosures"))[0] == 200
    await checks_finished(server)

    # The operator's export first, then the API's: the API's lists the command's audit entry.
    out = tmp_path / "export"
    code, _, err = await advocacy(server, tmp_path, "export-child", amira.id, "--out", str(out))
    assert code == 0, err
    command = json.loads((out / f"{amira.id}.json").read_text(encoding="utf-8"))
    page = html.unescape((out / f"{amira.id}.html").read_text(encoding="utf-8"))
    status, body = await api(server, ada, "GET", f"/api/children/{amira.id}/export")
    assert status == 200, body
    from_api = body["export"]

    # What already works: the API export holds every record made above.
    assert [m["text"] for c in from_api["conversations"] for m in c["messages"] if m["role"] != "service"] == [
        "Can we talk about my visits on Friday?", "Yes, I will ring you after school."]
    api_worries = from_api["more"]["Your worries"]
    assert api_worries[0]["your_words"] == WORRY_WORDS and len(api_worries) == 2
    assert NOTE in [e["note"] for e in api_worries[1]["what_happened"]]
    assert [d["what"] for d in from_api["more"]["Times we told someone outside the service about you"]] == [DISCLOSED]
    assert "read your worry" in [e["what"] for e in from_api["who_looked_or_changed_things"]]
    assert from_api["staff_told"] and from_api["sign_ins"] and from_api["advocates"]

    # The bug: the command leaves out the sections only the server's wiring registers.
    command_worries = [w.get("your_words") for w in command["more"].get("Your worries", [])]
    assert WORRY_WORDS in command_worries, (
        "`advocacy export-child` left out the child's worries, which the API export includes "
        f"(the command's extra sections: {sorted(command['more'])}; the API's: {sorted(from_api['more'])})")
    told = [d.get("what") for d in command["more"].get("Times we told someone outside the service about you", [])]
    assert DISCLOSED in told, ("`advocacy export-child` left out the safeguarding disclosures about the child, "
                               "which the API export includes")
    assert WORRY_WORDS in page, "the page `advocacy export-child` writes leaves out the child's worries"

    # Section by section, the same, but for when each was made and the exports' own audit entries.
    exports = await server.store.audit.find(
        {"action": "child.export", "subject": amira.id}).sort("_id", 1).to_list(None)
    assert [e["ids"].get("form") for e in exports] == ["command", "json"]
    by_command = exports[0]
    assert set(command) == set(from_api)
    for section in sorted(set(from_api) - {"exported_at", "more", "who_looked_or_changed_things"}):
        assert command[section] == from_api[section], f"export-child and the API differ in {section!r}"
    assert list(command["more"]) == list(from_api["more"])
    for title in from_api["more"]:
        assert command["more"][title] == from_api["more"][title], f"export-child and the API differ in {title!r}"
    # Each export's own entry is written after it is gathered: the command's lists neither, and the
    # API's (made after the command) lists the command's, last, and not its own.
    *earlier, last = from_api["who_looked_or_changed_things"]
    assert (last["what"], last["role"], last["when"]) == (
        EXPORTED_BY_THE_COMMAND, "admin", by_command["at"].isoformat(timespec="seconds"))
    assert command["who_looked_or_changed_things"] == earlier, \
        "export-child and the API differ in who looked at or changed the child's records"


# pairing apply -----------------------------------------------------------------------------------
# (`advocacy import` shares the command's pairing wiring, but it pairs only the children it has just
# created, who have no concerns yet, and a re-imported "ref" is refused: that it never moves a child
# already known is tests/integration/test_pairing_cli.py::test_import_again_never_moves_a_child_already_known.)


async def test_pairing_apply_moves_the_childs_open_concern_to_the_new_advocate(world, tmp_path):
    await make_pairable(world)
    server, cara, ben, mo, ola = world.server, world.children[2], world.advocates[1], world.manager, world.other_manager
    # Eve works in London like Ben, under a different manager (Mo; Ben's is Ola).
    eve = await add_advocate(server, "eve.advocate", "Eve Advocate", mo, regions=[LONDON], conflicts=[LEEDS])
    names = {p.id: p.name for p in (ben, eve, mo, ola, *world.advocates)}
    sweep = await quiet_sweeper(server)

    status, body = await api(server, cara, "POST", "/api/concerns", json={
        "child": cara.id, "category": "money", "child_words": "My savings account has not been opened yet.",
        "child_wants": "To have my own savings account."})
    assert status == 201, body
    concern = body["concern"]["id"]
    assert (await server.store.concerns.find_one({"_id": concern}))["advocate"] == ben.id
    assert (await api(server, ben, "GET", f"/api/concerns/{concern}"))[0] == 200

    # Ben stops taking children; the real plan command proposes Eve for Cara, and apply makes it so.
    await server.store.staff.update_one({"_id": ben.id}, {"$set": {"available": False}})
    plan_file = tmp_path / "plan.json"
    code, out, err = await advocacy(server, tmp_path, "pairing", "plan", "--max-moves", "3", "--out", str(plan_file))
    assert code == 0, err
    assert [(c["child"], c["from"], c["to"]) for c in json.loads(plan_file.read_text())["changes"]] == [
        (cara.id, ben.id, eve.id)], out
    code, out, err = await advocacy(server, tmp_path, "pairing", "apply", str(plan_file))
    assert code == 0, err
    assert "applied 1 change(s); skipped 0" in out

    # What already works: Cara is Eve's now, and reading her concern follows the child.
    assert (await server.store.children.find_one({"_id": cara.id}))["advocate"] == eve.id
    assert (await api(server, eve, "GET", f"/api/concerns/{concern}"))[0] == 200
    assert (await api(server, ben, "GET", f"/api/concerns/{concern}"))[0] == 404

    # Past the reminder and the manager deadlines (not oversight's): one sweep takes both steps.
    deadlines = (await server.store.concerns.find_one({"_id": concern}))["deadlines"]
    assert deadlines["reminder_at"] < deadlines["manager_by"] < deadlines["oversight_by"] - timedelta(seconds=2)
    server.clock.advance(deadlines["manager_by"] - server.clock.now() + timedelta(seconds=1))
    assert (await sweep()).steps == 2

    async def told(kind: str, **ids: str) -> list[str]:
        query = {"kind": kind, "ids.concern": concern, **{f"ids.{k}": v for k, v in ids.items()}}
        return sorted([names.get(n["to"], n["to"]) async for n in server.store.notifications.find(query)])

    stored = await server.store.concerns.find_one({"_id": concern})
    observed = {
        "the concern's advocate": names.get(stored["advocate"], stored["advocate"]),
        "reminder (concern.due_soon) sent to": await told("concern.due_soon"),
        "manager step (concern.escalated, manager) sent to": await told("concern.escalated", level="manager"),
    }
    assert observed == {
        "the concern's advocate": "Eve Advocate",
        "reminder (concern.due_soon) sent to": ["Eve Advocate"],
        "manager step (concern.escalated, manager) sent to": ["Eve Advocate", "Mo Manager"],
    }, ("`advocacy pairing apply` moved Cara from Ben to Eve but left her open concern with Ben, so its "
        "reminder and escalation went to Ben and his manager Ola instead of Eve and her manager Mo")
