"""The `advocacy` command: serve, create-staff."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import signal
import sys
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from advocacy import demo
from advocacy.clock import Clock
from advocacy.crypto import Keyring, MasterKeyError, load_master_key, new_master_key
from advocacy.embedded_db import EmbeddedDatabase, EmbeddedDatabaseError
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
        keyring = Keyring(store, load_master_key(settings, create_for_development=True))
        app = init_app(settings, store, clock, keyring)
        # Clients are sent a close packet at shutdown; give them a few seconds, not a minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port or None)
        await site.start()
        if with_demo:
            creds = await demo.seed(store, clock, Path(settings.data_dir), settings.base_url)
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

    keys_p = commands.add_parser("keys", help="master keys for encryption at rest")
    keys_commands = keys_p.add_subparsers(dest="keys_command", required=True)
    keys_commands.add_parser("new", help="print a new master key (base64) for ADVOCACY_MASTER_KEY or a key file")
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
            from advocacy.workers import supervise

            asyncio.run(supervise(settings, settings.workers, args.demo, args.reuse_port))
        elif args.command == "serve":
            asyncio.run(serve(settings, args.demo, args.reuse_port))
        elif args.command == "create-staff":
            asyncio.run(create_staff_command(settings, args))
        elif args.command == "keys" and args.keys_command == "new":
            print(new_master_key())
    except (EmbeddedDatabaseError, DatabaseUnavailable) as exc:
        print(f"advocacy: the database could not start: {exc}", file=sys.stderr)
        return 1
    except MasterKeyError as exc:
        print(f"advocacy: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"advocacy: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
