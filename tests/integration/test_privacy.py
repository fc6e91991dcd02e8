"""Key rotation without downtime, retention and erasure, and a child's data export."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

from advocacy.auth.accounts import create_child
from advocacy.crypto import ERASED_TEXT, Keyring, MasterKeyError, decode_master_key, new_master_key
from advocacy.people import child_names, record_left_care
from tests.support import connect, seed_world, sign_in, start_server

ADVOCACY = str(Path(sys.executable).with_name("advocacy"))


async def run_cli(server, *args: str, **env: str) -> tuple[int, str]:
    environment = {**os.environ, "ADVOCACY_MONGODB_URI": server.settings.mongodb_uri,
                   "ADVOCACY_DATABASE_NAME": server.settings.database_name, **env}
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=environment)
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode()


# rotation ---------------------------------------------------------------------


async def test_keys_rotate_rewraps_every_data_key_while_servers_keep_answering(database_uri, database_name):
    old, new = new_master_key(), new_master_key()
    async with start_server(database_uri, database_name, master_key=old) as before:
        world = await seed_world(before)
        amira, ada = world.children[0], world.advocates[0]
        conv = world.conversation_of(amira)
        child = await connect(before, amira)
        assert (await child.send(conv, "sealed under the old key"))["ok"]
        before.store.drop_database = _keep  # type: ignore[method-assign]

    # Servers restarted with the new key, the old one still accepted, chat on while the keys move.
    async with start_server(database_uri, database_name, master_key=new, accepted_master_keys=old) as during:
        during.store.drop_database = _keep  # type: ignore[method-assign]
        child = await connect(during, amira)
        chatting = asyncio.create_task(_chat_all_along(child, conv))
        code, out = await run_cli(during, "keys", "rotate", ADVOCACY_MASTER_KEY=new, ADVOCACY_ACCEPTED_MASTER_KEYS=old)
        sent = await chatting
        assert code == 0 and "Every data key is now wrapped by the new master key" in out, out
        during.services.keyring._cache.clear()
        history = await (await connect(during, ada)).call("history", {"conversation": conv})
        assert [m["text"] for m in history["messages"]] == ["sealed under the old key", *sent]

    async with start_server(database_uri, database_name, master_key=new) as after:
        advocate = await connect(after, ada)
        history = await advocate.call("history", {"conversation": conv})
        assert [m["text"] for m in history["messages"]] == ["sealed under the old key", *sent]
        assert await child_names(after.store, [amira.id]) == {amira.id: "Amira"}
        code, out = await run_cli(after, "keys", "status", ADVOCACY_MASTER_KEY=new)
        assert code == 0 and out.count("wraps") == 1, out
        stale = Keyring(after.store, decode_master_key(old, "test"))
        try:
            await stale.unseal(amira.id, (await after.store.children.find_one({"_id": amira.id}))["name_sealed"],
                               "name")
        except MasterKeyError:
            pass
        else:
            raise AssertionError("the old master key still opens a data key after rotation")


async def _chat_all_along(child, conv) -> list[str]:
    sent = []
    for i in range(5):
        ack = await child.send(conv, f"during rotation {i}")
        assert ack["ok"], ack
        sent.append(ack["message"]["text"])
        await asyncio.sleep(0.1)
    return sent


async def _keep() -> None:
    return None


# retention --------------------------------------------------------------------


async def test_retention_erases_a_child_years_after_they_left_care_and_records_only_counts(world):
    server, amira, billy = world.server, world.children[0], world.children[1]
    conv = world.conversation_of(amira)
    child = await connect(server, amira)
    await child.send(conv, "something only I said")
    await server.services.chat.tell_child(amira.id, "a notice", "n:1")
    await record_left_care(server.store, amira.id, server.clock.now())
    years = 6
    job = server.services.retention

    assert await job.run() == {}  # not yet
    server.clock.advance(timedelta(days=365 * years + 2))
    counts = await job.run()

    assert counts["messages"] == 2 and counts["conversations"] == 1 and counts["data_keys"] == 1
    assert counts["pairings"] == 1 and counts["children"] == 1 and counts["sessions"] >= 1
    assert await server.store.messages.count_documents({"conversation": conv}) == 0
    assert await server.store.children.find_one({"_id": amira.id}) == {
        "_id": amira.id, "erased_at": (await server.store.children.find_one({"_id": amira.id}))["erased_at"]}
    assert await child_names(server.store, [amira.id]) == {amira.id: ERASED_TEXT}
    assert await child_names(server.store, [billy.id]) == {billy.id: "Billy"}
    record = await server.store.audit.find_one({"action": "retention.erase"})
    assert record["ids"]["children_erased"] == 1 and record["ids"]["messages"] == 2
    assert "something only I said" not in repr(record)
    assert await job.run() == {}  # nothing twice


async def test_nothing_more_goes_into_an_erased_childs_chat_though_it_was_held_in_memory(world):
    """Erasure is news to every process: what was held of the child's conversation goes with it, so the
    advocate's next message is refused rather than stored under a new key for a child who is gone."""
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(amira)
    advocate = await connect(server, ada)
    assert (await advocate.send(conv, "Hello"))["ok"]
    assert server.services.chat.held.get(conv) is not None  # held: the next send reads nothing of it
    policy = server.services.retention.retention
    await record_left_care(server.store, amira.id,
                           server.clock.now() - timedelta(days=366 * (policy.years_after_leaving_care + 1)))
    assert (await server.services.retention.run())["children"] == 1
    ack = await advocate.call("send", {"conversation": conv, "client_id": "after-erasure", "text": "Still there?"})
    assert ack["ok"] is False and ack["error"]["code"] == "conversation_not_found"
    assert await server.store.messages.count_documents({"conversation": conv}) == 0
    assert await server.store.keys.count_documents({"_id": amira.id}) == 0


async def test_left_care_and_retention_run_commands(world):
    server, cara = world.server, world.children[2]
    code, out = await run_cli(server, "left-care", cara.id, "--on", "2015-01-31")
    assert code == 0 and "31 January 2015" in out, out
    code, out = await run_cli(server, "retention", "run", ADVOCACY_MASTER_KEY=server.settings.master_key)
    assert code == 0 and "1 children" in out and "1 data_keys" in out, out
    assert (await server.store.children.find_one({"_id": cara.id}))["erased_at"]
    code, out = await run_cli(server, "left-care", "ch_nobody")
    assert code == 1 and "no child" in out


async def test_without_a_leaving_care_date_retention_counts_from_the_date_of_birth_for_children_nobody_works_with(
        world):
    server, amira = world.server, world.children[0]
    policy = server.services.retention.retention
    today = server.clock.now().date()
    long_ago = today.replace(year=today.year - policy.leaving_care_age - policy.years_after_leaving_care - 1)
    recent = today.replace(year=today.year - policy.leaving_care_age - policy.years_after_leaving_care + 1)
    made = {}
    for name, born in [("Old", long_ago), ("Young", recent), ("Unknown", None), ("Told", long_ago)]:
        doc, _ = await create_child(server.store, server.clock, name=name, la="E08000035",
                                    **({"birth_date": born.isoformat()} if born else {}))
        made[name] = doc["_id"]
    await record_left_care(server.store, made["Told"], server.clock.now() - timedelta(days=30))
    await server.store.children.update_one({"_id": amira.id}, {"$set": {"birth_date": long_ago.isoformat()}})

    counts = await server.services.retention.run()

    assert counts["children"] == 1
    erased = {name for name, i in made.items() if (await server.store.children.find_one({"_id": i})).get("erased_at")}
    assert erased == {"Old"}
    assert (await server.store.children.find_one({"_id": amira.id})).get("erased_at") is None  # she has an advocate


async def test_retention_erases_old_sessions_and_sign_in_records_but_keeps_recent_ones(world):
    server = world.server
    await sign_in(server, world.children[2])
    await server.store.sign_in_attempts.insert_one({"_id": "x", "failures": 1, "last_attempt_at": server.clock.now()})
    server.clock.advance(timedelta(days=91 + server.settings.child_session_days))
    recent = await sign_in(server, world.children[2])
    counts = await server.services.retention.run()
    assert counts == {"sessions": 1, "sign_in_attempts": 1}
    async with server.http(headers={"Authorization": f"Bearer {recent}"}) as http:
        assert (await http.get("/api/session")).status == 200


# export -----------------------------------------------------------------------

HOSTILE = "<script>alert('x')</script> & \"quotes\""


async def test_staff_export_everything_held_about_a_child_as_json_and_a_readable_page(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(amira)
    child = await connect(server, amira)
    await child.send(conv, "I want to live with my nan")
    await child.send(conv, HOSTILE)
    token = await sign_in(server, ada)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        resp = await http.get(f"/api/children/{amira.id}/export")
        assert resp.status == 200
        data = (await resp.json())["export"]
        page = await http.get(f"/api/children/{amira.id}/export.html")
        html = await page.text()
        assert page.headers["Content-Disposition"] == f'attachment; filename="{amira.id}.html"'
    assert data["about_you"]["name"] == "Amira" and data["about_you"]["advocate"] == "Ada Advocate"
    assert [m["text"] for m in data["conversations"][0]["messages"]] == ["I want to live with my nan", HOSTILE]
    assert [a["advocate"] for a in data["advocates"]] == ["Ada Advocate"]
    assert {"signed in"} <= {e["what"] for e in data["who_looked_or_changed_things"]}
    assert "I want to live with my nan" in html and "Amira" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    exports = await server.store.audit.find({"action": "child.export"}).to_list(None)
    assert [(e["actor"], e["subject"], e["ids"]["form"]) for e in exports] == [(ada.id, amira.id, "json"),
                                                                               (ada.id, amira.id, "html")]


async def test_export_is_refused_to_anyone_but_the_childs_own_adults(world):
    server, amira = world.server, world.children[0]
    for person, status in [(world.advocates[1], 404), (world.other_manager, 404), (world.children[0], 403)]:
        token = await sign_in(server, person)
        async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
            assert (await http.get(f"/api/children/{amira.id}/export")).status == status, person.name
    assert await server.store.audit.count_documents({"action": "child.export"}) == 0


async def test_export_child_command_writes_json_and_html_readable_only_by_the_operator(world, tmp_path):
    server, amira = world.server, world.children[0]
    await (await connect(server, amira)).send(world.conversation_of(amira), "for the record")
    code, out = await run_cli(server, "export-child", amira.id, "--out", str(tmp_path),
                              ADVOCACY_MASTER_KEY=server.settings.master_key)
    assert code == 0, out
    data = json.loads((tmp_path / f"{amira.id}.json").read_text())
    assert data["about_you"]["name"] == "Amira"
    assert data["conversations"][0]["messages"][0]["text"] == "for the record"
    assert "for the record" in (tmp_path / f"{amira.id}.html").read_text()
    assert (tmp_path / f"{amira.id}.json").stat().st_mode & 0o077 == 0
    code, out = await run_cli(server, "export-child", "ch_nobody", "--out", str(tmp_path),
                              ADVOCACY_MASTER_KEY=server.settings.master_key)
    assert code == 1 and "no child" in out
