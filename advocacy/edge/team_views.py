"""The manager's team page (and its tables as CSV). Thin."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.edge.handlers import csv_response, link, page_context, staff_page
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError

routes = web.RouteTableDef()

DOWNLOADS = {
    "caseloads": (["Advocate", "Children", "Can take", "Comfortable with", "Now"],
                  "advocates", lambda a: (a["name"], a["children"], a["capacity"], a["comfortable"], a["status"])),
    "waiting": (["Child", "Advocate", "Waiting since", "For"],
                "waiting", lambda w: (w["child_name"], w["advocate"], w["since"], w["for"])),
    "unpaired": (["Council", "Waiting for an advocate since", "For"],
                 "unpaired", lambda u: (u["la"], u["since"], u["for"])),
    "deadlines": (["Child", "Advocate", "About", "Severity", "Next deadline", "Due", "When"],
                  "deadlines", lambda d: (d["child_name"], d["advocate"], d["about"], d["severity"], d["what"],
                                          d["due"], d["due_words"])),
    "cover": (["Advocate", "First day away", "Last day away", "Now", "Children covered", "Covered by",
               "Without cover"],
              "leaves", lambda lv: (lv["advocate"], lv["first_day"], lv["last_day"], lv["state"], lv["covered"],
                                    ", ".join(lv["covers"]), ", ".join(lv["missing"]))),
}


@routes.get("/console/team", name="console_team")
async def team_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.team", "This page is for managers of advocates.")
    team = await request.app[services_key].team.team(principal)
    download = request.query.get("download")
    if download is not None:
        if download not in DOWNLOADS:
            raise ServiceError("bad_request", f"download must be one of {', '.join(DOWNLOADS)}.")
        header, key, shape = DOWNLOADS[download]
        return csv_response(f"team {download}", header, [shape(row) for row in team[key]])
    return aiohttp_jinja2.render_template("console/team.html", request, page_context(
        request, "team", principal.public(), **team, link=lambda **changes: link(request, **changes)))
