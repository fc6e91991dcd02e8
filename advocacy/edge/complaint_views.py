"""HTTP for complaints about the service: the JSON API under /api/complaints and the pages that use it. Thin."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.complaints import rules
from advocacy.edge.handlers import json_body, ok, page_context, page_principal, principal_of, staff_page
from advocacy.edge.keys import services_key
from advocacy.people import child_names

routes = web.RouteTableDef()


async def _body(request: web.Request) -> dict:
    return await json_body(request) if request.can_read_body else {}


@routes.post("/api/complaints")
async def make_complaint(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    complaints = request.app[services_key].complaints
    doc = await complaints.make(principal, await json_body(request))
    # Staff who record a complaint for a child may not read it afterwards unless they handle it.
    if principal.role == "child":
        return ok(201, complaint=await complaints.view(doc))
    return ok(201, complaint={"id": doc["_id"], "status": doc["status"], "goes_to": doc["handler"]["role"]})


@routes.get("/api/complaints")
async def list_complaints(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(complaints=await request.app[services_key].complaints.listing(principal))


@routes.get("/api/complaints/{complaint}")
async def read_complaint(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(complaint=await request.app[services_key].complaints.read(principal, request.match_info["complaint"]))


@routes.post("/api/complaints/{complaint}/acknowledge")
async def acknowledge_complaint(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    complaints = request.app[services_key].complaints
    return ok(complaint=await complaints.acknowledge(principal, request.match_info["complaint"],
                                                     await _body(request)))


@routes.post("/api/complaints/{complaint}/answer")
async def answer_complaint(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    complaints = request.app[services_key].complaints
    return ok(complaint=await complaints.answer(principal, request.match_info["complaint"], await json_body(request)))


@routes.post("/api/complaints/{complaint}/escalate")
async def escalate_complaint(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    complaints = request.app[services_key].complaints
    return ok(complaint=await complaints.escalate(principal, request.match_info["complaint"], await _body(request)))


# pages -----------------------------------------------------------------------


@routes.get("/child/complaints", name="child_complaints")
async def child_complaints_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.child_complaints", "/child/sign-in",
                                     "This page is for young people.")
    services = request.app[services_key]
    return aiohttp_jinja2.render_template(
        "child/complaints.html", request,
        page_context(request, "child-complaints", principal.public(), about=rules.ABOUT,
                     complaints=await services.complaints.listing(principal),
                     max_chars=services.complaints.limit, acknowledge_days=services.complaints.acknowledge_days,
                     status_words=rules.STATUS_WORDS, escalated_words=rules.ESCALATED_WORDS,
                     commissioner_done=rules.COMMISSIONER_DONE),
    )


@routes.get("/console/complaints", name="console_complaints")
async def console_complaints_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.console_complaints",
                                 "This page is for managers and admins of the advocacy service.")
    services = request.app[services_key]
    complaints = await services.complaints.listing(principal)
    names = await child_names(services.store, [c["child"] for c in complaints])
    return aiohttp_jinja2.render_template(
        "console/complaints.html", request,
        page_context(request, "console-complaints", principal.public(), outcomes=rules.OUTCOMES,
                     complaints=[{**c, "child_name": names.get(c["child"], "A child")} for c in complaints],
                     max_chars=services.complaints.limit),
    )
