"""The `advocacy pairing solve|plan|apply` and `advocacy import` commands.

Plans are applied and children imported through the same ``PairingService`` as in a
server (advocacy.bootstrap): every change of advocate is recorded in the audit trail,
moves the child's concerns to their new advocate, tells the child and staff, and (with
several processes, through Redis) moves the open pages of everyone it concerns.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from advocacy.bootstrap import Services, open_services
from advocacy.moments.importer import import_moments
from advocacy.pairing import plans
from advocacy.pairing.importer import import_children
from advocacy.pairing.instance import InstanceError, load_weights
from advocacy.pairing.solver import solve
from advocacy.settings import Settings

OPERATOR = {"id": "cli", "role": "admin"}


def add_commands(commands: argparse._SubParsersAction, with_data_dir) -> None:
    pairing = commands.add_parser("pairing", help="pair children with advocates")
    sub = pairing.add_subparsers(dest="pairing_command", required=True)
    solve_p = sub.add_parser("solve", help="solve a pairing instance (JSON file) and print the result as JSON")
    solve_p.add_argument("instance", help="the instance file, or - for standard input")
    solve_p.add_argument("--weights", help="a pairing.toml to read the cost weights from (default config/pairing.toml)")
    plan_p = sub.add_parser("plan", help="propose a re-pairing of the whole roster (changes nothing)")
    plan_p.add_argument("--max-moves", type=int, help="move at most this many children who have an advocate now")
    plan_p.add_argument("--out", help="where to write the plan (JSON) for `apply`; default DATA_DIR/plans/ID.json")
    with_data_dir(plan_p)
    apply_p = sub.add_parser("apply", help="apply a reviewed plan")
    apply_p.add_argument("plan", help="the plan file written by `advocacy pairing plan`")
    with_data_dir(apply_p)
    import_p = commands.add_parser("import", help="import a local authority's CSV of children coming into care")
    import_p.add_argument("file", help="CSV with a header row: name,la[,birth_date,languages,gender_preference,ref]")
    import_p.add_argument("--codes-out",
                          help="where to write the new access codes (default DATA_DIR/access-codes-TIME.csv)")
    with_data_dir(import_p)
    moments_p = commands.add_parser("import-moments",
                                    help="import a local authority's CSV of upcoming meetings and events for children")
    moments_p.add_argument("file", help="CSV with a header row: la,ref,kind,on")
    with_data_dir(moments_p)


class Progress:
    """Progress on standard error, at most a few times a second, so long runs show they are moving."""

    def __init__(self) -> None:
        self.last = 0.0
        self.shown = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        final = total and done >= total
        if now - self.last < 0.3 and not final and stage == self.shown:
            return
        self.last, self.shown = now, stage
        text = f"{stage}: {done:,}/{total:,}" if total else f"{stage}: step {done}"
        print(f"\r{text:<60}", end="" if not final else "\n", file=sys.stderr, flush=True)


def solve_command(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.instance == "-" else Path(args.instance).read_text(encoding="utf-8")
    except OSError as error:
        print(f"advocacy: cannot read {args.instance}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        instance = json.loads(text)
    except json.JSONDecodeError as error:
        print(f"advocacy: {args.instance} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
              file=sys.stderr)
        return 2
    try:
        result = solve(instance, load_weights(args.weights) if args.weights else None)
    except InstanceError as error:
        print(f"advocacy: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, sort_keys=False))
    return 0


async def with_services(settings: Settings, args: argparse.Namespace) -> int:
    async with open_services(settings, master_key="made_if_missing") as services:
        if args.command == "import":
            return await import_command(services, args)
        if args.command == "import-moments":
            return await import_moments_command(services, args)
        if args.pairing_command == "plan":
            return await plan_command(services, args)
        return await apply_command(services, args)


async def plan_command(services: Services, args: argparse.Namespace) -> int:
    if args.max_moves is not None and args.max_moves < 0:
        print("advocacy: --max-moves must be 0 or more", file=sys.stderr)
        return 2
    store = services.store
    plan = await plans.make_plan(store, services.clock, load_weights(), max_moves=args.max_moves,
                                 progress=Progress(), by=OPERATOR)
    out = Path(args.out) if args.out else Path(services.settings.data_dir) / "plans" / f"{plan['_id']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(plans.plan_json(plan), indent=2))
    names = {d["_id"]: d.get("username") or d["_id"]
             async for d in store.staff.find({"role": "advocate"}, {"username": 1})}
    print("\n".join(plans.summary_lines(plan, names)))
    print(f"\nplan {plan['_id']} written to {out}; nothing has changed. Apply it with: advocacy pairing apply {out}")
    return 0


async def apply_command(services: Services, args: argparse.Namespace) -> int:
    try:
        plan = json.loads(Path(args.plan).read_text(encoding="utf-8"))  # noqa: ASYNC240  (a command, not the server: nothing else waits on this loop)
    except (OSError, json.JSONDecodeError) as error:
        print(f"advocacy: cannot read the plan {args.plan}: {error}", file=sys.stderr)
        return 2
    problems = plans.check_plan(plan)
    if problems:
        print("advocacy: the plan is malformed:\n  " + "\n  ".join(problems[:10]), file=sys.stderr)
        return 2
    result = await plans.apply_plan(services.pairing, plan, OPERATOR, Progress())
    print(f"applied {result['applied']} change(s); skipped {len(result['skipped'])}")
    for skipped in result["skipped"]:
        print(f"  {skipped['child']}: {skipped['why']}")
    return 0


async def import_command(services: Services, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():  # noqa: ASYNC240  (a command, not the server: nothing else waits on this loop)
        print(f"advocacy: there is no file {path}", file=sys.stderr)
        return 2
    stamp = time.strftime("%Y%m%d-%H%M%S")
    codes = (Path(args.codes_out) if args.codes_out
             else Path(services.settings.data_dir) / f"access-codes-{stamp}.csv")
    report = await import_children(services.pairing, path, codes, Progress())
    print(f"{report['imported']} of {report['rows']} row(s) imported; {report['paired']} paired with an advocate")
    if report["left_care"]:
        print(f"{report['left_care']} child(ren) imported before recorded as having left care")
    for problem in report["problems"]:
        print(f"  not imported: {problem}")
    if report["codes"]:
        print(f"access codes for their advocates to hand over: {report['codes']} (only you can read it)")
    return 1 if report["problems"] else 0


async def import_moments_command(services: Services, args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():  # noqa: ASYNC240  (a command, not the server: nothing else waits on this loop)
        print(f"advocacy: there is no file {path}", file=sys.stderr)
        return 2
    report = await import_moments(services.moments, path.read_text(encoding="utf-8-sig"))  # noqa: ASYNC240
    print(f"{report['imported']} of {report['rows']} row(s) imported")
    for problem in report["problems"]:
        print(f"  not imported: {problem}")
    return 1 if report["problems"] else 0
