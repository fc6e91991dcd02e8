"""HTTP for non-instructed advocacy and key moments in a child's care (issue 17). Thin."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.edge.handlers import json_body, ok, page_context, principal_of, staff_page
from advocacy.edge.keys import services_key
from advocacy.errors import ServiceError
from advocacy.moments import rules as moment_rules
from advocacy.people import child_names

routes = web.RouteTableDef()


# non-instructed advocacy -------------------------------------------------------


@routes.get("/api/non-instructed")
async def non_instructed_children(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(children=await request.app[services_key].non_instructed.listing(principal))


@routes.get("/api/children/{child}/non-instructed")
async def non_instructed_record(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(**await request.app[services_key].non_instructed.record(principal, request.match_info["child"]))


@routes.post("/api/children/{child}/non-instructed")
async def decide_non_instructed(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    service = request.app[services_key].non_instructed
    return ok(201, **await service.decide(principal, request.match_info["child"], await json_body(request)))


@routes.post("/api/children/{child}/instructed")
async def back_to_instructed(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    service = request.app[services_key].non_instructed
    return ok(**await service.instructed(principal, request.match_info["child"], await json_body(request)))


@routes.post("/api/children/{child}/visits")
async def record_visit(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    service = request.app[services_key].non_instructed
    return ok(201, visit=await service.add_visit(principal, request.match_info["child"], await json_body(request)))


# key moments ---------------------------------------------------------------------


@routes.get("/api/children/{child}/moments")
async def child_moments(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    moments = request.app[services_key].moments
    return ok(moments=await moments.listing(principal, request.match_info["child"]))


@routes.post("/api/children/{child}/moments")
async def add_moment(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    moments = request.app[services_key].moments
    return ok(201, moment=await moments.add(principal, request.match_info["child"], await json_body(request)))


@routes.post("/api/moments/{moment}/views")
async def moment_views(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    moments = request.app[services_key].moments
    return ok(moment=await moments.record_views(principal, request.match_info["moment"], await json_body(request)))


@routes.post("/api/moments/{moment}/outcome")
async def moment_outcome(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    moments = request.app[services_key].moments
    return ok(moment=await moments.record_outcome(principal, request.match_info["moment"], await json_body(request)))


@routes.get("/api/figures/moments")
async def moment_figures(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    moments = request.app[services_key].moments
    return ok(**await moments.figures(principal, request.query.get("from"), request.query.get("to")))


# the console page ------------------------------------------------------------------


@routes.get("/console/children/{child}/advocacy", name="console_child_advocacy")
async def console_child_advocacy(request: web.Request) -> web.StreamResponse:
    """One child's non-instructed advocacy and key moments, for their advocate and manager."""
    principal = await staff_page(request, "non_instructed.read",
                                 "This page is for the child's advocate and their manager.")
    services = request.app[services_key]
    child_id = request.match_info["child"]
    try:
        record = await services.non_instructed.record(principal, child_id)
        moments = await services.moments.listing(principal, child_id)
    except ServiceError as error:
        raise web.HTTPNotFound(text=error.message) from None
    names = await child_names(services.store, [child_id])
    return aiohttp_jinja2.render_template(
        "console/child_advocacy.html", request,
        page_context(request, "console-child-advocacy", principal.public(), child=child_id,
                     child_name=names.get(child_id, "The child"), record=record, moments=moments,
                     kinds=moment_rules.KINDS, matched=moment_rules.MATCHED, max_chars=services.moments.limit),
    )
