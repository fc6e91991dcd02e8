"""Helpers for the concerns, escalation, safeguarding and oversight tests: signed-in JSON clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from advocacy.auth.accounts import create_staff
from tests.support import PASSWORD, Person, Server, World, sign_in

__all__ = ["STANDARD_WORRY", "Api", "add_reviewer", "apis"]

STANDARD_WORRY = {
    "category": "contact",
    "severity": "standard",
    "child_words": "I haven't seen my brother for two months and nobody tells me why.",
    "child_wants": "To see my brother every week.",
}


class Api:
    """One person's HTTP client, signed in with a bearer token, speaking JSON."""

    def __init__(self, server: Server, person: Person, token: str) -> None:
        self.server = server
        self.person = person
        self.http = server.http(headers={"Authorization": f"Bearer {token}"})

    async def get(self, path: str, **params: str) -> tuple[int, dict[str, Any]]:
        async with self.http.get(path, params=params) as resp:
            return resp.status, await resp.json()

    async def post(self, path: str, body: Any = None, *, raw: str | None = None) -> tuple[int, dict[str, Any]]:
        if raw is not None:
            request = self.http.post(path, data=raw, headers={"Content-Type": "application/json"})
        else:
            request = self.http.post(path, json=body if body is not None else {})
        async with request as resp:
            return resp.status, await resp.json()

    async def raise_concern(self, child: Person, **changes: Any) -> dict[str, Any]:
        status, body = await self.post("/api/concerns", {"child": child.id, **STANDARD_WORRY, **changes})
        assert status == 201, body
        return body["concern"]

    async def close(self) -> None:
        await self.http.close()


@pytest.fixture
async def apis() -> AsyncIterator[Callable[[Server, Person], Awaitable[Api]]]:
    """``await apis(server, person)``: a signed-in client, closed after the test."""
    made: list[Api] = []

    async def make(server: Server, person: Person) -> Api:
        api = Api(server, person, await sign_in(server, person))
        made.append(api)
        return api

    yield make
    for api in made:
        await api.close()


async def add_reviewer(world: World, username: str = "rae.reviewer") -> Person:
    doc = await create_staff(world.server.store, world.server.clock, username=username, password=PASSWORD,
                             name="Rae Reviewer", role="reviewer")
    return Person(doc["_id"], "Rae Reviewer", "reviewer", username=username, password=PASSWORD)


# for the permission table (tests/integration/test_permissions.py): records in the state a route needs ---------

async def _as(server: Server, user_id: str, role: str):
    from datetime import timedelta

    _, principal = await server.services.auth.open_session(user_id, role, timedelta(hours=1))
    return principal


async def _target(scene) -> tuple[Server, dict, object]:
    server = scene.world.server
    child = await server.store.children.find_one({"_id": scene.world.children[0].id})
    return server, child, await _as(server, scene.world.advocates[0].id, "advocate")


async def open_concern(scene) -> dict[str, str]:
    server, child, advocate = await _target(scene)
    doc = await server.services.concern_records.insert(child, category="contact", severity="standard",
                                                       child_words="words", child_wants="wants", source="staff",
                                                       by=advocate)
    return {"concern": doc["_id"]}


async def resolved_concern(scene) -> dict[str, str]:
    values = await open_concern(scene)
    server, _, advocate = await _target(scene)
    await server.services.concerns.resolve(advocate, values["concern"], {"outcome": "Sorted.", "child_happy": True})
    return values


async def draft_concern(scene) -> dict[str, str]:
    server, child, _ = await _target(scene)
    doc = await server.services.concern_records.insert(
        child, category="feeling_safe", severity="urgent", child_words="words", child_wants="", source="safeguarding",
        by=None, status="draft", extra={"safeguarding": {"messages": [], "matches": [], "decision": None}})
    return {"concern": doc["_id"]}


async def _reviewer(server: Server):
    doc = await server.store.staff.find_one({"username": "rae.reviewer"})
    return await _as(server, doc["_id"], "reviewer")


async def new_item(scene) -> dict[str, str]:
    values = await open_concern(scene)
    server, _, advocate = await _target(scene)
    doc = await server.services.ladder.escalate_by_hand(advocate, values["concern"],
                                                        {"level": "oversight", "reason": "Late."})
    return {"item": doc["oversight"]["item"], **values}


async def claimed_item(scene) -> dict[str, str]:
    values = await new_item(scene)
    server = scene.world.server
    await server.services.oversight.claim(await _reviewer(server), values["item"])
    return values


async def awaiting_item(scene) -> dict[str, str]:
    values = await claimed_item(scene)
    server = scene.world.server
    await server.services.oversight.request_update(await _reviewer(server), values["item"],
                                                   {"from": "la", "text": "Why?"})
    return values


async def new_complaint(scene) -> dict[str, str]:
    """A fresh complaint of the target child about their advocate (so it goes to world.manager)."""
    server = scene.world.server
    child = await _as(server, scene.world.children[0].id, "child")
    doc = await server.services.complaints.make(child, {"about": "advocate", "words": "words"})
    return {"complaint": doc["_id"]}


async def new_correction(scene) -> dict[str, str]:
    """A fresh request of the target child to put their name right (so it goes to world.manager)."""
    server = scene.world.server
    child = await _as(server, scene.world.children[0].id, "child")
    doc = await server.services.corrections.ask(child, {"kind": "name", "should_say": "Amira Q."})
    return {"correction": doc["_id"]}


async def new_feedback(scene) -> dict[str, str]:
    """A fresh question to the target child about a resolved worry (a worry id of its own each time)."""
    from advocacy.feedback.rules import ask_id

    child, concern = scene.world.children[0].id, scene.fresh_id()
    await scene.world.server.services.feedback.ask(child, "worry_resolved", concern=concern)
    return {"feedback": ask_id(child, "worry_resolved", concern)}
