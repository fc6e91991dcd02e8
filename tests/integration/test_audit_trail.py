"""What is written to the audit trail as people use the service, and `advocacy audit verify`."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from advocacy import audit
from tests.support import connect, sign_in, start_server

ADVOCACY = str(Path(sys.executable).with_name("advocacy"))
SECRET_WORDS = "please do not tell anyone about this"


async def entries(server, **query):
    return await server.store.audit.find(query).sort("_id", 1).to_list(None)


async def test_staff_reading_a_childs_conversation_is_audited_and_a_child_reading_their_own_is_not(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    conv = world.conversation_of(amira)
    # The advocate is online: words like these are flagged for them, with no automatic reply to the child.
    advocate = await connect(server, ada)
    child = await connect(server, amira)
    await child.send(conv, SECRET_WORDS)
    await child.call("history", {"conversation": conv})
    await child.call("conversations")
    assert await entries(server, action={"$in": ["chat.history", "chat.conversations"]}) == []

    await advocate.call("conversations")
    await advocate.call("history", {"conversation": conv, "limit": 10})
    refused = await (await connect(server, world.advocates[1])).call("history", {"conversation": conv})
    assert refused["ok"] is False

    read = await entries(server, action={"$in": ["chat.history", "chat.conversations"]})
    assert [(e["actor"], e["role"], e["action"], e["subject"], e["ids"]) for e in read] == [
        (ada.id, "advocate", "chat.conversations", None, {"children": 2}),
        (ada.id, "advocate", "chat.history", amira.id, {"conversation": conv, "messages": 1}),
    ]
    assert SECRET_WORDS not in repr(await entries(server))


async def test_actions_on_a_childs_sign_in_and_every_change_of_advocate_are_audited(world):
    server, amira, ada, ben = world.server, world.children[0], world.advocates[0], world.advocates[1]
    token = await sign_in(server, ada)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        for path in ("reset-pin", "access-code", "sessions/revoke"):
            assert (await http.post(f"/api/children/{amira.id}/{path}")).status == 200
    await server.services.pairing_changes.pair(amira.id, ben.id, "asked for someone else")
    await server.services.pairing_changes.pair(amira.id, None, "opted out")

    recorded = [(e["action"], e["subject"], e["actor"], e["ids"]) for e in await entries(server, subject=amira.id)]
    assert recorded == [
        ("child.reset_pin", amira.id, ada.id, {"revoked": 0}),
        ("child.new_access_code", amira.id, ada.id, {"revoked": 0}),
        ("child.revoke_sessions", amira.id, ada.id, {"revoked": 0}),
        ("pairing.change", amira.id, "service",
         {"advocate": ben.id, "previous": ada.id, "why": "asked for someone else",
          "pairing": recorded[3][3]["pairing"]}),
        ("pairing.change", amira.id, "service", {"advocate": None, "previous": ben.id, "why": "opted out",
                                                 "pairing": None}),
    ]
    assert recorded[3][3]["pairing"].startswith("pa_")
    checked, broken = await audit.verify(server.store)
    assert broken is None and checked == len(await entries(server))


async def run_verify(server, *args: str) -> tuple[int, str]:
    env = {**os.environ, "ADVOCACY_MONGODB_URI": server.settings.mongodb_uri,
           "ADVOCACY_DATABASE_NAME": server.settings.database_name,
           "ADVOCACY_MASTER_KEY": server.settings.master_key,
           "ADVOCACY_AUDIT_ANCHOR_FILE": server.settings.audit_anchor_file}
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, "audit", "verify", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode()


async def six_entries(server):
    for i in range(6):
        await audit.record(server.store, server.clock, actor=f"st_{i}", role="advocate", action="chat.history",
                           subject="ch_a", conversation=f"cv_{i}")


async def test_audit_verify_reports_the_first_changed_removed_or_reordered_entry_and_a_cut_off_tail(server):
    await six_entries(server)
    code, out = await run_verify(server)
    assert code == 0 and "intact: 6 entries" in out, out
    anchor = out.split("--anchor ")[1].split("`")[0]
    assert anchor.startswith("6:")

    await server.store.audit.delete_one({"_id": 6})  # the newest entry: the chain alone still holds
    code, out = await run_verify(server)
    assert code == 0, out
    code, out = await run_verify(server, "--anchor", anchor)
    assert code == 3 and "BROKEN at entry 6" in out and "cut short" in out, out

    original = await server.store.audit.find_one({"_id": 4})
    await server.store.audit.update_one({"_id": 4}, {"$set": {"actor": "st_someone_else"}})
    code, out = await run_verify(server)
    assert code == 3 and "BROKEN at entry 4" in out and "changed" in out, out
    await server.store.audit.replace_one({"_id": 4}, original)

    second, third = await server.store.audit.find_one({"_id": 2}), await server.store.audit.find_one({"_id": 3})
    for seq, source in ((2, third), (3, second)):  # swapped, each with a freshly computed hash
        moved = {**source, "_id": seq}
        moved["hash"] = audit.entry_hash(moved)
        await server.store.audit.replace_one({"_id": seq}, moved)
    code, out = await run_verify(server)
    assert code == 3 and "BROKEN at entry 2" in out and "reordered" in out, out

    await server.store.audit.delete_one({"_id": 1})
    code, out = await run_verify(server)
    assert code == 3 and "BROKEN at entry 1" in out and "missing" in out, out


async def rechain_without_the_key(server, start: int) -> None:
    """What someone with write access to the database but not the master key can do: recompute the links."""
    prev = (await server.store.audit.find_one({"_id": start - 1}))["hash"] if start > 1 else audit.GENESIS
    async for entry in server.store.audit.find({"_id": {"$gte": start}}).sort("_id", 1):
        entry["prev"] = prev
        entry["hash"] = audit.entry_hash(entry)
        await server.store.audit.replace_one({"_id": entry["_id"]}, entry)
        prev = entry["hash"]


async def test_an_entry_edited_and_the_rest_rechained_or_the_whole_chain_rebuilt_is_caught(server):
    await six_entries(server)
    await server.store.audit.update_one({"_id": 4}, {"$set": {"actor": "st_someone_else"}})
    await rechain_without_the_key(server, 4)
    code, out = await run_verify(server)
    assert code == 3 and "BROKEN at entry 4" in out and "changed" in out, out
    await rechain_without_the_key(server, 1)  # rebuilt from the start
    code, out = await run_verify(server)
    assert code == 3 and "BROKEN at entry 1" in out, out


async def test_the_head_is_anchored_outside_the_database_and_a_cut_tail_is_reported_from_the_anchors(server):
    await six_entries(server)
    await server.services.anchors.write()  # as every audit_anchor_minutes, and at shutdown
    assert [seq for seq, _ in audit.read_anchors(Path(server.settings.audit_anchor_file))][-1:] == [6]
    await six_entries(server)
    code, out = await run_verify(server)
    assert code == 0 and "intact: 12 entries" in out and "Checked against" in out, out

    await server.store.audit.delete_many({"_id": {"$gt": 4}})  # the tail cut: the chain alone still holds
    code, out = await run_verify(server)
    assert code == 3 and "BROKEN at entry 6" in out and "cut short" in out, out


async def test_a_stopping_server_anchors_the_head(database_uri, database_name):
    async with start_server(database_uri, database_name) as server:
        await six_entries(server)
        path = Path(server.settings.audit_anchor_file)
    assert audit.read_anchors(path)[-1][0] == 6


async def test_a_trail_an_older_version_chained_without_a_key_is_rechained_with_the_key_once(server):
    prev = audit.GENESIS
    for seq in range(1, 4):  # as an older version wrote them: plain SHA-256 links
        entry = {"_id": seq, "at": server.clock.now().replace(microsecond=0), "actor": "st_old", "role": "advocate",
                 "action": "chat.history", "subject": "ch_a", "ids": {}, "prev": prev}
        entry["hash"] = prev = audit.entry_hash(entry)
        await server.store.audit.insert_one(entry)
    assert (await audit.verify(server.store))[1] is not None, "unkeyed links do not pass as keyed"
    await server.store.migrations.delete_one({"_id": audit.MIGRATION})
    assert await audit.key_chain_once(server.store) == 3
    assert await audit.key_chain_once(server.store) is None
    assert await audit.verify(server.store) == (3, None)


async def test_each_child_shown_in_a_list_finds_it_in_who_looked_at_my_information(world):
    server, amira, billy, ada = world.server, world.children[0], world.children[1], world.advocates[0]
    await (await connect(server, ada)).call("conversations")
    manager = await sign_in(server, world.manager)
    async with server.http(headers={"Authorization": f"Bearer {manager}"}) as http:
        for path in ("/api/concerns", "/console/team"):
            assert (await http.get(path)).status == 200
    listed = await server.store.audit.find({"action": "chat.conversations", "actor": ada.id}).to_list(None)
    assert listed and all(set(e["subjects"]) == {amira.id, billy.id} for e in listed)
    assert (await audit.verify(server.store))[1] is None, "the subjects are part of the keyed hash"
    for child in (amira, billy):
        export = await server.services.export.export(child.id, by=None, form="command")
        seen = {row["what"] for row in export["who_looked_or_changed_things"]}
        assert "looked at their list of young people" in seen, child.name
    changed = await server.store.audit.find_one({"action": "chat.conversations"})
    await server.store.audit.update_one({"_id": changed["_id"]}, {"$set": {"subjects": [amira.id]}})
    assert (await audit.verify(server.store))[1].seq == changed["_id"], "a child taken off the list is caught"


async def test_reading_a_childs_pairing_history_or_safety_flags_is_audited(world):
    server, amira, ada = world.server, world.children[0], world.advocates[0]
    token = await sign_in(server, ada)
    async with server.http(headers={"Authorization": f"Bearer {token}"}) as http:
        for path in ("pairings", "flags"):
            assert (await http.get(f"/api/children/{amira.id}/{path}")).status == 200
    kid = await sign_in(server, amira)
    async with server.http(headers={"Authorization": f"Bearer {kid}"}) as http:
        assert (await http.get(f"/api/children/{amira.id}/pairings")).status == 200  # her own: not audited
    recorded = [(e["action"], e["actor"]) for e in await server.store.audit.find(
        {"subject": amira.id, "action": {"$in": ["pairing.history", "safeguarding.flags"]}}).to_list(None)]
    assert recorded == [("pairing.history", ada.id), ("safeguarding.flags", ada.id)]
