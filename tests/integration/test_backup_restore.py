"""`advocacy backup` and `advocacy restore` as an operator runs them: real processes, real databases."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest

from advocacy.chat.service import message_purpose
from advocacy.crypto import Keyring, MasterKeyError, decode_master_key, new_master_key
from advocacy.store import Store
from tests.integration.processes import ADVOCACY
from tests.support import connect

WORDS = ["I want to change school", "Can you come to my review meeting?"]


async def advocacy(server, database_name: str, *args: str) -> tuple[int, str]:
    settings = server.settings
    env = {**os.environ, "ADVOCACY_MONGODB_URI": settings.mongodb_uri, "ADVOCACY_DATABASE_NAME": database_name,
           "ADVOCACY_MASTER_KEY": settings.master_key}
    process = await asyncio.create_subprocess_exec(
        ADVOCACY, *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=env)
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode()


async def test_a_backup_restored_into_a_fresh_database_reads_with_the_key_and_not_without(world, tmp_path):
    server, child = world.server, world.children[0]
    chat = await connect(server, child)
    for text in WORDS:
        assert (await chat.send(world.conversation_of(child), text))["ok"]

    folder = tmp_path / "backup"
    code, printed = await advocacy(server, server.settings.database_name, "backup", "--out", str(folder))
    assert code == 0, printed
    everything = b"".join(p.read_bytes() for p in folder.iterdir())
    assert server.settings.master_key.encode() not in everything
    assert decode_master_key(server.settings.master_key, "test") not in everything
    assert not any(text.encode() in everything for text in WORDS), "a backup must hold messages sealed"
    assert all(oct(p.stat().st_mode)[-3:] == "600" for p in folder.iterdir())

    fresh = f"restored_{uuid.uuid4().hex[:8]}"
    code, printed = await advocacy(server, fresh, "restore", str(folder))
    assert code == 0, printed
    restored = await Store.connect(server.settings.mongodb_uri, fresh, 10)
    try:
        for name in await server.store.collection_names():
            assert await restored.collection(name).count_documents({}) == \
                await server.store.collection(name).count_documents({}), name
        messages = await restored.messages.find(
            {"conversation": world.conversation_of(child), "sender.role": "child"}).sort("_id", 1).to_list(None)
        right = Keyring(restored, decode_master_key(server.settings.master_key, "test"))
        assert [await right.unseal(child.id, m["text"], message_purpose(m["_id"])) for m in messages] == WORDS
        wrong = Keyring(restored, decode_master_key(new_master_key(), "test"))
        for message in messages:
            with pytest.raises(MasterKeyError):
                await wrong.unseal(child.id, message["text"], message_purpose(message["_id"]))

        # A second restore into a database that now holds data is refused and adds nothing.
        before = await restored.messages.count_documents({})
        code, printed = await advocacy(server, fresh, "restore", str(folder))
        assert code == 2 and "not empty" in printed and "Nothing was restored" in printed
        assert await restored.messages.count_documents({}) == before
    finally:
        await restored.drop_database()
        await restored.close()


async def test_a_backup_into_a_folder_in_use_or_a_broken_backup_is_refused(world, tmp_path):
    server = world.server
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "notes.txt").write_text("mine")
    code, printed = await advocacy(server, server.settings.database_name, "backup", "--out", str(tmp_path / "used"))
    assert code == 2 and "not empty" in printed

    folder = tmp_path / "backup"
    code, printed = await advocacy(server, server.settings.database_name, "backup", "--out", str(folder))
    assert code == 0, printed
    lines = (folder / "staff.jsonl").read_text().splitlines()
    (folder / "staff.jsonl").write_text("\n".join(lines[:-1]) + "\n")
    fresh = f"restored_{uuid.uuid4().hex[:8]}"
    code, printed = await advocacy(server, fresh, "restore", str(folder))
    assert code == 2 and "staff.jsonl" in printed and "Nothing was restored" in printed
    restored = await Store.connect(server.settings.mongodb_uri, fresh, 10)
    try:
        assert await restored.collection_names() == []
    finally:
        await restored.drop_database()
        await restored.close()
