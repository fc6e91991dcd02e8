"""Live console updates on /console: stored notifications pushed to the right person only."""

from __future__ import annotations

import pytest
import socketio

from tests.support import ChatClient, connect, sign_in


async def test_a_notification_is_pushed_to_its_addressee_only_and_kept_until_seen(world):
    server, advocate, other = world.server, world.advocates[0], world.advocates[1]
    mine, theirs = await connect(server, advocate, "/console"), await connect(server, other, "/console")
    notifier = server.services.notifier

    await notifier.tell([advocate.id, advocate.id, None], "child.opted_out", child=world.children[0].id)
    pushed = await mine.next("notification")
    assert pushed["kind"] == "child.opted_out" and pushed["child"] == world.children[0].id and not pushed["seen"]
    assert await mine.nothing("notification")  # told once, though named twice
    assert await theirs.nothing("notification")

    listing = await mine.call("notifications")
    assert [n["id"] for n in listing["notifications"]] == [pushed["id"]]
    assert (await theirs.call("seen", {"ids": [pushed["id"]]}))["seen"] == 0  # not theirs to mark
    assert (await mine.call("seen", {"ids": [pushed["id"]]}))["seen"] == 1
    assert (await mine.call("notifications"))["notifications"] == []
    assert [n["seen"] for n in (await mine.call("notifications", {"all": True}))["notifications"]] == [True]


async def test_notifications_told_while_offline_are_listed_on_connecting(world):
    server, advocate = world.server, world.advocates[0]
    await server.services.notifier.tell([advocate.id], "concern.due_soon", child=world.children[1].id, concern="co_1")
    console = await connect(server, advocate, "/console")
    listing = await console.call("notifications")
    assert [(n["kind"], n["ids"]) for n in listing["notifications"]] == [("concern.due_soon", {"concern": "co_1"})]


@pytest.mark.parametrize("bad", [None, "x", {"ids": []}, {"ids": "no_1"}, {"ids": [1, 2]}, {"ids": ["a"] * 101}])
async def test_marking_seen_with_bad_ids_is_refused_and_the_socket_stays(world, bad):
    console = await connect(world.server, world.advocates[0], "/console")
    ack = await console.call("seen", bad)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    assert (await console.call("notifications"))["ok"] is True


async def test_a_child_cannot_connect_to_the_console(world):
    token = await sign_in(world.server, world.children[0])
    with pytest.raises(socketio.exceptions.ConnectionError):
        await ChatClient(world.server, "/console").connect(token)
