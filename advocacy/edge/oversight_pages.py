"""The reviewers' pages: the queue and a case (and revealing a child, for a reason). Thin."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.edge.handlers import csv_response, json_body, link, ok, page_context, signed_in_as, staff_page
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError

routes = web.RouteTableDef()
REFUSED = "These pages are for reviewers at the Children's Commissioner's office."


@routes.get("/oversight", name="oversight_queue")
async def queue_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.oversight", REFUSED)
    data = await request.app[services_key].reviewer_console.queue_page(principal, request.query)
    download = request.query.get("download")
    if download is not None:
        if download != "queue":
            raise ServiceError("bad_request", "download must be queue.")
        return csv_response("oversight queue", [
            "Level", "Reference", "Age", "Local authority", "Region", "About", "Status", "Claimed by", "Due",
            "In the queue since"], [
            (i["level"], i["ref"], i["age_band"], i["la_name"] or i["la"], i["region"], i["category_label"],
             i["status"], i["claimed_by_name"], i["due_words"], i["created_at"]) for i in data["items"]])
    return aiohttp_jinja2.render_template("oversight/queue.html", request, page_context(
        request, "oversight-queue", principal.public(), **data, link=lambda **changes: link(request, **changes)))


@routes.get("/oversight/items/{item}", name="oversight_case")
async def case_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.oversight", REFUSED)
    case = await request.app[services_key].reviewer_console.case(principal, request.match_info["item"])
    download = request.query.get("download")
    if download is not None:
        ref = case["item"]["ref"]
        if download == "timeline":
            return csv_response(f"{ref} timeline", ["When", "Who", "What", "On time?", "Words"],
                                [(r["when"], r["who"], r["what"], r["late"] or "", r["text"] or "")
                                 for r in case["timeline"]])
        if download == "advocates":
            return csv_response(f"{ref} advocates", ["When", "What", "Why", "Until", "Why it ended"],
                                [(r["when"], r["what"], r["why"], r["until"], r["end_why"]) for r in case["pairings"]])
        raise ServiceError("bad_request", "download must be timeline or advocates.")
    return aiohttp_jinja2.render_template("oversight/case.html", request, page_context(
        request, "oversight-case", principal.public(), **case, link=lambda **changes: link(request, **changes)))


@routes.post("/api/oversight/items/{item}/reveal")
async def reveal(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "oversight.reveal")
    identity = await request.app[services_key].reviewer_console.reveal(principal, request.match_info["item"],
                                                                       await json_body(request))
    return ok(identity=identity)
