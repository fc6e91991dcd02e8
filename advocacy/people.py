"""Reading people's records: children's names and identifying details (sealed), staff records, leaving care.

A child's full date of birth and their local authority's case reference are
sealed under the child's data key like the name. Kept readable beside them
only what queries need: ``birth_year`` (retention, with the sealed date read
for the children born in the boundary year) and ``ref_lookup``, a keyed hash of
(local authority, reference) that finds a duplicate without the reference.
What pairing needs to know (the languages a child speaks, the gender of
advocate they would like) is sealed together as ``needs_sealed`` and opened in
memory for the solver (``open_needs``); no query selects children by it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from advocacy.crypto import ERASED_TEXT, ServiceSecrets, keyring_of
from advocacy.store import Store

# Who said when a child left care (``left_care_source``); "birth_date" is the retention job's default.
LEFT_CARE_SOURCES = ("command", "staff", "la_import", "birth_date")


async def record_left_care(store: Store, child_id: str, at: datetime | None, source: str = "command") -> bool:
    """Note when a child left care (None: forget a date recorded by mistake, e.g. they came back into care):
    their records are kept for the retention period after it. ``source`` is one of ``LEFT_CARE_SOURCES``."""
    if source not in LEFT_CARE_SOURCES:
        raise ValueError(f"unknown source of a leaving-care date: {source!r}")
    change = ({"$set": {"left_care_at": at, "left_care_source": source}} if at is not None
              else {"$unset": {"left_care_at": "", "left_care_source": ""}})
    result = await store.children.update_one({"_id": child_id, "erased_at": None}, change)
    return result.matched_count == 1


async def staff_by_ids(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    cursor = store.staff.find({"_id": {"$in": wanted}}, {"password_hash": 0})
    return {doc["_id"]: doc async for doc in cursor}


async def child_names(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Children's names by id: the one place that reads them.

    Names are sealed under each child's data key; an erased child's name reads "(deleted)".
    """
    wanted = list(set(ids))
    if not wanted:
        return {}
    keyring = keyring_of(store)
    docs = await store.children.find({"_id": {"$in": wanted}}, {"name_sealed": 1, "erased_at": 1}).to_list(None)
    await keyring.preload(doc["_id"] for doc in docs if "erased_at" not in doc)
    return {
        doc["_id"]: ERASED_TEXT if "erased_at" in doc
        else await keyring.unseal_or_erased(doc["_id"], doc.get("name_sealed"), "name")
        for doc in docs
    }



BIRTH_DATE = "birth date"
CASE_REF = "case reference"
# What a reader of a child's details (``child_details``) must fetch.
DETAIL_FIELDS = {"birth_date_sealed": 1, "ref_sealed": 1, "birth_date": 1, "ref": 1, "erased_at": 1}


def case_ref_lookup(secrets: ServiceSecrets, la: str, ref: str) -> str:
    """The keyed hash stored as ``ref_lookup``: one local authority's reference, found without storing it."""
    return secrets.lookup("case-ref", f"{la}\x00{ref}")


async def sealed_details(store: Store, child_id: str, la: str, *, birth_date: str | None = None,
                         ref: str | None = None) -> dict[str, Any]:
    """The fields to store for a child's date of birth ("YYYY-MM-DD") and case reference, sealed."""
    keyring = keyring_of(store)
    fields: dict[str, Any] = {}
    if birth_date:
        fields["birth_year"] = int(birth_date[:4])
        fields["birth_date_sealed"] = await keyring.seal(child_id, birth_date, BIRTH_DATE)
    if ref:
        fields["ref_lookup"] = case_ref_lookup(await keyring.secrets(), la, ref)
        fields["ref_sealed"] = await keyring.seal(child_id, ref, CASE_REF)
    return fields


async def child_details(store: Store, docs: Iterable[dict[str, Any]]) -> dict[str, dict[str, str | None]]:
    """{"birth_date", "ref"} of each child record (fetched with ``DETAIL_FIELDS``), opened; None where not
    known or erased. A record an older version stored readable is read as it is (sealed at start-up)."""
    keyring = keyring_of(store)
    docs = list(docs)
    await keyring.preload(d["_id"] for d in docs if "erased_at" not in d
                          and (d.get("birth_date_sealed") or d.get("ref_sealed")))
    out: dict[str, dict[str, str | None]] = {}
    for doc in docs:
        details: dict[str, str | None] = {}
        for field, purpose in (("birth_date", BIRTH_DATE), ("ref", CASE_REF)):
            sealed = doc.get(field + "_sealed")
            if "erased_at" in doc:
                details[field] = None
            elif sealed is not None:
                opened = await keyring.unseal_or_erased(doc["_id"], sealed, purpose)
                details[field] = None if opened == ERASED_TEXT else opened
            else:
                details[field] = doc.get(field) if isinstance(doc.get(field), str) else None
        out[doc["_id"]] = details
    return out


NEEDS = "pairing needs"


async def sealed_needs(store: Store, child_id: str, languages: list[str] | None,
                       prefers: dict[str, Any] | None) -> dict[str, Any]:
    """The fields to store for a child's languages and ``prefers`` {advocate, gender}: the advocate they
    asked for stays readable (an id), the languages and gender are sealed together."""
    prefers = dict(prefers or {})
    gender = prefers.pop("gender", None)
    fields: dict[str, Any] = {"prefers": {"advocate": prefers.get("advocate")}}
    if languages or gender:
        needs = json.dumps({"languages": list(languages or []), "gender": gender})
        fields["needs_sealed"] = await keyring_of(store).seal(child_id, needs, NEEDS)
    return fields


async def open_needs(store: Store, docs: Iterable[dict[str, Any]], *, in_id_order: bool = False
                     ) -> list[dict[str, Any]]:
    """Copies of these child records with ``languages`` and ``prefers.gender`` opened from ``needs_sealed``
    (none for an erased key); records stored readable by an older version are returned as they are.
    ``in_id_order``: the records are a stretch of all children in id order (their keys are read by range)."""
    keyring = keyring_of(store)
    docs = list(docs)
    await keyring.preload((d["_id"] for d in docs if d.get("needs_sealed") is not None), by_range=in_id_order)
    out = []
    for doc in docs:
        sealed = doc.get("needs_sealed")
        if sealed is None:
            out.append(doc)
            continue
        opened = await keyring.unseal_or_erased(doc["_id"], sealed, NEEDS)
        needs = json.loads(opened) if opened != ERASED_TEXT else {}
        prefers = doc.get("prefers") if isinstance(doc.get("prefers"), dict) else {}
        out.append({**doc, "languages": needs.get("languages", []),
                    "prefers": {**prefers, "gender": needs.get("gender")}})
    return out
