"""Encryption at rest through the running service: the database read directly holds no words or names."""

from __future__ import annotations

from typing import Any

import pytest

from advocacy.auth import codes, passwords
from advocacy.auth.migrate import MIGRATION, key_sign_in_secrets_once
from advocacy.crypto import ERASED_TEXT, Keyring, MasterKeyError, ServiceSecrets, decode_master_key, new_master_key
from advocacy.pairing.roster import children_records, load_roster
from advocacy.people import child_details, child_names
from advocacy.privacy.sealing import seal_children_details, seal_legacy_records, seal_legacy_records_once
from advocacy.store import ObjectId
from tests.support import LEEDS, World, api, connect, make_pairable, sign_in

CHILD_WORDS = "my foster carer took my phone again"
ADVOCATE_WORDS = "I will raise the phone with your social worker"
NOTICE_WORDS = "Your advocate is away until Monday"


async def readable_anywhere(server, needles: list[str]) -> list[str]:
    """Every (collection, needle) where a needle shows in a stored document, bytes included."""
    found = []
    for name in await server.store.db.list_collection_names():
        async for doc in server.store.db[name].find({}):
            shown = repr(doc)
            found += [f"{name}: {needle!r} in {shown[:200]}" for needle in needles if needle in shown]
    return found


async def chat_about_everything(world: World) -> None:
    server, amira = world.server, world.children[0]
    conv = world.conversation_of(amira)
    child, advocate = await connect(server, amira), await connect(server, world.advocates[0])
    assert (await child.send(conv, CHILD_WORDS))["ok"]
    assert (await advocate.send(conv, ADVOCATE_WORDS))["ok"]
    await server.services.chat.tell_child(amira.id, NOTICE_WORDS, "away:test")
    listing = await advocate.call("conversations")
    assert {c["child_name"] for c in listing["conversations"]} == {"Amira", "Billy"}
    history = await advocate.call("history", {"conversation": conv})
    assert [(m["sender"]["name"], m["text"]) for m in history["messages"]] == [
        ("Amira", CHILD_WORDS), ("Ada Advocate", ADVOCATE_WORDS), ("Advocacy service", NOTICE_WORDS)]


async def test_the_database_read_directly_holds_no_message_text_and_no_childrens_names(world):
    await chat_about_everything(world)
    for person in world.children:
        await connect(world.server, person)  # sessions for every child
    names = [c.name for c in world.children]
    assert await readable_anywhere(world.server, [*names, CHILD_WORDS, ADVOCATE_WORDS, NOTICE_WORDS, "foster"]) == []
    # The data keys are stored only wrapped by the master key, which is not in the database.
    assert await readable_anywhere(world.server, [world.server.settings.master_key]) == []


async def test_shredding_a_childs_key_makes_their_words_and_name_unreadable_everywhere(world):
    server, amira, billy = world.server, world.children[0], world.children[1]
    await chat_about_everything(world)
    other_process = Keyring(server.store, decode_master_key(server.settings.master_key, "test"))
    stored = await server.store.messages.find({}).to_list(None)

    assert await server.services.keyring.shred(amira.id)

    advocate = await connect(server, world.advocates[0])
    history = await advocate.call("history", {"conversation": world.conversation_of(amira)})
    assert {m["text"] for m in history["messages"]} == {ERASED_TEXT}
    listing = {c["child"]: c for c in (await advocate.call("conversations"))["conversations"]}
    assert listing[amira.id]["child_name"] == ERASED_TEXT
    assert listing[billy.id]["child_name"] == "Billy"  # other children are untouched
    for doc in stored:
        assert await other_process.unseal_or_erased(amira.id, doc["text"], f"message:{doc['_id']}") == ERASED_TEXT


async def test_sealed_text_moved_to_another_message_does_not_open(world):
    server, amira = world.server, world.children[0]
    conv = world.conversation_of(amira)
    child = await connect(server, amira)
    first = (await child.send(conv, "the first thing I said"))["message"]
    second = (await child.send(conv, "the second thing"))["message"]
    sealed = (await server.store.messages.find_one({"_id": ObjectId(first["id"])}))["text"]
    await server.store.messages.update_one({"_id": ObjectId(second["id"])}, {"$set": {"text": sealed}})
    history = await child.call("history", {"conversation": conv})
    assert [m["text"] for m in history["messages"]] == ["the first thing I said", ERASED_TEXT]


async def test_a_childs_birth_date_and_case_reference_are_sealed_yet_found_shown_and_refused_twice(world):
    await make_pairable(world)
    server = world.server
    details = {"name": "Dana", "la": LEEDS, "birth_date": "2013-05-01", "ref": "LDS-77431",
               "languages": ["en", "Tigrinya"], "gender_preference": "Genderqueer"}
    status, body = await api(server, world.manager, "POST", "/api/children", json=details)
    assert status == 201, body
    assert await readable_anywhere(server, ["2013-05-01", "LDS-77431", "Tigrinya", "enderqueer"]) == []
    record = await server.store.children.find_one({"_id": body["child"]})
    assert record["birth_year"] == 2013 and not {"birth_date", "ref", "languages"} & set(record)
    # pairing reads them opened, in memory
    [solver_record] = await children_records(server.store, [body["child"]])
    assert solver_record["languages"] == ["en", "ti"] and solver_record["prefers"]["gender"] == "genderqueer"
    server.services.keyring._cache.clear()  # the whole roster, as `advocacy pairing plan` reads it
    roster, _ = await load_roster(server.store)
    assert [c for c in roster["children"] if c["id"] == body["child"]] == [solver_record]
    before = await server.store.children.count_documents({})
    status, again = await api(server, world.manager, "POST", "/api/children", json={**details, "name": "Dan"})
    assert status == 400 and "already used" in again["error"]["message"], again
    assert await server.store.children.count_documents({}) == before
    status, export = await api(server, world.manager, "GET", f"/api/children/{body['child']}/export")
    about = export["export"]["about_you"]
    assert status == 200 and about["born"] == "2013-05-01" and about["your_councils_reference"] == "LDS-77431"
    assert about["languages"] == ["English", "Tigrinya"] and about["advocate_you_would_like"] == "genderqueer"
    assert not {"birth_date_sealed", "ref_sealed", "ref_lookup"} & set(about["other_things_on_your_record"])


async def test_birth_dates_and_case_references_stored_readable_by_an_older_version_are_sealed(world):
    server = world.server
    legacy = {"_id": "ch_old", "name_sealed": None, "la": LEEDS, "advocate": None, "birth_date": "2011-02-03",
              "ref": "LDS-1009", "languages": ["Tigrinya"], "prefers": {"advocate": None, "gender": "genderqueer"}}
    await server.store.children.insert_one(legacy)
    assert await seal_children_details(server.store, server.services.keyring) == {"children_details": 1}
    assert await readable_anywhere(server, ["2011-02-03", "LDS-1009", "Tigrinya", "genderqueer"]) == []
    record = await server.store.children.find_one({"_id": "ch_old"})
    assert record["birth_year"] == 2011 and record["prefers"] == {"advocate": None}
    [solver_record] = await children_records(server.store, ["ch_old"])
    assert solver_record["languages"] == ["Tigrinya"] and solver_record["prefers"]["gender"] == "genderqueer"
    assert await child_details(server.store, [record]) == {"ch_old": {"birth_date": "2011-02-03", "ref": "LDS-1009"}}
    assert await seal_children_details(server.store, server.services.keyring) == {"children_details": 0}
    status, body = await api(server, world.manager, "POST", "/api/children",
                             json={"name": "Ola", "la": LEEDS, "ref": "LDS-1009"})
    assert status == 400 and "already used" in body["error"]["message"], body


async def test_records_stored_readable_by_an_older_version_are_sealed_at_start(world):
    server, amira = world.server, world.children[0]
    conv = world.conversation_of(amira)
    legacy: dict[str, Any] = {"_id": "ch_legacy", "name": "Zebedee", "la": "E08000035", "advocate": None}
    await server.store.children.insert_one(legacy)
    message_id = ObjectId()
    await server.store.messages.insert_one({
        "_id": message_id, "conversation": conv, "client_id": "old-1", "text": "written before sealing",
        "sender": {"id": amira.id, "role": "child", "name": "Amira"}, "sent_at": server.clock.now()})
    await server.store.sessions.insert_one({"_id": "se_old", "token_hash": "x", "user": "ch_legacy", "role": "child",
                                            "name": "Zebedee", "expires_at": server.clock.now()})

    counts = await seal_legacy_records(server.store, server.services.keyring)

    assert counts == {"children": 1, "messages": 1, "sessions": 1}
    assert await readable_anywhere(server, ["Zebedee", "written before sealing", "'name': 'Amira'"]) == []
    assert await child_names(server.store, ["ch_legacy"]) == {"ch_legacy": "Zebedee"}
    child = await connect(server, amira)
    history = await child.call("history", {"conversation": conv})
    assert [(m["sender"]["name"], m["text"]) for m in history["messages"]] == [("Amira", "written before sealing")]
    assert await seal_legacy_records(server.store, server.services.keyring) == {"children": 0, "messages": 0,
                                                                                 "sessions": 0}
    # At start it runs until it has once finished: the first server start did, so later ones skip the scan.
    assert await seal_legacy_records_once(server.store, server.services.keyring) is None


async def test_a_key_shredded_by_another_server_stops_opening_here_within_the_cache_time(world):
    server, amira = world.server, world.children[0]
    from advocacy.crypto import CACHE_SECONDS

    elsewhere = Keyring(server.store, decode_master_key(server.settings.master_key, "test"))
    here = server.services.keyring
    assert await child_names(server.store, [amira.id]) == {amira.id: "Amira"}  # cached here now
    await elsewhere.shred(amira.id)
    assert await child_names(server.store, [amira.id]) == {amira.id: "Amira"}  # still cached, for a while
    server.clock.advance(CACHE_SECONDS + 1)
    assert await child_names(server.store, [amira.id]) == {amira.id: ERASED_TEXT}
    assert len(here._cache) <= here._cache_size


async def test_a_copy_of_the_database_gives_no_way_to_find_codes_or_try_pins_offline(world):
    server, amira = world.server, world.children[0]
    await sign_in(server, amira)  # her PIN is chosen
    from_another_key = Keyring(server.store, decode_master_key(new_master_key(), "test"))
    stored = await server.store.children.find_one({"_id": amira.id})
    # The unkeyed hash an attacker could compute for every possible code is nowhere; the lookup needs the key.
    assert await readable_anywhere(server, [codes.access_code_digest(amira.access_code)]) == []
    assert "$argon2" not in repr(await server.store.children.find({}).to_list(None))
    secrets = await server.services.keyring.secrets()
    assert stored["access_code_lookup"] == codes.access_code_lookup(secrets, amira.access_code)
    # The PIN's argon2 hash is sealed under the server's PIN key: without the master key it does not open.
    assert secrets.open_verifier(amira.id, stored["pin_sealed"]).startswith("$argon2id$")
    other = ServiceSecrets(b"\0" * 32, b"\0" * 32, b"\0" * 32)
    assert other.open_verifier(amira.id, stored["pin_sealed"]) is None
    with pytest.raises(MasterKeyError):  # the service's keys are wrapped by the master key like data keys
        await from_another_key.secrets()


async def test_codes_and_pins_stored_by_an_older_version_keep_working_after_the_start_up_migration(world):
    server, amira = world.server, world.children[0]
    old_pin_hash = await passwords.hash_secret("4242")
    await server.store.children.update_one({"_id": amira.id}, {
        "$set": {"access_code_hash": codes.access_code_digest(amira.access_code), "pin_hash": old_pin_hash,
                 "pin_locked_until": None},
        "$unset": {"access_code_lookup": "", "pin_sealed": "", "setup_check": ""}})
    await server.store.migrations.delete_one({"_id": MIGRATION})

    assert await key_sign_in_secrets_once(server.store, server.services.keyring) == {"codes": 1, "pins": 1}
    assert await key_sign_in_secrets_once(server.store, server.services.keyring) is None
    assert await readable_anywhere(server, [codes.access_code_digest(amira.access_code)]) == []
    assert "$argon2" not in repr(await server.store.children.find({}).to_list(None))
    async with server.http() as http:
        resp = await http.post("/api/session/child", json={"access_code": amira.access_code, "pin": "4242"})
        assert resp.status == 200 and (await resp.json())["first_sign_in"] is False
