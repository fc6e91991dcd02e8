"""``advocacy staff list|add|edit``: staff records from the command line, as an admin would on the staff page.

The command acts as the operator (audited as ``cli`` with the admin's rights), through the same
``StaffDirectory`` as the page, so the same checks, audit entries and pairing plans follow.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime, timezone
from typing import Any

from advocacy.auth.principal import Principal
from advocacy.bootstrap import open_services
from advocacy.errors import ServiceError
from advocacy.settings import Settings
from advocacy.spoken_languages import by_name

OPERATOR = Principal(session_id="cli", user_id="cli", role="admin", name="operator",
                     expires_at=datetime.max.replace(tzinfo=timezone.utc))


def add_commands(commands: Any, with_data_dir: Any) -> None:
    staff_p = commands.add_parser("staff", help="staff records: list, add, edit (as the staff page does)")
    staff_commands = staff_p.add_subparsers(dest="staff_command", required=True)
    with_data_dir(staff_commands.add_parser("list", help="everyone on the staff, with languages, regions and ties"))

    def profile(p: argparse.ArgumentParser) -> None:
        p.add_argument("--name")
        p.add_argument("--role", choices=["advocate", "manager", "reviewer", "admin", "interpreter"])
        p.add_argument("--manager", help="the advocate's manager (username); '' for none")
        p.add_argument("--capacity", help="most children they can take (0-500)")
        p.add_argument("--comfortable", help="how many they are comfortable with; '' for not set")
        p.add_argument("--hours", help="working hours HH:MM-HH:MM (Monday to Friday); '' for the usual")
        p.add_argument("--languages", help="language codes, comma-separated, e.g. en,pl (see `staff languages`)")
        p.add_argument("--regions", help="regions of England, comma-separated, e.g. 'London,South East'")
        p.add_argument("--ties", help="codes of local authorities they are tied to, comma-separated (`las list`)")
        with_data_dir(p)

    add_p = staff_commands.add_parser("add", help="add someone; their second factor is set up at first sign-in")
    add_p.add_argument("username")
    add_p.add_argument("--password-stdin", action="store_true", help="read the first password from standard input")
    profile(add_p)
    edit_p = staff_commands.add_parser("edit", help="change someone (only what is given)")
    edit_p.add_argument("username")
    edit_p.add_argument("--available", choices=["yes", "no"], help="taking new children")
    profile(edit_p)
    with_data_dir(staff_commands.add_parser("languages", help="the language codes and their names"))


def _data(args: argparse.Namespace) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in ("name", "role", "manager", "capacity", "comfortable", "languages", "regions", "ties"):
        value = getattr(args, field, None)
        if value is not None:
            data[field] = value
    if args.hours is not None:
        start, _, end = args.hours.partition("-")
        data["working_hours"] = {"start": start.strip(), "end": end.strip()} if args.hours else None
    if getattr(args, "available", None):
        data["available"] = args.available == "yes"
    return data


def _line(person: dict[str, Any]) -> str:
    parts = [f"{person['username']:<20} {person['role']:<9} {person['name']}"]
    if person["role"] == "advocate":
        parts.append(f"children {person['children']}/{person['capacity'] if person['capacity'] is not None else '-'}")
        if person["manager_name"]:
            parts.append(f"manager {person['manager_name']}")
    for label, key in (("languages", "languages"), ("ties", "ties")):
        if person[key]:
            parts.append(f"{label} " + ", ".join(f"{i['name']} ({i['code']})" for i in person[key]))
    if person["regions"]:
        parts.append("regions " + ", ".join(person["regions"]))
    return "; ".join(parts)


async def staff_command(settings: Settings, args: argparse.Namespace) -> int:
    if args.staff_command == "languages":
        for code, name in by_name():
            print(f"{code}  {name}")
        return 0
    password = None
    if args.staff_command == "add":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("First password: ")
    async with open_services(settings, master_key="not_needed") as services:
        staff = services.staff
        try:
            if args.staff_command == "list":
                for person in await staff.listing(OPERATOR):
                    print(_line(person))
            elif args.staff_command == "add":
                person, _ = await staff.create(OPERATOR, {"username": args.username, "password": password,
                                                          **_data(args)})
                print(f"Added {_line(person)}. Their second factor is set up at their first sign-in.")
            elif args.staff_command == "edit":
                result = await staff.change(OPERATOR, args.username, _data(args))
                print(f"Changed: {', '.join(result['changed']) or 'nothing'}. {_line(result['staff'])}")
                if result["plan"]:
                    print(f"{result['plan']['children']} of their children may not stay with them: pairing plan "
                          f"{result['plan']['id']} proposes where they go. Review it on the pairing plans page "
                          f"(/console/pairing?plan={result['plan']['id']}); nobody moves until it is applied.")
        except ServiceError as error:
            print(f"advocacy: {error.message}", file=sys.stderr)
            return 2
    return 0
