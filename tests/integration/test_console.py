"""Live console updates on /console: stored notifications pushed to the right person only."""

from __future__ import annotations

from datetime import timedelta

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


async def test_alerts_come_grouped_in_one_answer_and_a_group_is_cleared_for_its_addressee_only(world):
    server, advocate, other = world.server, world.advocates[0], world.advocates[1]
    amira, cara = world.children[0], world.children[2]  # Cara is Ben's child, not Ada's
    notifier = server.services.notifier
    for concern in ("co_1", "co_2", "co_3"):
        await notifier.tell([advocate.id, other.id], "concern.raised", child=amira.id, concern=concern)
    server.clock.advance(timedelta(minutes=1))
    await notifier.tell([advocate.id], "concern.raised", child=cara.id, concern="co_4")
    await notifier.tell([advocate.id], "safeguarding.flagged", child=amira.id, urgent=True, concern="co_5")
    mine, theirs = await connect(server, advocate, "/console"), await connect(server, other, "/console")

    alerts = await mine.call("alerts")
    assert alerts["total"] == 5
    assert [(g["kind"], g["child"], g["child_name"], g["count"], g["urgent"]) for g in alerts["groups"]] == [
        ("safeguarding.flagged", amira.id, amira.name, 1, True),
        ("concern.raised", cara.id, None, 1, False),  # told about her, but not Ada's to name
        ("concern.raised", amira.id, amira.name, 3, False),
    ]
    group = {"child": amira.id, "kind": "concern.raised"}
    assert (await mine.call("seen_groups", {"groups": [group]}))["seen"] == 3
    assert (await mine.call("alerts"))["total"] == 2
    assert (await theirs.call("alerts"))["total"] == 3  # Ben's copies stay his

    assert (await mine.call("seen_groups", {"all": True, "kinds": ["concern.raised"]}))["seen"] == 1
    assert [g["kind"] for g in (await mine.call("alerts"))["groups"]] == ["safeguarding.flagged"]
    assert (await mine.call("seen_groups", {"all": True}))["seen"] == 1
    assert (await mine.call("alerts"))["groups"] == []


@pytest.mark.parametrize("bad", [None, "x", {}, {"all": "yes"}, {"all": True, "kinds": []}, {"groups": []},
                                 {"groups": [{"child": 1, "kind": "concern.raised"}]}, {"groups": [{"child": "c"}]},
                                 {"groups": [{"kind": "k"}] * 101}])
async def test_clearing_alerts_with_bad_input_is_refused_and_changes_nothing(world, bad):
    await world.server.services.notifier.tell([world.advocates[0].id], "concern.raised", concern="co_1")
    console = await connect(world.server, world.advocates[0], "/console")
    ack = await console.call("seen_groups", bad)
    assert ack["ok"] is False and ack["error"]["code"] == "bad_request"
    assert (await console.call("alerts"))["total"] == 1
