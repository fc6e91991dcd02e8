"""HTTP for non-instructed advocacy and key moments in a child's care (issue 17). Thin."""

from __future__ import annotations

from aiohttp import web

from advocacy.edge.handlers import json_body, ok, principal_of
from advocacy.edge.keys import services_key

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
