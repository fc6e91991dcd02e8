"""Equality monitoring: the child's own page (/child/about-you), the API their advocate may use with their
agreement, and the figures by group for reviewers, managers and admins. Thin: parse, authorise, call
``advocacy.equality.service.Equality``."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from advocacy.auth.permissions import may
from advocacy.edge.handlers import (
    json_body,
    ok,
    optional_principal,
    page_context,
    page_principal,
    principal_of,
    staff_page,
)
from advocacy.edge.keys import services_key
from advocacy.figures.table import fewer_text

routes = web.RouteTableDef()
STAFF_ONLY = "This page is for young people. Staff use the console."


@routes.get("/child/about-you", name="child_about_you")
async def about_you_page(request: web.Request) -> web.StreamResponse:
    principal = await page_principal(request, "page.child_about_you", "/child/sign-in", STAFF_ONLY)
    equality = request.app[services_key].equality
    return aiohttp_jinja2.render_template("child/about_you.html", request, page_context(
        request, "child-about-you", principal.public(), questions=await equality.offered(principal.user_id),
        answers=await equality.answers(principal.user_id), saved="saved" in request.query,
        deleted="deleted" in request.query))


@routes.post("/child/about-you")
async def about_you_save(request: web.Request) -> web.StreamResponse:
    """The form: the answers kept (all "No answer": nothing kept), or all of them deleted."""
    principal = await optional_principal(request)
    if principal is None or not may(principal.role, "page.child_about_you"):
        raise web.HTTPSeeOther("/child/sign-in")
    equality = request.app[services_key].equality
    form = await request.post()
    by = principal.by()
    if "delete" in form:
        await equality.forget(principal.user_id, by)
        raise web.HTTPSeeOther("/child/about-you?deleted")
    questions = await equality.offered(principal.user_id)
    if not any(q.key in form for q in questions):  # nothing sent: the page again
        return aiohttp_jinja2.render_template("child/about_you.html", request, page_context(
            request, "child-about-you", principal.public(), questions=questions,
            answers=await equality.answers(principal.user_id), saved=False, deleted=False))
    # Every question in the file, so an answer sent to one she is not asked is refused, not dropped.
    await equality.record(principal.user_id, {q.key: form.get(q.key) for q in equality.questions}, by)
    raise web.HTTPSeeOther("/child/about-you?saved")


@routes.put("/api/children/{child}/equality")
async def record_answers(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    services = request.app[services_key]
    child = await services.access.child(principal, "equality.answer", request.match_info["child"])
    body = await json_body(request)
    return ok(**await services.equality.record(child["_id"], body.get("answers"), principal.by(),
                                               child_agreed=body.get("child_agreed")))


@routes.delete("/api/children/{child}/equality")
async def delete_answers(request: web.Request) -> web.Response:
    principal = await principal_of(request)
    services = request.app[services_key]
    child = await services.access.child(principal, "equality.answer", request.match_info["child"])
    return ok(**await services.equality.forget(child["_id"], principal.by()))


@routes.get("/figures/equality", name="figures_equality")
async def equality_figures_page(request: web.Request) -> web.StreamResponse:
    principal = await staff_page(request, "page.figures",
                                 "The figures are for reviewers at the Commissioner's office, managers and admins.")
    services = request.app[services_key]
    return aiohttp_jinja2.render_template("oversight/equality.html", request, page_context(
        request, "figures-equality", principal.public(), tables=await services.equality.figures(),
        small=services.figures.small, fewer=fewer_text(services.figures.small)))
