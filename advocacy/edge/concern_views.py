"""HTTP for concerns: the JSON API under /api/concerns and the pages that use it. Thin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.principal import Principal
from advocacy.edge.handlers import json_body, ok, page_context, page_principal, principal_of, signed_in_as
from advocacy.edge.keys import services_key
from advocacy.people import child_names

if TYPE_CHECKING:
    from advocacy.bootstrap import Services

routes = web.RouteTableDef()


async def _shown(request: web.Request, principal: Principal, doc: dict[str, Any], status: int = 200,
                 **extra: Any) -> web.Response:
    return ok(status, concern=await request.app[services_key].concerns.view(principal, doc), **extra)


# the API ---------------------------------------------------------------------


@routes.post("/api/concerns")
async def create_concern(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    doc, triaged = await request.app[services_key].concerns.create(principal, await json_body(request))
    extra = {"help": triaged["help"]} if triaged and principal.role == "child" and triaged.get("help") else {}
    return await _shown(request, principal, doc, 201, **extra)


@routes.get("/api/concerns")
async def list_concerns(request: web.Request) -> web.Response:
    principal = await signed_in_as(request, "concern.read")
    concerns = await request.app[services_key].concerns.listing(
        principal, request.query.get("child"), request.query.get("status")
    )
    return ok(concerns=concerns)


@routes.get("/api/concerns/categories")
async def categories(request: web.Request) -> web.Response:
    await signed_in_as(request, "concern.categories")
    return ok(categories=request.app[services_key].concerns.category_list())


@routes.get("/api/concerns/{concern}")
async def read_concern(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    return ok(concern=await request.app[services_key].concerns.read(principal, request.match_info["concern"]))


ConcernAction = Callable[[Principal, str, dict[str, Any]], Awaitable[dict[str, Any]]]


def concern_action(action: Callable[[Services], ConcernAction], status: int = 200, body_optional: bool = False):
    """A handler that calls ``action(services)(principal, concern id, body)`` and answers with the concern."""

    async def handler(request: web.Request) -> web.Response:
        principal = await principal_of(request)
        body = {} if body_optional and not request.can_read_body else await json_body(request)
        doc = await action(request.app[services_key])(principal, request.match_info["concern"], body)
        return await _shown(request, principal, doc, status)

    return handler


routes.post("/api/concerns/{concern}/actions")(concern_action(lambda s: s.concerns.add_action, 201))
routes.post("/api/concerns/{concern}/status")(concern_action(lambda s: s.concerns.change_status))
routes.post("/api/concerns/{concern}/resolve")(concern_action(lambda s: s.concerns.resolve))
routes.post("/api/concerns/{concern}/close")(concern_action(lambda s: s.concerns.close, body_optional=True))
routes.post("/api/concerns/{concern}/escalate")(concern_action(lambda s: s.ladder.escalate_by_hand))


# pages -----------------------------------------------------------------------


STAFF_ONLY = "This page is for advocates and their managers."


@routes.get("/child/worries", name="child_worries")
async def child_worries_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.child_worries", "/child/sign-in", STAFF_ONLY)
    waiting = await request.app[services_key].feedback.waiting(principal.user_id)
    return aiohttp_jinja2.render_template("child/worries.html", request,
                                         page_context(request, "child-worries", principal.public(),
                                                      feedback_waiting=waiting))


@routes.get("/child/worries/new", name="child_new_worry")
async def child_new_worry_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.child_worries", "/child/sign-in", STAFF_ONLY)
    concerns = request.app[services_key].concerns
    return aiohttp_jinja2.render_template(
        "child/new_worry.html", request,
        page_context(request, "child-new-worry", principal.public(), categories=concerns.category_list(),
                     max_chars=concerns.limit),
    )


@routes.get("/console/concerns", name="console_concerns")
async def console_concerns_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.console_concerns", "/staff/sign-in", STAFF_ONLY)
    concerns = request.app[services_key].concerns
    ids = await concerns.children_in_scope(principal, "concern.create")
    names = await child_names(concerns.store, ids)
    children = sorted(({"id": i, "name": names.get(i, i)} for i in ids), key=lambda c: c["id"])
    return aiohttp_jinja2.render_template(
        "console/concerns.html", request,
        page_context(request, "console-concerns", principal.public(), children=children,
                     categories=concerns.category_list(), max_chars=concerns.limit),
    )
