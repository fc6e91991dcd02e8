"""The `advocacy` command: serve, create-staff, keys, audit, export-child, retention, pairing, import."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from advocacy import demo
from advocacy.clock import Clock
from advocacy.concerns.demo import seed_concerns
from advocacy.crypto import Keyring, MasterKeyError, load_accepted_master_keys, load_master_key, new_master_key
from advocacy.embedded_db import EmbeddedDatabase, EmbeddedDatabaseError
from advocacy.pairing import cli as pairing_cli
from advocacy.settings import Settings, SettingsError, load
from advocacy.store import DatabaseUnavailable, Store

log = logging.getLogger("advocacy")


@contextlib.asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[Store]:
    """Connect to MongoDB, or start the embedded database when no URI is set."""
    embedded = None
    uri = settings.mongodb_uri
    if not uri:
        embedded = await EmbeddedDatabase.start(Path(settings.data_dir))
        uri = embedded.uri
    try:
        store = await Store.connect(uri, settings.database_name, settings.database_timeout_seconds)
        try:
            await store.create_indexes()
            yield store
        finally:
            store.close()
    finally:
        if embedded is not None:
            await embedded.stop()


async def serve(settings: Settings, with_demo: bool) -> None:
    from advocacy.app import init_app

    async with open_store(settings) as store:
        clock = Clock()
        keyring = Keyring(store, load_master_key(settings, create_for_development=True),
                          load_accepted_master_keys(settings), clock=clock)
        app = init_app(settings, store, clock, keyring)
        # Clients are sent a close packet at shutdown; give them a few seconds, not a minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port)
        await site.start()
        if with_demo:
            creds = await demo.seed(store, clock, Path(settings.data_dir), settings.base_url)
            await seed_concerns(app, creds)
            print(demo.describe(creds), flush=True)
        else:
            print(f"Advocacy service running at {settings.base_url} (Ctrl+C to stop)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        print("Stopping…", flush=True)
        await runner.cleanup()


async def create_staff_command(settings: Settings, args: argparse.Namespace) -> None:
    from advocacy.people import StaffError, create_staff

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    async with open_store(settings) as store:
        manager_id = None
        if args.manager:
            manager = await store.staff.find_one({"username": args.manager.lower(), "role": "manager"})
            if manager is None:
                raise StaffError(f"there is no manager with the username {args.manager!r}")
            manager_id = manager["_id"]
        doc = await create_staff(store, Clock(), username=args.username, password=password, name=args.name,
                                 role=args.role, manager=manager_id)
    print(f"Created {doc['role']} {doc['username']} ({doc['_id']}).")


async def _with_store(settings: Settings, args: argparse.Namespace) -> int:
    async with open_store(settings) as store:
        if args.command == "import":
            return await pairing_cli.import_command(store, settings, args)
        if args.pairing_command == "plan":
            return await pairing_cli.plan_command(store, settings, args)
        return await pairing_cli.apply_command(store, settings, args)


async def keys_rotate_command(settings: Settings) -> int:
    """Re-wrap every data key under the configured master key; the old one is an accepted key meanwhile."""
    accepted = load_accepted_master_keys(settings)
    current = load_master_key(settings)
    async with open_store(settings) as store:
        keyring = Keyring(store, current, accepted)
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
    async with open_store(settings) as store:
        keyring = Keyring(store, load_master_key(settings), load_accepted_master_keys(settings))
        counts = await keyring.wrapping_counts()
    print(f"Configured master key: {keyring.current_key_id}")
    for kid, n in sorted(counts.items()):
        print(f"  {kid}: wraps {n} data keys{' (the configured key)' if kid == keyring.current_key_id else ''}")
    return 0


async def export_child_command(settings: Settings, child_id: str, out: Path) -> int:
    from advocacy import audit
    from advocacy.chat.service import ChatService
    from advocacy.privacy import export

    clock = Clock()
    async with open_store(settings) as store:
        Keyring(store, load_master_key(settings), load_accepted_master_keys(settings), clock=clock).attach()
        data = await export.gather(store, ChatService(store, settings, clock), clock, child_id)
        if data is None:
            print(f"There is no child {child_id!r}.", file=sys.stderr)
            return 1
        await audit.record(store, clock, actor="operator", role="admin", action="child.export", subject=child_id,
                           form="command")
    out.mkdir(parents=True, exist_ok=True)
    json_path, html_path = out / f"{child_id}.json", out / f"{child_id}.html"
    for path, text in ((json_path, json.dumps(data, indent=2, ensure_ascii=False)), (html_path, export.render_html(data))):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    print(f"Wrote {json_path} and {html_path} (readable only by you: they hold a child's personal data).")
    return 0


async def left_care_command(settings: Settings, child_id: str, on: str | None) -> int:
    from datetime import date, datetime, timezone

    from advocacy.people import record_left_care

    when = datetime.now(timezone.utc) if on is None else datetime.combine(
        date.fromisoformat(on), datetime.min.time(), timezone.utc)
    async with open_store(settings) as store:
        if not await record_left_care(store, child_id, when):
            print(f"There is no child {child_id!r}.", file=sys.stderr)
            return 1
    print(f"Recorded that {child_id} left care on {when:%d %B %Y}; their records are erased after the retention period.")
    return 0


async def retention_run_command(settings: Settings) -> int:
    from advocacy.privacy.erasure import RetentionJob
    from advocacy.privacy.retention import load_retention

    clock = Clock()
    async with open_store(settings) as store:
        Keyring(store, load_master_key(settings), load_accepted_master_keys(settings), clock=clock).attach()
        counts = await RetentionJob(store, clock, load_retention()).run()
    print("Erased: " + (", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing was due"))
    return 0


async def audit_verify_command(settings: Settings, anchor: str | None) -> int:
    """Check the audit chain (and an anchor noted earlier); 0 if intact, 3 if not."""
    from advocacy import audit

    async with open_store(settings) as store:
        checked, broken = await audit.verify(store)
        if broken is None and anchor:
            seq, _, expected = anchor.partition(":")
            broken = await audit.check_anchor(store, int(seq), expected)
        last, last_hash = await audit.head(store)
    if broken is not None:
        print(f"The audit trail is BROKEN at entry {broken.seq}: {broken.problem}.")
        print(f"({checked} entries before it are intact.)")
        return 3
    print(f"The audit trail is intact: {checked} entries checked.")
    print(f"Note this anchor outside the database; `advocacy audit verify --anchor {last}:{last_hash}` "
          "later also proves no entry up to here was cut off.")
    return 0


def _anchor(value: str) -> str:
    seq, sep, digest = value.partition(":")
    if not (seq.isdigit() and sep and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        raise argparse.ArgumentTypeError("an anchor is NUMBER:HASH as printed by `advocacy audit verify`")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advocacy", description="The children's independent advocacy service.")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_data_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", help="where the embedded database and demo sign-ins live (default: var/)")

    serve_p = commands.add_parser("serve", help="run the web server")
    serve_p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve_p.add_argument("--port", type=int, help="port to listen on (default 8080)")
    with_data_dir(serve_p)
    serve_p.add_argument("--demo", action="store_true", help="seed demo data and print the demo sign-ins")

    staff_p = commands.add_parser("create-staff", help="create a staff account")
    staff_p.add_argument("--username", required=True)
    staff_p.add_argument("--name", required=True)
    staff_p.add_argument("--role", required=True, choices=["advocate", "manager", "reviewer", "admin"])
    staff_p.add_argument("--manager", help="the advocate's manager (username)")
    staff_p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    with_data_dir(staff_p)

    pairing_cli.add_commands(commands, with_data_dir)

    keys_p = commands.add_parser("keys", help="master keys for encryption at rest")
    keys_commands = keys_p.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("new", help="print a new master key (base64) for ADVOCACY_MASTER_KEY or a key file")
    with_data_dir(keys_commands.add_parser(
        "rotate", help="re-wrap every data key under ADVOCACY_MASTER_KEY; give the old key in "
                       "ADVOCACY_ACCEPTED_MASTER_KEYS (servers keep running)"))
    with_data_dir(keys_commands.add_parser("status", help="how many data keys each master key wraps"))

    export_p = commands.add_parser("export-child", help="everything held about a child, as JSON and a readable page")
    export_p.add_argument("child_id")
    export_p.add_argument("--out", type=Path, default=Path("."), help="folder to write ID.json and ID.html in")
    with_data_dir(export_p)

    left_p = commands.add_parser("left-care", help="record that a child left care (their retention period starts)")
    left_p.add_argument("child_id")
    left_p.add_argument("--on", help="the date, YYYY-MM-DD (default: today)")
    with_data_dir(left_p)

    retention_p = commands.add_parser("retention", help="the retention policy (config/retention.toml)")
    retention_commands = retention_p.add_subparsers(dest="retention_command", required=True)
    with_data_dir(retention_commands.add_parser("run", help="erase now what is past retention (servers do it daily)"))

    audit_p = commands.add_parser("audit", help="the hash-chained audit trail")
    audit_commands = audit_p.add_subparsers(dest="audit_command", required=True)
    verify_p = audit_commands.add_parser(
        "verify", help="check every entry and link; report the first entry changed, removed or reordered")
    verify_p.add_argument("--anchor", type=_anchor, help="NUMBER:HASH printed by an earlier verify, to check it is still there")
    with_data_dir(verify_p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {
        "host": getattr(args, "host", None),
        "port": getattr(args, "port", None),
        "data_dir": getattr(args, "data_dir", None),
    }
    try:
        settings = load(overrides=overrides)
    except SettingsError as exc:
        print(f"advocacy: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "serve":
            asyncio.run(serve(settings, args.demo))
        elif args.command == "create-staff":
            asyncio.run(create_staff_command(settings, args))
        elif args.command == "keys" and args.keys_command == "new":
            print(new_master_key())
        elif args.command == "pairing" and args.pairing_command == "solve":
            return pairing_cli.solve_command(args)
        elif args.command in ("pairing", "import"):
            return asyncio.run(_with_store(settings, args))
        elif args.command == "keys" and args.keys_command == "rotate":
            return asyncio.run(keys_rotate_command(settings))
        elif args.command == "keys" and args.keys_command == "status":
            return asyncio.run(keys_status_command(settings))
        elif args.command == "export-child":
            return asyncio.run(export_child_command(settings, args.child_id, args.out))
        elif args.command == "left-care":
            return asyncio.run(left_care_command(settings, args.child_id, args.on))
        elif args.command == "retention" and args.retention_command == "run":
            return asyncio.run(retention_run_command(settings))
        elif args.command == "audit" and args.audit_command == "verify":
            return asyncio.run(audit_verify_command(settings, args.anchor))
    except (EmbeddedDatabaseError, DatabaseUnavailable) as exc:
        print(f"advocacy: the database could not start: {exc}", file=sys.stderr)
        return 1
    except MasterKeyError as exc:
        print(f"advocacy: {exc}", file=sys.stderr)
        return 2
    except SettingsError as exc:
        print(f"advocacy: configuration error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"advocacy: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
