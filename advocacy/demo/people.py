"""A small, realistic demo: local authorities, managers, advocates and children paired to them.

Seeding is idempotent: the first run creates everything and writes the sign-ins
to demo-credentials.json beside the development key (``var-key/`` for ``var/``,
readable only by this user), never in the data folder, so a copy of the data
folder holds no sign-in; later runs find the demo in place and reuse that file
(re-issuing codes and passwords only if the file was lost). A file an older
version left in the data folder is moved out at start.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from advocacy.auth import passwords, totp
from advocacy.auth.accounts import create_child, create_staff, issue_access_code, set_child_pin
from advocacy.auth.staff_sign_in import set_second_factor
from advocacy.clock import Clock
from advocacy.crypto import development_secrets_folder
from advocacy.pairing.changes import pair_child
from advocacy.pairing.policy import add_months
from advocacy.store import Store

LOCAL_AUTHORITIES = [
    {"_id": "E08000035", "name": "Leeds", "region": "Yorkshire and The Humber"},
    {"_id": "E08000003", "name": "Manchester", "region": "North West"},
    {"_id": "E08000025", "name": "Birmingham", "region": "West Midlands"},
    {"_id": "E10000016", "name": "Kent", "region": "South East"},
    {"_id": "E09000007", "name": "Camden", "region": "London"},
]

MANAGERS = [
    {"username": "priya.manager", "name": "Priya Shah",
     "regions": ["Yorkshire and The Humber", "North West", "West Midlands"]},
    {"username": "tom.manager", "name": "Tom Okafor", "regions": ["South East", "London"]},
]

# conflicts: local authorities the advocate has worked for, so cannot advocate for their children.
# comfortable: how many children they are happy with (capacity is the most they may ever have).
ADVOCATES = [
    {"username": "sam.advocate", "name": "Sam Hughes", "manager": "priya.manager", "gender": "male",
     "languages": ["en"], "regions": ["Yorkshire and The Humber", "North West"], "conflicts": ["E08000003"],
     "capacity": 30, "comfortable": 25},
    {"username": "jo.advocate", "name": "Jo Adeyemi", "manager": "priya.manager", "gender": "female",
     "languages": ["en", "yo"], "regions": ["West Midlands", "North West"], "conflicts": ["E08000035"],
     "capacity": 30, "comfortable": 26},
    {"username": "ana.advocate", "name": "Ana Kowalska", "manager": "tom.manager", "gender": "female",
     "languages": ["en", "pl"], "regions": ["South East", "London"], "conflicts": ["E09000007"],
     "capacity": 25, "comfortable": 22},
    {"username": "dev.advocate", "name": "Dev Patel", "manager": "tom.manager", "gender": "male",
     "languages": ["en", "gu", "hi"], "regions": ["London", "South East"], "conflicts": ["E10000016"],
     "capacity": 25},
]

# Every pairing keeps the hard rules (no advocate for a child of an authority they have worked for).
# prefers: the advocate or gender of advocate a child asked for; an opted-out child has no advocate.
CHILDREN = [
    {"id": "ch_demo_aisha", "name": "Aisha", "la": "E08000035", "advocate": "sam.advocate", "born": 2012,
     "birth_date": "2012-09-14", "languages": ["en", "ur"]},
    {"id": "ch_demo_jayden", "name": "Jayden", "la": "E08000035", "advocate": "sam.advocate", "born": 2009,
     "birth_date": "2009-02-03", "languages": ["en"]},
    {"id": "ch_demo_chloe", "name": "Chloe", "la": "E08000003", "advocate": "jo.advocate", "born": 2011,
     "birth_date": "2011-11-30", "languages": ["en"], "prefers": {"advocate": None, "gender": "female"}},
    {"id": "ch_demo_kacper", "name": "Kacper", "la": "E08000025", "advocate": "jo.advocate", "born": 2008,
     "birth_date": "2008-05-21", "languages": ["pl", "en"]},
    {"id": "ch_demo_maya", "name": "Maya", "la": "E10000016", "advocate": "ana.advocate", "born": 2014,
     "birth_date": "2014-07-07", "languages": ["en"]},
    {"id": "ch_demo_leo", "name": "Leo", "la": "E09000007", "advocate": "dev.advocate", "born": 2010,
     "birth_date": "2010-01-19", "languages": ["en", "gu"]},
    {"id": "ch_demo_ruby", "name": "Ruby", "la": "E09000007", "advocate": "dev.advocate", "born": 2013,
     "birth_date": "2013-03-25", "languages": ["en"]},
    {"id": "ch_demo_zain", "name": "Zain", "la": "E08000025", "advocate": None, "born": 2010,
     "birth_date": "2010-10-10", "languages": ["en", "ar"], "opted_out": True},
]

ADMIN = {"username": "admin", "name": "Service Admin"}

# Reviewers at the Children's Commissioner's office: they work the oversight queue.
REVIEWERS = [{"username": "rae.reviewer", "name": "Rae Morgan"}]

DEMO_MARKER = "demo-v1"


def _password() -> str:
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


CREDENTIALS_FILE = "demo-credentials.json"


def credentials_path(data_dir: Path | str) -> Path:
    """Where the demo's sign-ins are kept: beside the development key, never in the data folder."""
    return development_secrets_folder(data_dir) / CREDENTIALS_FILE


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` readable only by this user, from the first byte (no moment at the umask's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(partial, path)


def move_out_of_data_folder(data_dir: Path | str) -> Path:
    """Sign-ins an older version wrote into the data folder: moved beside the key (or removed, if a copy is
    there already), so the data folder holds none. Returns where the sign-ins are kept."""
    path = credentials_path(data_dir)
    legacy = Path(data_dir) / CREDENTIALS_FILE
    if legacy.exists():
        if not path.exists():
            _write_private(path, legacy.read_text())
        legacy.unlink()
    return path


async def seed(store: Store, clock: Clock, data_dir: Path, url: str) -> dict[str, Any]:
    """Create the demo if needed and return the sign-ins (also written to ``credentials_path``)."""
    creds_path = move_out_of_data_folder(data_dir)
    already = await store.children.find_one({"_id": CHILDREN[0]["id"]}, {"_id": 1})
    if already and creds_path.exists():
        creds = json.loads(creds_path.read_text())
        creds["url"] = url
        _write_private(creds_path, json.dumps(creds, indent=2))
        return creds

    passwords_by_user: dict[str, str] = {}
    secrets_by_user: dict[str, str] = {}
    ids: dict[str, str] = {}

    async def staff(username: str, name: str, role: str, **profile: Any) -> None:
        password = _password()
        passwords_by_user[username] = password
        secrets_by_user[username] = totp.new_secret()
        existing = await store.staff.find_one({"username": username}, {"_id": 1})
        if existing:
            await store.staff.update_one(
                {"_id": existing["_id"]}, {"$set": {"password_hash": await passwords.hash_secret(password)}}
            )
            ids[username] = existing["_id"]
        else:
            doc = await create_staff(store, clock, username=username, password=password, name=name, role=role,
                                     **profile)
            ids[username] = doc["_id"]
        # Enrolled already: an authenticator app takes the secret from demo-credentials.json (in var-key/).
        await set_second_factor(store, ids[username], secrets_by_user[username])

    for la in LOCAL_AUTHORITIES:
        await store.local_authorities.update_one({"_id": la["_id"]}, {"$set": la}, upsert=True)
    await staff(ADMIN["username"], ADMIN["name"], "admin")
    for reviewer in REVIEWERS:
        await staff(reviewer["username"], reviewer["name"], "reviewer")
    for manager in MANAGERS:
        await staff(manager["username"], manager["name"], "manager", regions=manager["regions"])
    for adv in ADVOCATES:
        profile = {k: v for k, v in adv.items() if k not in {"username", "name", "manager"}}
        await staff(adv["username"], adv["name"], "advocate", manager=ids[adv["manager"]], available=True, **profile)

    children_out = []
    for child in CHILDREN:
        la = next(la for la in LOCAL_AUTHORITIES if la["_id"] == child["la"])
        if await store.children.find_one({"_id": child["id"]}, {"_id": 1}):
            code = (await issue_access_code(store, child["id"])).code
        else:
            _, issued = await create_child(
                store, clock, name=child["name"], la=child["la"], child_id=child["id"], region=la["region"],
                born=child["born"], birth_date=child["birth_date"], languages=child["languages"],
                prefers=child.get("prefers", {"advocate": None, "gender": None}), avoid=[],
                opted_out=child.get("opted_out", False),
                **({"opted_out_at": clock.now(), "offer_due_at": add_months(clock.now(), 6)}
                   if child.get("opted_out") else {}),
            )
            code = issued.code
        # A PIN is already chosen so the file's code and PIN sign in as they stand.
        pin = f"{secrets.randbelow(10_000):04d}"
        await set_child_pin(store, child["id"], pin)
        if child["advocate"]:
            await pair_child(store, clock, child["id"], ids[child["advocate"]], "demo")
        children_out.append({"id": child["id"], "name": child["name"], "access_code": code, "pin": pin,
                             "advocate": child["advocate"]})

    creds = {
        "url": url,
        "note": "Demo only. Each demo child's PIN is already set; a real child chooses theirs at first sign-in.",
        "advocates": [
            {"username": a["username"], "password": passwords_by_user[a["username"]],
             "totp_secret": secrets_by_user[a["username"]], "name": a["name"],
             "children": [c["id"] for c in CHILDREN if c["advocate"] == a["username"]]}
            for a in ADVOCATES
        ],
        "managers": [
            {"username": m["username"], "password": passwords_by_user[m["username"]],
             "totp_secret": secrets_by_user[m["username"]], "name": m["name"],
             "advocates": [a["username"] for a in ADVOCATES if a["manager"] == m["username"]]}
            for m in MANAGERS
        ],
        "admins": [{"username": ADMIN["username"], "password": passwords_by_user[ADMIN["username"]],
                    "totp_secret": secrets_by_user[ADMIN["username"]]}],
        "reviewers": [{"username": r["username"], "password": passwords_by_user[r["username"]], "name": r["name"],
                       "totp_secret": secrets_by_user[r["username"]]} for r in REVIEWERS],
        "children": children_out,
    }
    _write_private(creds_path, json.dumps(creds, indent=2))
    return creds


def describe(creds: dict[str, Any], saved_at: Path | None = None) -> str:
    url = creds["url"]
    lines = [
        "",
        f"  Advocacy service running at {url}",
        "",
        f"  Young people sign in at {url}/child/sign-in with their access code and PIN",
        "  (a real child chooses their PIN the first time; these demo PINs are already set).",
    ]
    for child in creds["children"]:
        advocate = child["advocate"] or "none: opted out"
        lines.append(f"    {child['name']:<8} code {child['access_code']}  PIN {child['pin']}   (advocate: {advocate})")
    lines += ["", f"  Staff sign in at {url}/staff/sign-in with a password and a code from an authenticator app",
              "  (add the account to the app with its key below, e.g. `oathtool --totp -b KEY` prints the code)."]
    for kind, key in (("advocate", "advocates"), ("manager", "managers"), ("admin", "admins"),
                      ("reviewer", "reviewers")):
        for person in creds.get(key, []):
            lines.append(f"    {kind:<9} {person['username']:<16} password {person['password']}  "
                         f"authenticator key {person.get('totp_secret', '')}")
    where = str(saved_at) if saved_at else CREDENTIALS_FILE + " beside the development key"
    lines += ["", f"  (also saved, readable only by you, in {where}; never in the data folder)", ""]
    return "\n".join(lines)
