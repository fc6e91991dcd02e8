"""The `advocacy` command: serve, create-staff, staff, keys, audit, las, export-child, retention, pairing, import,
import-moments.

Each command is a function of (settings, arguments) in ``serve``, ``pairing`` or ``operator``;
every one gets its services from ``advocacy.bootstrap``, as the server does.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from advocacy import logs
from advocacy.cli import backup, operator, pairing, staff
from advocacy.cli.serve import serve
from advocacy.crypto import MasterKeyError, create_key_file, new_master_key
from advocacy.embedded_db import EmbeddedDatabaseError
from advocacy.settings import SettingsError, load
from advocacy.store import DatabaseUnavailable
from advocacy.supervisor import supervise

log = logging.getLogger("advocacy")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="advocacy", description="The children's independent advocacy service.")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_data_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", help="where the embedded database lives (default: var/; a development key "
                                          "and the demo's sign-ins go beside it, in var-key/)")

    serve_p = commands.add_parser("serve", help="run the web server")
    serve_p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve_p.add_argument("--port", type=int, help="port to listen on (default 8080)")
    with_data_dir(serve_p)
    serve_p.add_argument("--demo", action="store_true", help="seed demo data and print the demo sign-ins")
    serve_p.add_argument("--workers", type=int,
                         help="how many server processes (default 1; more need ADVOCACY_REDIS_URL)")
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

    pairing.add_commands(commands, with_data_dir)
    staff.add_commands(commands, with_data_dir)

    keys_p = commands.add_parser("keys", help="master keys for encryption at rest")
    keys_commands = keys_p.add_subparsers(dest="keys_command", required=True)
    keys_new_p = keys_commands.add_parser(
        "new", help="a new master key (base64): printed, or written with --out to a file only you can read")
    keys_new_p.add_argument("--out", metavar="PATH",
                            help="write it to this new file (mode 600) for ADVOCACY_MASTER_KEY_FILE, outside the data "
                                 "folder")
    with_data_dir(keys_commands.add_parser(
        "rotate", help="re-wrap every data key under ADVOCACY_MASTER_KEY; give the old key in "
                       "ADVOCACY_ACCEPTED_MASTER_KEYS (servers keep running)"))
    with_data_dir(keys_commands.add_parser("status", help="how many data keys each master key wraps"))

    las_p = commands.add_parser(
        "las", help="the local authorities children are placed in (config/local_authorities.toml)")
    las_commands = las_p.add_subparsers(dest="las_command", required=True)
    with_data_dir(las_commands.add_parser("list", help="every local authority held, with its code and region"))
    las_import_p = las_commands.add_parser(
        "import", help="add or update the authorities in a file like config/local_authorities.toml")
    las_import_p.add_argument("file", type=Path)
    with_data_dir(las_import_p)
    las_add_p = las_commands.add_parser("add", help="add one local authority (a reorganisation made a new one)")
    las_add_p.add_argument("code", help="its GSS code, e.g. E06000066")
    las_add_p.add_argument("--name", required=True)
    las_add_p.add_argument("--region", required=True, help="one of the nine regions of England, e.g. 'South West'")
    las_add_p.add_argument("--dfe", help="its DfE three-digit local authority number")
    with_data_dir(las_add_p)
    las_retire_p = las_commands.add_parser(
        "retire", help="no new child is placed in this authority (its children stay where they are)")
    las_retire_p.add_argument("code")
    with_data_dir(las_retire_p)

    backup_p = commands.add_parser("backup", help="copy every collection to a folder (never the master key)")
    backup_p.add_argument("--out", type=Path, required=True, help="a new or empty folder")
    with_data_dir(backup_p)
    restore_p = commands.add_parser("restore", help="restore a backup into an empty database")
    restore_p.add_argument("folder", type=Path, help="the folder `advocacy backup --out` wrote")
    with_data_dir(restore_p)

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
    verify_p.add_argument("--anchor", type=operator.anchor,
                          help="NUMBER:HASH printed by an earlier verify, to check it is still there")
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
    logs.configure(settings.log_level, settings.log_format)
    if args.command == "serve" and args.demo:
        settings = settings.replace(development_master_key=True)
    try:
        if args.command == "serve" and settings.workers > 1:
            asyncio.run(supervise(settings, settings.workers, args.demo, args.reuse_port))
        elif args.command == "serve":
            asyncio.run(serve(settings, args.demo, args.reuse_port))
        elif args.command == "staff":
            return asyncio.run(staff.staff_command(settings, args))
        elif args.command == "create-staff":
            asyncio.run(operator.create_staff_command(settings, args))
        elif args.command == "demo" and args.demo_command == "swarm-seed":
            if not 1 <= args.pairs <= 100_000:
                print("advocacy: swarm-seed makes 1 to 100,000 pairs", file=sys.stderr)
                return 2
            asyncio.run(operator.swarm_seed_command(settings, args))
        elif args.command == "bots":
            asyncio.run(operator.bots_command(settings, args))
        elif args.command == "hours":
            if not args.default and not (args.start and args.end):
                print("advocacy: give START and END (HH:MM), or --default", file=sys.stderr)
                return 2
            asyncio.run(operator.hours_command(settings, args))
        elif args.command == "keys" and args.keys_command == "new":
            if not args.out:
                print(new_master_key())
            else:
                create_key_file(Path(args.out))
                print(f"Wrote a new master key to {args.out} (readable only by you). Start the server with "
                      f"ADVOCACY_MASTER_KEY_FILE={args.out}")
        elif args.command == "pairing" and args.pairing_command == "solve":
            return pairing.solve_command(args)
        elif args.command in ("pairing", "import", "import-moments"):
            return asyncio.run(pairing.with_services(settings, args))
        elif args.command == "keys" and args.keys_command == "rotate":
            return asyncio.run(operator.keys_rotate_command(settings))
        elif args.command == "keys" and args.keys_command == "status":
            return asyncio.run(operator.keys_status_command(settings))
        elif args.command == "backup":
            return asyncio.run(backup.backup_command(settings, args.out))
        elif args.command == "restore":
            return asyncio.run(backup.restore_command(settings, args.folder))
        elif args.command == "las":
            return asyncio.run(operator.las_command(settings, args))
        elif args.command == "export-child":
            return asyncio.run(operator.export_child_command(settings, args.child_id, args.out))
        elif args.command == "left-care":
            return asyncio.run(operator.left_care_command(settings, args.child_id, args.on))
        elif args.command == "retention" and args.retention_command == "run":
            return asyncio.run(operator.retention_run_command(settings))
        elif args.command == "figures" and args.figures_command == "rebuild":
            return asyncio.run(operator.figures_rebuild_command(settings))
        elif args.command == "audit" and args.audit_command == "verify":
            return asyncio.run(operator.audit_verify_command(settings, args.anchor))
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
