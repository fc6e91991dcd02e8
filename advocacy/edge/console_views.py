"""HTTP for the console's tools (issue 20 item 9): the team's canned replies (API and page), search across
the caller's own conversations and concerns, cover by hand, and the filters on the list of children. Thin."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.edge.handlers import json_body, ok, page_context, signed_in_as, staff_page
from advocacy.edge.keys import services_key
from advocacy.rich_text import sanitise
from advocacy.team.caseload import FILTERS

routes = web.RouteTableDef()


# canned replies -------------------------------------------------------------------


@routes.get("/api/canned-replies")
async def list_replies(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "replies.read")
    return ok(replies=await request.app[services_key].replies.listing(principal))


@routes.post("/api/canned-replies")
async def create_reply(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "replies.manage")
    return ok(201, reply=await request.app[services_key].replies.create(principal, await json_body(request)))


@routes.put("/api/canned-replies/{reply}")
async def change_reply(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "replies.manage")
    body = await json_body(request)
    return ok(reply=await request.app[services_key].replies.change(principal, request.match_info["reply"], body))


@routes.delete("/api/canned-replies/{reply}")
async def remove_reply(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "replies.manage")
    await request.app[services_key].replies.remove(principal, request.match_info["reply"])
    return ok(removed=request.match_info["reply"])


@routes.get("/console/replies", name="console_replies")
async def replies_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.console_replies", "This page is for advocates and their managers.")
    services = request.app[services_key]
    replies = await services.replies.listing(principal)
    for reply in replies:  # stored clean; cleaned again as it is shown, so the page never trusts the store
        reply["shown"] = sanitise(reply["body"])
    return aiohttp_jinja2.render_template("console/replies.html", request, page_context(
        request, "console-replies", principal.public(), replies=replies,
        in_team=await services.replies.team_of(principal) is not None,
        message_chars=services.settings.max_message_chars))


# search -----------------------------------------------------------------------------


@routes.get("/api/search")
async def search(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "search")
    return ok(**await request.app[services_key].search.search(principal, request.query.get("q")))


# cover by hand ----------------------------------------------------------------------


def _by(principal) -> dict[str, str]:
    return {"id": principal.user_id, "role": principal.role}


@routes.post("/api/children/{child}/cover")
async def hand_over(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "child.cover")
    services = request.app[services_key]
    child = await services.access.child(principal, "child.cover", request.match_info["child"])
    body = await json_body(request)
    return ok(201, cover=await services.hand_overs.hand_over(_by(principal), child, body))


@routes.delete("/api/children/{child}/cover")
async def end_hand_over(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "child.cover")
    services = request.app[services_key]
    child = await services.access.child(principal, "child.cover", request.match_info["child"])
    return ok(cover=await services.hand_overs.end(_by(principal), child))


# the list of children, filtered -----------------------------------------------------


@routes.get("/api/console/children")
async def console_children(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "console.children")
    wanted = request.query.get("filter")
    children = await request.app[services_key].caseload.children(principal, wanted)
    return ok(filter=wanted or "all", filters=list(FILTERS), children=children)
