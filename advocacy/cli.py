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
from advocacy.auth.access import Access
from advocacy.clock import Clock
from advocacy.concerns.demo import seed_concerns
from advocacy.figures.demo import seed_history
from advocacy.crypto import Keyring, MasterKeyError, load_accepted_master_keys, load_master_key, new_master_key
from advocacy.embedded_db import EmbeddedDatabase, EmbeddedDatabaseError, running_uri
from advocacy.pairing import cli as pairing_cli
from advocacy.settings import Settings, SettingsError, load
from advocacy.store import DatabaseUnavailable, Store

log = logging.getLogger("advocacy")


@contextlib.asynccontextmanager
async def open_store(settings: Settings, share_running: bool = False) -> AsyncIterator[Store]:
    """Connect to MongoDB, or start the embedded database when no URI is set.

    With ``share_running``, an embedded database that a running server already
    started on the data folder is used as it is (and left running).
    """
    embedded = None
    uri = settings.mongodb_uri or (running_uri(Path(settings.data_dir)) if share_running else None)
    if not uri:
        embedded = await EmbeddedDatabase.start(Path(settings.data_dir))
        uri = embedded.uri
    try:
        store = await Store.connect(
            uri, settings.database_name, settings.database_timeout_seconds,
            settings.database_operation_timeout_seconds,
        )
        try:
            await store.create_indexes()
            yield store
        finally:
            store.close()
    finally:
        if embedded is not None:
            await embedded.stop()


async def serve(settings: Settings, with_demo: bool, reuse_port: bool = False) -> None:
    from advocacy.app import init_app

    async with open_store(settings) as store:
        clock = Clock()
        keyring = Keyring(store, load_master_key(settings, create_for_development=True),
                          load_accepted_master_keys(settings), clock=clock)
        app = init_app(settings, store, clock, keyring)
        # Clients are sent a close packet at shutdown; give them a few seconds, not a minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None)
        await site.start()
        service_bots = None
        if settings.bots_enabled:
            from advocacy.app import auth_key
            from advocacy.botapi.runner import ServiceBots, loopback_url

            service_bots = ServiceBots(store, app[auth_key], clock, loopback_url(settings, settings.port))
            service_bots.start()
        if with_demo:
            creds = await demo.seed(store, clock, Path(settings.data_dir), settings.base_url)
            await seed_concerns(app, creds)
            await seed_history(app)
            print(demo.describe(creds), flush=True)
        else:
            print(f"Advocacy service running at {settings.base_url} (Ctrl+C to stop)", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        print("Stopping…", flush=True)
        if service_bots is not None:
            await service_bots.stop()
        await runner.cleanup()


async def create_staff_command(settings: Settings, args: argparse.Namespace) -> None:
    from advocacy.auth.accounts import StaffError, create_staff

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    async with open_store(settings, share_running=True) as store:
        manager_id = None
        if args.manager:
            manager = await store.staff.find_one({"username": args.manager.lower(), "role": "manager"})
            if manager is None:
                raise StaffError(f"there is no manager with the username {args.manager!r}")
            manager_id = manager["_id"]
        doc = await create_staff(store, Clock(), username=args.username, password=password, name=args.name,
                                 role=args.role, manager=manager_id)
    print(f"Created {doc['role']} {doc['username']} ({doc['_id']}).")


async def bots_command(settings: Settings, args: argparse.Namespace) -> None:
    from advocacy.auth.service import AuthService
    from advocacy.botapi.accounts import create_bot, issue_token

    async with open_store(settings, share_running=True) as store:
        clock = Clock()
        auth = AuthService(store, settings, clock)
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
    from advocacy.botapi import hours

    async with open_store(settings, share_running=True) as store:
        value = None if args.default else hours.check(args.start, args.end)
        result = await store.staff.update_one({"username": args.username.lower(), "role": "advocate"},
                                              {"$set": {"working_hours": value}})
        if result.matched_count != 1:
            raise ValueError(f"there is no advocate with the username {args.username!r}")
    print(f"{args.username} now works " + ("the service's usual hours." if value is None
                                             else f"{value['start']} to {value['end']}, Monday to Friday."))


async def swarm_seed_command(settings: Settings, args: argparse.Namespace) -> None:
    from advocacy.auth.service import AuthService
    from advocacy.loadtest import seed_pairs, write

    async with open_store(settings, share_running=True) as store:
        clock = Clock()
        Keyring(store, load_master_key(settings, create_for_development=True), load_accepted_master_keys(settings),
                clock=clock).attach()
        accounts = await seed_pairs(
            store, AuthService(store, settings, clock), clock, args.pairs, args.url or settings.base_url,
            progress=lambda done, total: print(f"\r  {done}/{total} pairs", end="", flush=True),
        )
    out = Path(args.out or Path(settings.data_dir) / "swarm-accounts.json")
    write(out, accounts)
    print(f"\nWrote {args.pairs} child-advocate pairs with their tokens to {out}")


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
        data = await export.gather(store, ChatService(store, settings, clock, Access(store, clock)), clock, child_id)
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

    when = Clock().now() if on is None else datetime.combine(
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


async def figures_rebuild_command(settings: Settings) -> int:
    from advocacy.figures.tally import rebuild

    async with open_store(settings) as store:
        written = await rebuild(store)
    print(f"Recounted the figures' running totals: {written} area-months. The figures job publishes them "
          "at its next run.")
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
    serve_p.add_argument("--workers", type=int, help="how many server processes (default 1; more need ADVOCACY_REDIS_URL)")
    serve_p.add_argument("--reuse-port", action="store_true",
                         help="with --workers, every process listens on the one --port (SO_REUSEPORT) "
                              "instead of consecutive ports")

    staff_p = commands.add_parser("create-staff", help="create a staff account")
    staff_p.add_argument("--username", required=True)
    staff_p.add_argument("--name", required=True)
    staff_p.add_argument("--role", required=True, choices=["advocate", "manager", "reviewer", "admin"])
    staff_p.add_argument("--manager", help="the advocate's manager (username)")
    staff_p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    with_data_dir(staff_p)

    demo_p = commands.add_parser("demo", help="demo and load-test data")
    demo_commands = demo_p.add_subparsers(dest="demo_command", required=True)
    swarm_p = demo_commands.add_parser("swarm-seed", help="make N child-advocate pairs for `python -m bots.swarm`")
    swarm_p.add_argument("pairs", type=int, help="how many pairs")
    swarm_p.add_argument("--out", help="where to write the tokens (default DATA_DIR/swarm-accounts.json)")
    swarm_p.add_argument("--url", help="the service's address, written into the file (default: this one's)")
    with_data_dir(swarm_p)

    bots_p = commands.add_parser("bots", help="bot accounts and their tokens")
    bots_commands = bots_p.add_subparsers(dest="bots_command", required=True)
    create_p = bots_commands.add_parser("create", help="make a bot account and print its token")
    create_p.add_argument("name", help="the bot's name, shown to children beside what it writes")
    create_p.add_argument("--days", type=int, help="how long the token lasts (default: bot_session_days)")
    with_data_dir(create_p)
    revoke_p = bots_commands.add_parser("revoke", help="end every token of a bot")
    revoke_p.add_argument("name")
    with_data_dir(revoke_p)

    hours_p = commands.add_parser("hours", help="an advocate's own working hours (Monday to Friday, not bank holidays)")
    hours_p.add_argument("username")
    hours_p.add_argument("start", nargs="?", help="HH:MM")
    hours_p.add_argument("end", nargs="?", help="HH:MM")
    hours_p.add_argument("--default", action="store_true", help="back to the service's usual hours")
    with_data_dir(hours_p)

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

    figures_p = commands.add_parser("figures", help="the transparency figures (docs/figures.md)")
    figures_commands = figures_p.add_subparsers(dest="figures_command", required=True)
    with_data_dir(figures_commands.add_parser(
        "rebuild", help="recount the running totals from the concern, opt-out and message records"))

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
        "workers": getattr(args, "workers", None),
    }
    try:
        settings = load(overrides=overrides)
    except SettingsError as exc:
        print(f"advocacy: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        if args.command == "serve" and settings.workers > 1:
            from advocacy.supervisor import supervise

            asyncio.run(supervise(settings, settings.workers, args.demo, args.reuse_port))
        elif args.command == "serve":
            asyncio.run(serve(settings, args.demo, args.reuse_port))
        elif args.command == "create-staff":
            asyncio.run(create_staff_command(settings, args))
        elif args.command == "demo" and args.demo_command == "swarm-seed":
            if not 1 <= args.pairs <= 100_000:
                print("advocacy: swarm-seed makes 1 to 100,000 pairs", file=sys.stderr)
                return 2
            asyncio.run(swarm_seed_command(settings, args))
        elif args.command == "bots":
            asyncio.run(bots_command(settings, args))
        elif args.command == "hours":
            if not args.default and not (args.start and args.end):
                print("advocacy: give START and END (HH:MM), or --default", file=sys.stderr)
                return 2
            asyncio.run(hours_command(settings, args))
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
        elif args.command == "figures" and args.figures_command == "rebuild":
            return asyncio.run(figures_rebuild_command(settings))
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
