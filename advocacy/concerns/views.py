"""HTTP for concerns: the JSON API under /api/concerns and the pages that use it. Thin."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.auth.principal import Principal
from advocacy.concerns.keys import concerns_key, ladder_key
from advocacy.errors import ServiceError
from advocacy.people import child_names
from advocacy.views import page_context
from advocacy.web import json_body, ok, optional_principal, principal_of

routes = web.RouteTableDef()


async def signed_in_as(request: web.Request, action: str) -> Principal:
    principal = await principal_of(request)
    if not may(principal.role, action):
        raise ServiceError("forbidden")
    return principal


async def _shown(request: web.Request, principal: Principal, doc: dict[str, Any], status: int = 200, **extra: Any) -> web.Response:
    return ok(status, concern=await request.app[concerns_key].view(principal, doc), **extra)


# the API ---------------------------------------------------------------------


@routes.post("/api/concerns")
async def create_concern(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    doc, triaged = await request.app[concerns_key].create(principal, await json_body(request))
    extra = {"help": triaged["help"]} if triaged and principal.role == "child" and triaged.get("help") else {}
    return await _shown(request, principal, doc, 201, **extra)


@routes.get("/api/concerns")
async def list_concerns(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "concern.read")
    concerns = await request.app[concerns_key].listing(
        principal, request.query.get("child"), request.query.get("status")
    )
    return ok(concerns=concerns)


@routes.get("/api/concerns/categories")
async def categories(request: web.Request) -> web.Response:
    await signed_in_as(request, "concern.categories")
    return ok(categories=request.app[concerns_key].category_list())


@routes.get("/api/concerns/{concern}")
async def read_concern(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(concern=await request.app[concerns_key].read(principal, request.match_info["concern"]))


def concern_action(service: web.AppKey, method: str, status: int = 200, body_optional: bool = False):
    """A handler that calls ``service.method(principal, concern id, body)`` and answers with the concern."""

    async def handler(request: web.Request) -> web.Response:
        principal = await principal_of(request)
        body = {} if body_optional and not request.can_read_body else await json_body(request)
        doc = await getattr(request.app[service], method)(principal, request.match_info["concern"], body)
        return await _shown(request, principal, doc, status)

    return handler


routes.post("/api/concerns/{concern}/actions")(concern_action(concerns_key, "add_action", 201))
routes.post("/api/concerns/{concern}/status")(concern_action(concerns_key, "change_status"))
routes.post("/api/concerns/{concern}/resolve")(concern_action(concerns_key, "resolve"))
routes.post("/api/concerns/{concern}/close")(concern_action(concerns_key, "close", body_optional=True))
routes.post("/api/concerns/{concern}/escalate")(concern_action(ladder_key, "escalate_by_hand"))


# pages -----------------------------------------------------------------------


async def _page_principal(request: web.Request, action: str, sign_in: str) -> Principal:
    principal = await optional_principal(request)
    if principal is None:
        raise web.HTTPSeeOther(sign_in)
    if not may(principal.role, action):
        if principal.role == "child":
            raise web.HTTPSeeOther("/child/sign-in")
        raise ServiceError("forbidden", "This page is for advocates and their managers.")
    return principal


@routes.get("/child/worries", name="child_worries")
async def child_worries_page(request: web.Request) -> web.StreamResponse:
    principal = await _page_principal(request, "page.child_worries", "/child/sign-in")
    return aiohttp_jinja2.render_template("child/worries.html", request,
                                         page_context(request, "child-worries", principal.public()))


@routes.get("/child/worries/new", name="child_new_worry")
async def child_new_worry_page(request: web.Request) -> web.StreamResponse:
    principal = await _page_principal(request, "page.child_worries", "/child/sign-in")
    concerns = request.app[concerns_key]
    return aiohttp_jinja2.render_template(
        "child/new_worry.html", request,
        page_context(request, "child-new-worry", principal.public(), categories=concerns.category_list(),
                     max_chars=concerns.limit),
    )


@routes.get("/console/concerns", name="console_concerns")
async def console_concerns_page(request: web.Request) -> web.StreamResponse:
    principal = await _page_principal(request, "page.console_concerns", "/staff/sign-in")
    concerns = request.app[concerns_key]
    ids = await concerns.children_in_scope(principal, "concern.create")
    names = await child_names(concerns.store, ids)
    children = sorted(({"id": i, "name": names.get(i, i)} for i in ids), key=lambda c: c["id"])
    return aiohttp_jinja2.render_template(
        "console/concerns.html", request,
        page_context(request, "console-concerns", principal.public(), children=children,
                     categories=concerns.category_list(), max_chars=concerns.limit),
    )
