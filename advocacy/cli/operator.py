"""The operator's commands: accounts and bots, keys, a child's export and leaving care, retention,
the figures' totals and the audit trail. Each gets its services from ``advocacy.bootstrap``."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from advocacy import audit
from advocacy.auth.accounts import StaffError, create_staff
from advocacy.bootstrap import open_services
from advocacy.botapi import hours
from advocacy.botapi.accounts import create_bot, issue_token
from advocacy.date_words import day_words
from advocacy.demo.swarm import seed_pairs, write
from advocacy.figures.tally import rebuild
from advocacy.pairing import authorities
from advocacy.people import record_left_care
from advocacy.settings import Settings


async def create_staff_command(settings: Settings, args: argparse.Namespace) -> None:
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    async with open_services(settings, master_key="not_needed") as services:
        store = services.store
        manager_id = None
        if args.manager:
            manager = await store.staff.find_one({"username": args.manager.lower(), "role": "manager"})
            if manager is None:
                raise StaffError(f"there is no manager with the username {args.manager!r}")
            manager_id = manager["_id"]
        doc = await create_staff(store, services.clock, username=args.username, password=password, name=args.name,
                                 role=args.role, manager=manager_id)
    print(f"Created {doc['role']} {doc['username']} ({doc['_id']}).")


async def bots_command(settings: Settings, args: argparse.Namespace) -> None:
    async with open_services(settings, master_key="not_needed") as services:
        store, clock, auth = services.store, services.clock, services.auth
        if args.bots_command == "create":
            bot = await create_bot(store, clock, args.name)
            token = await issue_token(auth, bot, args.days or settings.bot_session_days)
            print(f"Created the bot {bot['name']!r} ({bot['_id']}). Its token (shown once; keep it secret):")
            print(token)
        elif args.bots_command == "revoke":
            bot = await store.bots.find_one({"name": args.name})
            if bot is None:
                raise ValueError(f"there is no bot named {args.name!r}")
            print(f"Revoked {await auth.revoke_user_sessions(bot['_id'])} token(s) of {args.name!r}.")


async def hours_command(settings: Settings, args: argparse.Namespace) -> None:
    async with open_services(settings, master_key="not_needed") as services:
        store = services.store
        value = None if args.default else hours.check(args.start, args.end)
        result = await store.staff.update_one({"username": args.username.lower(), "role": "advocate"},
                                              {"$set": {"working_hours": value}})
        if result.matched_count != 1:
            raise ValueError(f"there is no advocate with the username {args.username!r}")
    print(f"{args.username} now works " + ("the service's usual hours." if value is None
                                             else f"{value['start']} to {value['end']}, Monday to Friday."))


async def swarm_seed_command(settings: Settings, args: argparse.Namespace) -> None:
    async with open_services(settings, master_key="made_if_missing") as services:
        accounts = await seed_pairs(
            services.store, services.auth, services.clock, args.pairs, args.url or settings.base_url,
            progress=lambda done, total: print(f"\r  {done}/{total} pairs", end="", flush=True),
        )
    out = Path(args.out or Path(settings.data_dir) / "swarm-accounts.json")
    write(out, accounts)
    print(f"\nWrote {args.pairs} child-advocate pairs with their tokens to {out}")


async def keys_rotate_command(settings: Settings) -> int:
    """Re-wrap every data key under the configured master key; the old one is an accepted key meanwhile."""
    async with open_services(settings) as services:
        keyring = services.keyring
        before = await keyring.wrapping_counts()
        moved = await keyring.rewrap_all()
        after = await keyring.wrapping_counts()
    others = {k: n for k, n in after.items() if k != keyring.current_key_id}
    print(f"Re-wrapped {moved} data keys under master key {keyring.current_key_id} "
          f"({sum(before.values())} data keys in all).")
    if others:
        print(f"{sum(others.values())} data keys are still wrapped by other master keys ({', '.join(sorted(others))}): "
              "a server still wraps new keys with an old master key. Restart it with the new key, then run this again.")
        return 1
    print("Every data key is now wrapped by the new master key. Once every server runs with it, "
          "remove the old key from ADVOCACY_ACCEPTED_MASTER_KEYS and destroy it.")
    return 0


async def keys_status_command(settings: Settings) -> int:
    async with open_services(settings) as services:
        keyring = services.keyring
        counts = await keyring.wrapping_counts()
    print(f"Configured master key: {keyring.current_key_id}")
    for kid, n in sorted(counts.items()):
        print(f"  {kid}: wraps {n} data keys{' (the configured key)' if kid == keyring.current_key_id else ''}")
    return 0


async def export_child_command(settings: Settings, child_id: str, out: Path) -> int:
    """Everything held about a child, as the API gives it to staff (the same ``ChildExport``)."""
    async with open_services(settings) as services:
        data = await services.export.export(child_id, by=None, form="command")
        if data is None:
            print(f"There is no child {child_id!r}.", file=sys.stderr)
            return 1
    out.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240  (a command, not the server: nothing else waits on this loop)
    json_path, html_path = out / f"{child_id}.json", out / f"{child_id}.html"
    for path, text in ((json_path, json.dumps(data, indent=2, ensure_ascii=False)),
                       (html_path, services.export.render_html(data))):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    print(f"Wrote {json_path} and {html_path} (readable only by you: they hold a child's personal data).")
    return 0


async def las_command(settings: Settings, args: argparse.Namespace) -> int:
    """List, import, add or retire local authorities; every change is in the audit trail."""
    async with open_services(settings, master_key="not_needed") as services:
        store, clock = services.store, services.clock
        try:
            if args.las_command == "list":
                async for la in store.local_authorities.find({}).sort("_id", 1):
                    retired = la.get("retired_at")
                    retired = f"  (retired {day_words(retired, weekday=False)})" if retired else ""
                    print(f"{la['_id']}  {la.get('dfe') or '   '}  {la['name']}, {la['region']}{retired}")
            elif args.las_command == "import":
                counts = await authorities.import_file(store, clock, args.file, by="cli")
                print(f"{counts['added']} added, {counts['changed']} changed, {counts['unchanged']} already as "
                      f"in {args.file}.")
            elif args.las_command == "add":
                await authorities.add(store, clock, args.code, args.name, args.region, by="cli", dfe=args.dfe)
                print(f"Added {args.code} {args.name} ({args.region}).")
            elif args.las_command == "retire":
                await authorities.retire(store, clock, args.code, by="cli")
                print(f"Retired {args.code}: no new child is placed in it; its children stay where they are.")
        except authorities.AuthorityError as error:
            print(f"advocacy: {error}. Nothing was changed.", file=sys.stderr)
            return 2
    return 0


async def left_care_command(settings: Settings, child_id: str, on: str | None) -> int:
    async with open_services(settings, master_key="not_needed") as services:
        when = services.clock.now() if on is None else datetime.combine(
            date.fromisoformat(on), datetime.min.time(), timezone.utc)
        if not await record_left_care(services.store, child_id, when):
            print(f"There is no child {child_id!r}.", file=sys.stderr)
            return 1
        await services.feedback.left_care(child_id)  # advocacy has ended: the child is asked once how it went
    print(f"Recorded that {child_id} left care on {day_words(when, weekday=False)}; "
          "their records are erased after the retention period.")
    return 0


async def retention_run_command(settings: Settings) -> int:
    async with open_services(settings) as services:
        counts = await services.retention.run()
    print("Erased: " + (", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing was due"))
    return 0


async def figures_rebuild_command(settings: Settings) -> int:
    async with open_services(settings, master_key="not_needed") as services:
        written = await rebuild(services.store)
    print(f"Recounted the figures' running totals: {written} area-months. The figures job publishes them "
          "at its next run.")
    return 0


async def audit_verify_command(settings: Settings, anchor: str | None) -> int:
    """Check the audit chain (keyed: it needs the master key) against every anchor in the anchor file
    (and one noted by hand); 0 if intact, 3 if not."""
    path = audit.anchor_path(settings)
    anchors = audit.read_anchors(path)
    if anchor:
        seq, _, expected = anchor.partition(":")
        anchors.append((int(seq), expected))
    async with open_services(settings) as services:
        store = services.store
        checked, broken = await audit.verify(store)
        if broken is None:
            broken = await audit.check_anchors(store, anchors)
        last, last_hash = await audit.head(store)
    if not anchors:
        print(f"No anchors in {path}: a cut-off tail could not be checked (the server writes them as it runs).")
    else:
        print(f"Checked against {len(anchors)} anchor(s) from {path}.")
    if broken is not None:
        print(f"The audit trail is BROKEN at entry {broken.seq}: {broken.problem}.")
        print(f"({checked} entries before it are intact.)")
        return 3
    print(f"The audit trail is intact: {checked} entries checked.")
    print(f"Note this anchor outside the database; `advocacy audit verify --anchor {last}:{last_hash}` "
          "later also proves no entry up to here was cut off.")
    return 0


def anchor(value: str) -> str:
    seq, sep, digest = value.partition(":")
    if not (seq.isdigit() and sep and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise argparse.ArgumentTypeError("an anchor is NUMBER:HASH as printed by `advocacy audit verify`")
    return value


