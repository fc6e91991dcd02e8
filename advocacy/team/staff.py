"""Staff records made and changed by admins and managers (the staff page, ``advocacy staff``).

An admin may add or change anyone (advocate, manager, reviewer, admin, interpreter: an
interpreter reaches only the chats a child lets them into, ``advocacy.chat.interpreting``); a
manager only advocates in their own team (they become the advocate's manager).
What can be set, each checked before anything is written (a bad value changes
nothing): name, role, manager, capacity and comfortable load, working hours,
languages (codes from ``advocacy.spoken_languages``), regions (England's nine),
and the local authorities an advocate is tied to (``conflicts``: authorities
they have worked for, from the held list, whose children they may not have).

A new account is made by ``advocacy.auth.accounts.create_staff``, as
``advocacy create-staff`` makes one: with a password, and the second factor
set up at the first sign-in. From the page the password is made here and shown
once to whoever added them.

Every change is audited (``staff.created``, ``staff.changed``: the staff
member as subject, the names of the fields changed, never their values). When
an advocate's ties or capacity change so that children they have now may not
stay, ``ties_changed`` is published; the pairing service answers with a
pairing plan to move them (proposed, never applied without a person).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from advocacy import audit
from advocacy.auth.accounts import StaffError, create_staff
from advocacy.auth.permissions import ANY, TEAM, scope_for
from advocacy.auth.principal import Principal
from advocacy.botapi import hours
from advocacy.clock import Clock
from advocacy.errors import ServiceError
from advocacy.events import Topic
from advocacy.ids import new_id
from advocacy.pairing.authorities import REGIONS
from advocacy.pairing.placement import spare_room
from advocacy.spoken_languages import LANGUAGES, name_of
from advocacy.store import Store

ROLES = ("advocate", "manager", "reviewer", "admin", "interpreter")
MOST = 500
SHOWN = {"username": 1, "name": 1, "role": 1, "manager": 1, "capacity": 1, "comfortable": 1, "working_hours": 1,
         "languages": 1, "regions": 1, "conflicts": 1, "available": 1, "active": 1, "left_at": 1, "load": 1}


@dataclass(frozen=True)
class TiesChanged:
    """An advocate's ties or capacity changed and some of their children may not stay: ids only."""

    change: str
    advocate: str
    children: tuple[str, ...]
    by: dict[str, str]


def _refuse(message: str) -> ServiceError:
    return ServiceError("bad_request", f"{message} Nothing was changed.")


def _count(field: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MOST:
        raise _refuse(f'"{field}" must be a whole number from 0 to {MOST}.')
    return value


def _codes(field: str, value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value) or len(value) > 200:
        raise _refuse(f'"{field}" must be a list.')
    return list(dict.fromkeys(item.strip() for item in value))


class StaffDirectory:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.ties_changed: Topic[TiesChanged] = Topic("staff.ties_changed")
        # An advocate who takes new children was added, or changed so they may suit more children (more
        # capacity, available again, fewer ties, other regions or languages): how many more they can take.
        self.room_made: Topic[int] = Topic("staff.room_made")

    # reading -----------------------------------------------------------------------

    async def _scope(self, principal: Principal) -> str:
        scope = scope_for(principal.role, "staff.manage")
        if scope not in (TEAM, ANY):
            raise ServiceError("forbidden", "Only admins and managers can add or change staff.")
        return scope

    async def listing(self, principal: Principal) -> list[dict[str, Any]]:
        scope = await self._scope(principal)
        query = {} if scope == ANY else {"role": "advocate", "manager": principal.user_id}
        docs = await self.store.staff.find(query, SHOWN).sort("name", 1).to_list(None)
        managers = {d["_id"]: d.get("name", "") async for d in self.store.staff.find({"role": "manager"}, {"name": 1})}
        las = {d["_id"]: d.get("name", d["_id"]) async for d in self.store.local_authorities.find({}, {"name": 1})}
        return [self.shown(doc, managers, las) for doc in docs]

    @staticmethod
    def shown(doc: dict[str, Any], managers: dict[str, str], las: dict[str, str]) -> dict[str, Any]:
        return {
            "id": doc["_id"], "username": doc.get("username", ""), "name": doc.get("name", ""), "role": doc["role"],
            "manager": doc.get("manager"), "manager_name": managers.get(doc.get("manager") or "", ""),
            "capacity": doc.get("capacity"), "comfortable": doc.get("comfortable"),
            "working_hours": doc.get("working_hours"), "available": doc.get("available"),
            "left": bool(doc.get("left_at")), "children": doc.get("load", 0),
            "languages": [{"code": c, "name": name_of(c)} for c in doc.get("languages") or []],
            "regions": list(doc.get("regions") or []),
            "ties": [{"code": c, "name": las.get(c, c)} for c in doc.get("conflicts") or []],
        }

    async def managers(self) -> list[dict[str, str]]:
        return [{"id": d["_id"], "name": d.get("name", ""), "username": d.get("username", "")}
                async for d in self.store.staff.find({"role": "manager"}, {"name": 1, "username": 1}).sort("name", 1)]

    async def authorities(self) -> list[dict[str, str]]:
        return [{"code": d["_id"], "name": d.get("name", d["_id"]), "region": d.get("region", "")}
                async for d in self.store.local_authorities.find({}, {"name": 1, "region": 1}).sort("name", 1)]

    # checking ----------------------------------------------------------------------

    async def _manager_id(self, value: Any) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or len(value) > 64:
            raise _refuse('"manager" must be a manager\'s username.')
        doc = await self.store.staff.find_one(
            {"$or": [{"username": value.strip().lower()}, {"_id": value}], "role": "manager"}, {"_id": 1})
        if doc is None:
            raise _refuse(f"There is no manager {value!r}.")
        return doc["_id"]

    async def check(self, data: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
        """The fields to write, all checked; ServiceError (nothing written) at the first bad one."""
        allowed = {"name", "role", "manager", "capacity", "comfortable", "working_hours", "languages", "regions",
                   "ties", "available"} | ({"username", "password"} if before is None else set())
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise _refuse(f"Unknown field(s): {', '.join(unknown)}.")
        fields: dict[str, Any] = {}
        if "name" in data:
            if not isinstance(data["name"], str) or not data["name"].strip() or len(data["name"]) > 100:
                raise _refuse("A name is needed (up to 100 characters).")
            fields["name"] = data["name"].strip()
        if "role" in data:
            if data["role"] not in ROLES:
                raise _refuse(f'"role" must be one of {", ".join(ROLES)}.')
            fields["role"] = data["role"]
        if "manager" in data:
            fields["manager"] = await self._manager_id(data["manager"])
        for field in ("capacity", "comfortable"):
            if field in data:
                fields[field] = _count(field, data[field])
        capacity = fields.get("capacity", (before or {}).get("capacity"))
        comfortable = fields.get("comfortable", (before or {}).get("comfortable"))
        if isinstance(capacity, int) and isinstance(comfortable, int) and comfortable > capacity:
            raise _refuse('"comfortable" cannot be more than "capacity".')
        if "working_hours" in data:
            value = data["working_hours"]
            if value in (None, "", {}):
                fields["working_hours"] = None
            elif isinstance(value, dict) and isinstance(value.get("start"), str) and isinstance(value.get("end"), str):
                try:
                    fields["working_hours"] = hours.check(value["start"], value["end"])
                except hours.HoursError as error:
                    raise _refuse(f"Working hours: {error}.") from None
            else:
                raise _refuse('"working_hours" must be {"start": "HH:MM", "end": "HH:MM"}, or empty for the usual.')
        if "languages" in data:
            codes = _codes("languages", data["languages"])
            unknown = [c for c in codes if c not in LANGUAGES]
            if unknown:
                raise _refuse(f"Unknown language code(s): {', '.join(unknown)}. Choose from the list.")
            fields["languages"] = codes
        if "regions" in data:
            regions = _codes("regions", data["regions"])
            unknown = [r for r in regions if r not in REGIONS]
            if unknown:
                raise _refuse(f"Unknown region(s): {', '.join(unknown)}. The regions are: {', '.join(REGIONS)}.")
            fields["regions"] = regions
        if "ties" in data:
            codes = _codes("ties", data["ties"])
            held = {d["_id"] async for d in self.store.local_authorities.find({"_id": {"$in": codes}}, {"_id": 1})}
            unknown = [c for c in codes if c not in held]
            if unknown:
                raise _refuse(f"Unknown local authority code(s): {', '.join(unknown)}. See `advocacy las list`.")
            fields["conflicts"] = codes
        if "available" in data:
            if not isinstance(data["available"], bool):
                raise _refuse('"available" must be true or false.')
            fields["available"] = data["available"]
        return fields

    # changing ----------------------------------------------------------------------

    async def create(self, principal: Principal, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Add a staff member; returns them and their first password (shown once)."""
        scope = await self._scope(principal)
        data = dict(data)
        if scope == TEAM:
            if data.get("role", "advocate") != "advocate" or data.get("manager") not in (None, "", principal.user_id):
                raise ServiceError("forbidden", "A manager can add advocates to their own team only.")
            data["role"] = "advocate"
            data.pop("manager", None)
        data.setdefault("role", "advocate")
        username, password = data.pop("username", None), data.pop("password", None)
        fields = await self.check(data, None)
        if scope == TEAM:
            fields["manager"] = principal.user_id
        if fields["role"] == "advocate":
            fields.setdefault("available", True)
            fields.setdefault("capacity", 0)
        if not isinstance(username, str):
            raise _refuse("A username is needed.")
        if "name" not in fields:
            raise _refuse("A name is needed (up to 100 characters).")
        if password is None:
            password = secrets.token_urlsafe(12)
        if not isinstance(password, str):
            raise _refuse("The password must be text.")
        try:
            doc = await create_staff(self.store, self.clock, username=username, password=password, **fields)
        except StaffError as error:
            raise _refuse(f"{str(error)[:1].upper()}{str(error)[1:]}.") from None
        await audit.record(self.store, self.clock, **audit.by(principal), action="staff.created", subject=doc["_id"],
                           staff_role=doc["role"], fields=",".join(sorted(fields)))
        await self._room_made(doc["_id"])
        return await self.one(doc["_id"]), password

    async def one(self, staff_id: str) -> dict[str, Any]:
        doc = await self.store.staff.find_one({"_id": staff_id}, SHOWN)
        managers = {d["_id"]: d.get("name", "") async for d in self.store.staff.find({"role": "manager"}, {"name": 1})}
        las = {d["_id"]: d.get("name", d["_id"]) async for d in
               self.store.local_authorities.find({"_id": {"$in": list(doc.get("conflicts") or [])}}, {"name": 1})}
        return self.shown(doc, managers, las)

    async def find(self, principal: Principal, staff_id: Any) -> dict[str, Any]:
        """The record if ``principal`` may change it (a manager: an advocate of theirs); not_found otherwise."""
        scope = await self._scope(principal)
        if not isinstance(staff_id, str) or len(staff_id) > 64:
            raise ServiceError("not_found")
        query: dict[str, Any] = {"$or": [{"_id": staff_id}, {"username": staff_id.lower()}]}
        doc = await self.store.staff.find_one(query, SHOWN)
        if doc is None or (scope == TEAM and (doc["role"] != "advocate" or doc.get("manager") != principal.user_id)):
            raise ServiceError("not_found")
        return doc

    async def change(self, principal: Principal, staff_id: Any, data: dict[str, Any]) -> dict[str, Any]:
        """Change a staff member; returns them, and the pairing plan made if children may no longer stay."""
        scope = await self._scope(principal)
        before = await self.find(principal, staff_id)
        if scope == TEAM and (("role" in data and data["role"] != "advocate")
                              or ("manager" in data and data["manager"] not in (None, "", principal.user_id))):
            raise ServiceError("forbidden", "A manager can change their own team's advocates only.")
        fields = await self.check(data, before)
        if scope == TEAM:
            fields.pop("manager", None)
            fields.pop("role", None)
        changed = sorted(k for k, v in fields.items() if before.get(k) != v)
        if not changed:
            return {"staff": await self.one(before["_id"]), "changed": [], "plan": None}
        await self.store.staff.update_one({"_id": before["_id"]}, {"$set": fields})
        await audit.record(self.store, self.clock, **audit.by(principal), action="staff.changed",
                           subject=before["_id"], fields=",".join(changed))
        plan = None
        if before["role"] == "advocate" and {"conflicts", "capacity", "available"} & set(changed):
            plan = await self._recheck(principal, before["_id"])
        if plan is None and {"conflicts", "capacity", "available", "regions", "languages", "role"} & set(changed):
            await self._room_made(before["_id"])
        return {"staff": await self.one(before["_id"]), "changed": changed, "plan": plan}

    async def _room_made(self, staff_id: str) -> None:
        doc = await self.store.staff.find_one({"_id": staff_id}, {"role": 1, "available": 1, "active": 1,
                                                                   "capacity": 1, "load": 1})
        if doc["role"] != "advocate" or doc.get("available") is not True or doc.get("active") is False:
            return
        room = spare_room(doc.get("capacity"), doc.get("load", 0))
        if room:
            await self.room_made.publish(room)

    async def _recheck(self, principal: Principal, advocate_id: str) -> dict[str, Any] | None:
        """Children the advocate may no longer keep (a tied authority, over capacity, not available): a plan."""
        doc = await self.store.staff.find_one({"_id": advocate_id}, {"conflicts": 1, "capacity": 1, "available": 1})
        children = await self.store.children.find({"advocate": advocate_id}, {"la": 1}).to_list(None)
        ties = set(doc.get("conflicts") or [])
        affected = [c["_id"] for c in children if c.get("la") in ties]
        capacity = doc.get("capacity")
        over = doc.get("available") is False or (isinstance(capacity, int) and len(children) > capacity)
        if over:
            affected = [c["_id"] for c in children]
        if not affected:
            return None
        change = TiesChanged(new_id("sc"), advocate_id, tuple(affected), principal.by())
        await self.ties_changed.publish(change)
        plan = await self.store.pairing_plans.find_one({"after_change": change.change}, {"moves": 1, "changes": 1})
        tied = [c for c in affected if any(ch["child"] == c for ch in (plan or {}).get("changes", []))]
        return {"id": plan["_id"], "children": len(affected), "moves_them": len(tied),
                "moves": plan.get("moves", 0)} if plan else {"id": None, "children": len(affected)}
