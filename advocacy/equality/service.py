"""Equality monitoring the child controls: their answers, sealed with their own key, and the figures by group.

A child answers on their own page, or staff record answers for them only with
their agreement (``child_agreed``: the API refuses without it). A child may
change or delete their answers at any time. One record per child in
``equality`` (``_id``: the child): the answers sealed together, when and by
whom (a role) they were given. No query selects a child by an answer: the
figures open every record in memory and count, with small numbers hidden
(``rules.figures``). Pairing never reads this (pyproject.toml's contract).
"""

from __future__ import annotations

import json
from typing import Any

from advocacy import audit, workdays
from advocacy.clock import Clock
from advocacy.crypto import ERASED_TEXT, Keyring
from advocacy.equality.rules import Person, Question, age_on, check_answers, figures, load_questions, offered
from advocacy.errors import ServiceError
from advocacy.people import DETAIL_FIELDS, child_details
from advocacy.store import Store

PURPOSE = "equality answers"


class Equality:
    def __init__(self, store: Store, clock: Clock, keyring: Keyring, small: int,
                 questions: tuple[Question, ...] | None = None) -> None:
        self.store = store
        self.clock = clock
        self.keyring = keyring
        self.small = small
        self.questions = questions or load_questions()

    async def answers(self, child_id: str) -> dict[str, str]:
        """The child's answers, opened ({} if none or erased)."""
        doc = await self.store.equality.find_one({"_id": child_id})
        return await self._open(doc) if doc else {}

    async def age(self, child_id: str) -> int | None:
        """The child's age today (Europe/London), from their sealed date of birth; None if not known."""
        doc = await self.store.children.find_one({"_id": child_id}, DETAIL_FIELDS)
        if doc is None:
            return None
        born = (await child_details(self.store, [doc]))[child_id]["birth_date"]
        return age_on(born, workdays.local_date(self.clock.now()))

    async def offered(self, child_id: str) -> tuple[Question, ...]:
        """The questions this child is asked: those with a ``min_age`` only if their age is known and reaches it."""
        return offered(self.questions, await self.age(child_id))

    async def _open(self, doc: dict[str, Any]) -> dict[str, str]:
        opened = await self.keyring.unseal_or_erased(doc["_id"], doc.get("sealed"), PURPOSE)
        return json.loads(opened) if opened and opened != ERASED_TEXT else {}

    async def record(self, child_id: str, data: Any, by: dict[str, str], *, child_agreed: Any = None) -> dict[str, Any]:
        """Keep the answers in ``data`` ({question: answer}; none left: the record is deleted). Staff
        must say the child agreed (``child_agreed``: true). Audited without the answers."""
        if by["role"] != "child" and child_agreed is not True:
            raise ServiceError("bad_request", 'Staff record these answers only with the child\'s agreement: send '
                               '"child_agreed": true. Nothing was changed.')
        try:
            answers = check_answers(self.questions, data, await self.age(child_id))
        except ValueError as problem:
            raise ServiceError("bad_request", f"{problem} Nothing was changed.") from None
        if not answers:
            return await self.forget(child_id, by)
        await self.store.equality.update_one({"_id": child_id}, {"$set": {
            "sealed": await self.keyring.seal(child_id, json.dumps(answers, sort_keys=True), PURPOSE),
            "answered_at": self.clock.now(), "by_role": by["role"]}}, upsert=True)
        await audit.record(self.store, self.clock, actor=by["id"], role=by["role"], action="equality.answered",
                           subject=child_id, questions=len(answers))
        return {"answers": answers}

    async def forget(self, child_id: str, by: dict[str, str]) -> dict[str, Any]:
        """Delete the child's answers."""
        gone = await self.store.equality.delete_one({"_id": child_id})
        if gone.deleted_count:
            await audit.record(self.store, self.clock, actor=by["id"], role=by["role"], action="equality.deleted",
                               subject=child_id)
        return {"answers": {}}

    async def figures(self) -> list[dict[str, Any]]:
        """The figures by group (see ``rules.figures``), from every child who answered."""
        docs = await self.store.equality.find({}).to_list(None)
        await self.keyring.preload(d["_id"] for d in docs)
        ids = [d["_id"] for d in docs]
        children = {c["_id"]: c async for c in self.store.children.find(
            {"_id": {"$in": ids}, "erased_at": None}, {"advocate": 1, "opted_out": 1})}
        happy: dict[str, list[int]] = {}
        async for concern in self.store.concerns.find(
                {"child": {"$in": ids}, "outcome.child_happy": {"$in": [True, False]}},
                {"child": 1, "outcome.child_happy": 1}):
            tally = happy.setdefault(concern["child"], [0, 0])
            tally[0 if concern["outcome"]["child_happy"] else 1] += 1
        people = []
        for doc in docs:
            child = children.get(doc["_id"])
            if child is None:
                continue
            yes, no = happy.get(doc["_id"], [0, 0])
            people.append(Person(await self._open(doc), bool(child.get("advocate")), bool(child.get("opted_out")),
                                 yes, no))
        return figures(self.questions, people, self.small)
